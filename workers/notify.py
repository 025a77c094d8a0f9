"""Record a use case's notices in the caller's transaction; enqueue their delivery after commit."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session

from models.notices import Notice
from workers.context import Context
from workers.jobs import enqueue_sends


def record_notices(ctx: Context, db: Session, notices: Iterable[Notice]) -> list[int]:
    """Outbound rows for ``notices``, in this transaction; pass the ids to ``send`` after commit."""
    return [ctx.messenger.queue_text(db, n.openid, n.text, kind=n.kind).id for n in notices]


def send(ctx: Context, outbound_ids: Iterable[int]) -> None:
    """Enqueue delivery (after commit), in one round trip. Whatever Redis refuses, the outbound
    sweeper sends later."""
    enqueue_sends(ctx, list(outbound_ids))
