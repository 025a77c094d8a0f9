"""One messenger for everything the bot sends outside a passive reply.

``queue_text`` records a pending outbound message in the caller's transaction (so a
notice exists exactly when the change that caused it does); a worker then calls
``deliver``, which picks the channel WeChat allows and hands it to a transport:

- customer-service message: within 48 hours of the user's last message, at most 5;
- template message (service notice) otherwise, when a template is configured;
- else the message is marked failed with the reason, for staff to follow up.

Transports: ``RecordingTransport`` (dev, tests, simulator: the database row is the
delivery) and ``WeChatTransport`` (``wechatpy.WeChatClient``, token shared in Redis).
No Flask here: workers use this module.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from db.crypto import DataCipher
from db.base import as_utc, utcnow
from models.messages import (
    Channel,
    OutboundMessage,
    OutboundStatus,
    customer_service_sent_since,
    last_inbound_at,
    record_outbound,
)

log = logging.getLogger(__name__)

CS_WINDOW = dt.timedelta(hours=48)
CS_LIMIT = 5


class OutsideWindow(Exception):
    """WeChat refused a customer-service message (45015/45047)."""


class Transport(Protocol):
    def send_text(self, openid: str, text: str) -> None: ...

    def send_template(self, openid: str, template_id: str, text: str) -> None: ...


class RecordingTransport:
    """Delivers nothing: the outbound row, marked sent, is the record (dev and tests)."""

    def send_text(self, openid: str, text: str) -> None:
        log.info("recorded customer-service message to %s", mask_openid(openid))

    def send_template(self, openid: str, template_id: str, text: str) -> None:
        log.info("recorded template message to %s", mask_openid(openid))


def mask_openid(openid: str) -> str:
    return openid[:4] + "…" + openid[-2:] if len(openid) > 8 else "…"


@dataclass(frozen=True)
class Messenger:
    cipher: DataCipher
    transport: Transport
    template_id: str = ""

    def queue_text(self, db: Session, openid: str, text: str, *, kind: str = "notice") -> OutboundMessage:
        """Record a message to send; the caller enqueues ``deliver`` (by id) after commit."""
        row = record_outbound(db, openid, Channel.CUSTOMER_SERVICE, self.cipher.encrypt(text), kind=kind)
        db.flush()
        return row

    def choose_channel(self, db: Session, openid: str, now: dt.datetime) -> Channel | None:
        last = as_utc(last_inbound_at(db, openid))
        if last is not None and now - last < CS_WINDOW:
            if customer_service_sent_since(db, openid, last) < CS_LIMIT:
                return Channel.CUSTOMER_SERVICE
        return Channel.TEMPLATE if self.template_id else None

    def deliver(self, db: Session, outbound_id: int, now: dt.datetime | None = None) -> OutboundStatus:
        """Send one pending message. Idempotent: a sent or failed message is left alone.

        Transport errors other than WeChat's window refusal propagate, so the job's
        Retry tries again later.
        """
        now = now or utcnow()
        row = db.get(OutboundMessage, outbound_id, with_for_update=True)
        if row is None or row.status != OutboundStatus.PENDING.value:
            return OutboundStatus(row.status) if row else OutboundStatus.FAILED
        text = self.cipher.decrypt(row.body_enc)
        row.attempts += 1
        channel = self.choose_channel(db, row.openid, now)
        if channel is Channel.CUSTOMER_SERVICE:
            try:
                self.transport.send_text(row.openid, text)
            except OutsideWindow:
                channel = Channel.TEMPLATE if self.template_id else None
        if channel is Channel.TEMPLATE:
            self.transport.send_template(row.openid, self.template_id, text)
        if channel is None:
            row.status = OutboundStatus.FAILED.value
            row.error = "outside the 48-hour window and no template configured (45015)"
            log.warning("outbound %s undeliverable: %s", row.id, row.error)
            return OutboundStatus.FAILED
        row.channel = channel.value
        row.status = OutboundStatus.SENT.value
        row.sent_at = now
        return OutboundStatus.SENT
