"""Signed webhook queries spent in the database: the second line behind Redis (``bot.delivery``).

A WeChat query's signature covers (timestamp, nonce) only, never the body, so a query seen
once (an access log, a proxy) could come again with another body. Each query is spent on the
first body it came with. Redis keeps that record; this table keeps it when Redis is
unreachable, and always in plain mode (where nothing else stands between a copied query and a
forged sender). Rows are needed only while their timestamp can pass the signature window, so
each spend also deletes the ones older than that.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base
from db.sql import insert_ignoring_conflicts


class SpentQuery(Base):
    __tablename__ = "spent_queries"

    #: sha256 of "timestamp:nonce" (``bot.wechat.SignedQuery.spend_key``)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: sha256 of the body it was spent on
    body_digest: Mapped[str] = mapped_column(String(64))
    spent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


def spend(db: Session, key: str, body_digest: str, now: dt.datetime, keep_seconds: int) -> bool:
    """Spend ``key`` on ``body_digest``; False when it was spent on another body before.

    Safe under concurrency: the insert either takes the key or finds the row that did."""
    db.execute(delete(SpentQuery).where(SpentQuery.spent_at < now - dt.timedelta(seconds=keep_seconds)))
    db.execute(insert_ignoring_conflicts(db, SpentQuery.__table__).values(key=key, body_digest=body_digest, spent_at=now))
    return db.scalar(select(SpentQuery.body_digest).where(SpentQuery.key == key)) == body_digest
