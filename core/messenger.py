"""One messenger for everything the bot sends outside a passive reply.

``queue`` records a pending outbound message in the caller's transaction (so a notice exists
exactly when the change that caused it does): its full text and its typed facts, encrypted.
A worker then calls ``deliver``, which picks the channel WeChat allows and hands it to a
transport:

- customer-service message (the full text), while the user's window is open as WeChat counts
  it (``policy.window``: 48 hours and 5 messages after a message, 1 minute and 3 after
  a menu click or follow); WeChat refusing it (45015/45047) falls through to
- the kind's template message (``models.notice_templates``: typed fields of at most 20
  display characters, a ``url`` to the notice's page), when the account has that template;
- else the kind's subscription message, when the account uses one and the user subscribed;
- else the notice is marked ``undeliverable`` with the reason: 待办 and the back office list it.

Transports: ``core.wechat_fake.FakeWeChat`` (dev, tests, simulator: enforces WeChat's rules and
keeps what the phone shows) and ``core.wechat_api.WeChatTransport`` (``wechatpy.WeChatClient``,
token shared in Redis). No Flask here: workers use this module.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol

from sqlalchemy.orm import Session

from db.crypto import DataCipher
from db.base import utcnow
from models.messages import Channel, OutboundMessage, OutboundStatus, record_outbound, window_of
from models.notice_templates import Rendered, facts_or_text, render_subscription, render_template, template_for
from models.notices import Facts, Notice

log = logging.getLogger(__name__)


class OutsideWindow(Exception):
    """WeChat refused a customer-service message (45015 out of time, 45047 out of quota)."""

    def __init__(self, errcode: int):
        super().__init__(errcode)
        self.errcode = errcode


class NotSubscribed(Exception):
    """WeChat refused a subscription message: the user has not subscribed (43101)."""


class Refused(Exception):
    """WeChat refused the message's content (47003 a value out of shape, 40037 no such template)."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(errcode, errmsg)
        self.errcode, self.errmsg = errcode, errmsg


class Transport(Protocol):
    def send_text(self, openid: str, text: str, *, ref: int, now: dt.datetime) -> None: ...

    def send_template(self, openid: str, template_id: str, message: Rendered, *, ref: int, now: dt.datetime) -> None: ...

    def send_subscription(self, openid: str, template_id: str, message: Rendered, *, ref: int, now: dt.datetime) -> None: ...


def mask_openid(openid: str) -> str:
    return openid[:4] + "…" + openid[-2:] if len(openid) > 8 else "…"


def _no_link(outbound_id: int) -> str:
    return ""


@dataclass(frozen=True)
class Messenger:
    cipher: DataCipher
    transport: Transport
    #: the account's templates: the library title (``models.notice_templates``) → template id
    templates: Mapping[str, str] = field(default_factory=dict)
    #: the account's subscription templates, the same way
    subscriptions: Mapping[str, str] = field(default_factory=dict)
    #: the page a notice's template opens (``core.links.notice_url``)
    link: Callable[[int], str] = _no_link

    def queue(self, db: Session, notice: Notice) -> OutboundMessage:
        """Record a notice to send; the caller enqueues ``deliver`` (by id) after commit."""
        return self.queue_text(db, notice.openid, notice.text, kind=notice.kind, facts=notice.facts)

    def queue_text(self, db: Session, openid: str, text: str, *, kind: str = "notice", facts: Facts | None = None) -> OutboundMessage:
        row = self.record(db, openid, text, kind=kind, facts=facts)
        db.flush()
        return row

    def record(self, db: Session, openid: str, text: str, *, kind: str = "notice", facts: Facts | None = None) -> OutboundMessage:
        """The pending row, added to the session (not flushed: a batch flushes once)."""
        facts_enc = self.cipher.encrypt(facts.to_json()) if facts is not None else None
        return record_outbound(db, openid, Channel.CUSTOMER_SERVICE, self.cipher.encrypt(text), kind=kind, facts_enc=facts_enc)

    def deliver(self, db: Session, outbound_id: int, now: dt.datetime | None = None) -> OutboundStatus:
        """Send one pending message. Idempotent: a sent, failed or undeliverable one is left alone.

        Transport errors other than WeChat's refusals propagate, so the job's Retry tries again.
        """
        now = now or utcnow()
        row = db.get(OutboundMessage, outbound_id, with_for_update=True)
        if row is None or row.status != OutboundStatus.PENDING.value:
            return OutboundStatus(row.status) if row else OutboundStatus.FAILED
        text = self.cipher.decrypt(row.body_enc)
        row.attempts += 1
        refusal = window_of(db, row.openid).refusal(now)
        if refusal is None:
            try:
                self.transport.send_text(row.openid, text, ref=row.id, now=now)
                return self._sent(row, Channel.CUSTOMER_SERVICE, now)
            except OutsideWindow as exc:
                refusal = exc.errcode
        facts = Facts.from_json(self.cipher.decrypt(row.facts_enc)) if row.facts_enc else None
        try:
            return self._outside_window(row, facts_or_text(facts, text, now), refusal, now)
        except Refused as exc:
            return self._give_up(row, OutboundStatus.FAILED, f"WeChat refused the message ({exc.errcode} {exc.errmsg})"[:255])

    def _outside_window(self, row: OutboundMessage, facts: Facts, refusal: int, now: dt.datetime) -> OutboundStatus:
        title = template_for(row.kind).title
        if title in self.templates:
            message = render_template(row.kind, facts, self.link(row.id))
            self.transport.send_template(row.openid, self.templates[title], message, ref=row.id, now=now)
            return self._sent(row, Channel.TEMPLATE, now, message)
        if title in self.subscriptions:
            message = render_subscription(row.kind, facts, self.link(row.id))
            try:
                self.transport.send_subscription(row.openid, self.subscriptions[title], message, ref=row.id, now=now)
                return self._sent(row, Channel.SUBSCRIPTION, now, message)
            except NotSubscribed:
                return self._give_up(row, OutboundStatus.UNDELIVERABLE, f"outside the window ({refusal}); not subscribed to 「{title}」 (43101)")
        return self._give_up(row, OutboundStatus.UNDELIVERABLE, f"outside the window ({refusal}); no template 「{title}」 configured")

    def _sent(self, row: OutboundMessage, channel: Channel, now: dt.datetime, message: Rendered | None = None) -> OutboundStatus:
        row.channel, row.status, row.sent_at = channel.value, OutboundStatus.SENT.value, now
        if message is not None:
            row.payload_enc = self.cipher.encrypt(json.dumps({"title": message.title, "values": message.values, "url": message.url}, ensure_ascii=False))
        return OutboundStatus.SENT

    def _give_up(self, row: OutboundMessage, status: OutboundStatus, reason: str) -> OutboundStatus:
        row.status, row.error = status.value, reason
        log.warning("outbound %s %s: %s", row.id, status.value, reason)
        return status
