"""Every message in and out, kept for the trace (服务留痕).

Bodies are encrypted (they may carry ID numbers or health details). An inbound
message is unique per (openid, delivery key): WeChat's retries of one message, even
when they race on different web workers, insert one row; the second insert fails
and its transaction (with everything the handler did) is rolled back.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, IdPk, OpenId, Timestamp, as_utc, utcnow
from policy.window import MESSAGE_TYPES, OPENING_EVENTS, Window
from db.sql import insert_ignoring_conflicts


class Channel(str, Enum):
    REPLY = "reply"  # the passive reply to a message
    CUSTOMER_SERVICE = "customer_service"  # 客服消息, 48 h after the user's last message
    TEMPLATE = "template"  # 模板消息 (service notices)
    SUBSCRIPTION = "subscription"  # 订阅通知 (long-term subscription, 政务民生 accounts)


class OutboundStatus(str, Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries, or WeChat refused it; visible to staff
    UNDELIVERABLE = "undeliverable"  # no channel WeChat allows: shown in 待办 and the back office


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("openid", "delivery_key", name="uq_inbound_delivery"),
        Index("ix_inbound_openid_received", "openid", "received_at"),
    )

    id: Mapped[IdPk]
    openid: Mapped[str] = mapped_column(String(64))
    delivery_key: Mapped[str] = mapped_column(String(96))
    msg_type: Mapped[str] = mapped_column(String(32))
    body_enc: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[Timestamp]


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_openid_created", "openid", "created_at"),)

    id: Mapped[IdPk]
    openid: Mapped[OpenId]
    channel: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(32), default="text")
    body_enc: Mapped[str] = mapped_column(Text)
    #: the notice's typed facts (``models.notices.Facts`` as JSON), encrypted; None for replies
    facts_enc: Mapped[str | None] = mapped_column(Text)
    #: what was handed to WeChat outside the window (template, values, url), encrypted
    payload_enc: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutboundStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(255))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    created_at: Mapped[Timestamp]
    sent_at: Mapped[dt.datetime | None]


def record_inbound(session: Session, openid: str, delivery_key: str, msg_type: str, body_enc: str | None, at: dt.datetime) -> InboundMessage:
    """Add the inbound row and flush, so a duplicate delivery fails here, early."""
    row = InboundMessage(openid=openid, delivery_key=delivery_key, msg_type=msg_type, body_enc=body_enc, received_at=at)
    session.add(row)
    session.flush()
    return row


def record_outbound(
    session: Session,
    openid: str,
    channel: Channel,
    body_enc: str,
    *,
    kind: str = "text",
    status: OutboundStatus = OutboundStatus.PENDING,
    inbound_id: int | None = None,
    facts_enc: str | None = None,
) -> OutboundMessage:
    row = OutboundMessage(
        openid=openid,
        channel=channel.value,
        kind=kind,
        body_enc=body_enc,
        facts_enc=facts_enc,
        status=status.value,
        inbound_id=inbound_id,
        sent_at=utcnow() if status is OutboundStatus.SENT else None,
    )
    session.add(row)
    return row


def last_inbound_at(session: Session, openid: str) -> dt.datetime | None:
    return session.scalar(select(func.max(InboundMessage.received_at)).where(InboundMessage.openid == openid))


def window_of(session: Session, openid: str) -> Window:
    """The user's customer-service window as WeChat counts it (``policy.window``)."""
    opening = [f"event:{e}" for e in OPENING_EVENTS]
    last_message = session.scalar(
        select(func.max(InboundMessage.received_at)).where(InboundMessage.openid == openid, InboundMessage.msg_type.in_(MESSAGE_TYPES))
    )
    last_event = session.scalar(select(func.max(InboundMessage.received_at)).where(InboundMessage.openid == openid, InboundMessage.msg_type.in_(opening)))
    last_message, last_event = as_utc(last_message), as_utc(last_event)
    return Window(
        last_message, customer_service_sent_since(session, openid, last_message) if last_message else 0,
        last_event, customer_service_sent_since(session, openid, last_event) if last_event else 0,
    )


def customer_service_sent_since(session: Session, openid: str, since: dt.datetime) -> int:
    return session.scalar(
        select(func.count(OutboundMessage.id)).where(
            OutboundMessage.openid == openid,
            OutboundMessage.channel == Channel.CUSTOMER_SERVICE.value,
            OutboundMessage.status == OutboundStatus.SENT.value,
            OutboundMessage.sent_at >= since,
        )
    )


def pending_outbound_ids(session: Session, older_than: dt.datetime, limit: int = 500) -> list[int]:
    return list(
        session.scalars(
            select(OutboundMessage.id)
            .where(OutboundMessage.status == OutboundStatus.PENDING.value, OutboundMessage.created_at < older_than)
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
    )


def outbound_for(session: Session, openid: str, after_id: int = 0, limit: int = 100) -> list[OutboundMessage]:
    """Messages sent to ``openid`` outside passive replies (notices), oldest first."""
    return list(
        session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.openid == openid, OutboundMessage.channel != Channel.REPLY.value, OutboundMessage.id > after_id)
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
    )


def insert_logged(session: Session, entries: list[dict]) -> int:
    """Write batched log entries (an inbound message and its reply each), skipping any whose
    inbound row is already there (a retry, or a batch written twice). Returns rows added."""
    if not entries:
        return 0
    inbound = [
        {"openid": e["openid"], "delivery_key": e["key"], "msg_type": e["type"], "body_enc": e["body"], "received_at": dt.datetime.fromisoformat(e["at"])}
        for e in entries
    ]
    added = session.execute(insert_ignoring_conflicts(session, InboundMessage.__table__).returning(InboundMessage.id, InboundMessage.openid, InboundMessage.delivery_key), inbound).all()
    ids = {(openid, key): row_id for row_id, openid, key in added}
    replies = [
        {"openid": e["openid"], "channel": Channel.REPLY.value, "kind": "reply", "body_enc": e["reply"], "status": OutboundStatus.SENT.value,
         "attempts": 0, "inbound_id": ids[(e["openid"], e["key"])], "created_at": dt.datetime.fromisoformat(e["at"]), "sent_at": dt.datetime.fromisoformat(e["at"])}
        for e in entries if e.get("reply") and (e["openid"], e["key"]) in ids
    ]
    if replies:
        session.execute(OutboundMessage.__table__.insert(), replies)
    return len(added)
