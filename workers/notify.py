"""Record a use case's notices in the caller's transaction; enqueue their delivery after commit."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session

from models.notices import Notice
from core.context import Context
from workers.jobs import enqueue_sends


def record_notices(ctx: Context, db: Session, notices: Iterable[Notice]) -> list[int]:
    """Outbound rows for ``notices`` in this transaction, as ``Messenger.queue`` records one
    (text and facts encrypted, channel chosen at delivery), with one flush for all; pass the ids
    to ``send``."""
    rows = [ctx.messenger.record(db, n.openid, n.text, kind=n.kind, facts=n.facts) for n in notices]
    if rows:
        db.flush()
    return [row.id for row in rows]


def send(ctx: Context, outbound_ids: Iterable[int]) -> None:
    """Enqueue delivery (after commit), in one round trip. Whatever Redis refuses, the outbound
    sweeper sends later."""
    enqueue_sends(ctx, list(outbound_ids))
