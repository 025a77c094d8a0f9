"""Record a use case's notices in the caller's transaction; enqueue their delivery after commit."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session

from models.notices import Notice
from workers.context import Context
from workers.jobs import enqueue_send


def record_notices(ctx: Context, db: Session, notices: Iterable[Notice]) -> list[int]:
    """Outbound rows for ``notices``, in this transaction; pass the ids to ``send`` after commit."""
    return [ctx.messenger.queue_text(db, n.openid, n.text, kind=n.kind).id for n in notices]


def send(ctx: Context, outbound_ids: Iterable[int]) -> None:
    """Enqueue delivery (after commit). Whatever Redis refuses, the outbound sweeper sends later."""
    for outbound_id in outbound_ids:
        if not enqueue_send(ctx, outbound_id):
            break  # Redis is down: do not wait on a timeout per message
