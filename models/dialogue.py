"""Dialogue drafts (the durable copy of conversation state) and step events.

Redis holds the live state; every answer is also saved here, encrypted, in the
turn's transaction, so a draft survives a Redis restart and a request confirmed
while Redis is down still finds its answers. Step events carry no personal data:
they count where people give up (drop-out), per flow, version and step.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum

from sqlalchemy import Index, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, IdPk, Timestamp, utcnow
from db.sql import upsert


class StepEvent(str, Enum):
    ENTERED = "entered"
    COMPLETED = "completed"
    RETRIED = "retried"
    ABANDONED = "abandoned"  # cancelled, expired, or handed over at this step


class DialogueDraft(Base):
    __tablename__ = "dialogue_drafts"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    state_enc: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[Timestamp]


class DialogueEvent(Base):
    __tablename__ = "dialogue_events"
    __table_args__ = (Index("ix_dialogue_events_flow_step", "flow", "step"),)

    id: Mapped[IdPk]
    flow: Mapped[str] = mapped_column(String(48))
    version: Mapped[int]
    step: Mapped[str] = mapped_column(String(48))
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[Timestamp]


def live_key(openid: str) -> str:
    """The Redis key of the live copy of a user's state."""
    return f"jzt:conv:{openid}"


def draft_token(db: Session, cipher, openid: str) -> str | None:
    """The turn token of the user's saved draft (timers compare it to know they are stale)."""
    stored = load_draft(db, openid)
    return json.loads(cipher.decrypt(stored)).get("token") if stored else None


def save_draft(db: Session, openid: str, state_enc: str | None, now: dt.datetime | None = None) -> None:
    """Write (or, for ``None``, delete) the user's draft in one statement."""
    if state_enc is None:
        db.execute(delete(DialogueDraft).where(DialogueDraft.openid == openid))
        return
    values = {"openid": openid, "state_enc": state_enc, "updated_at": now or utcnow()}
    db.execute(upsert(db, DialogueDraft.__table__, ["openid"], values))


def load_draft(db: Session, openid: str) -> str | None:
    draft = db.get(DialogueDraft, openid)
    return draft.state_enc if draft else None


def record_events(db: Session, events: list[tuple[str, int, str, StepEvent]], now: dt.datetime) -> None:
    db.add_all(DialogueEvent(flow=f, version=v, step=s, event=e.value, at=now) for f, v, s, e in events)


def step_counts(db: Session, flow: str) -> dict[tuple[str, str], int]:
    """{(step, event): count} for one flow: where people enter, finish, retry, give up."""
    rows = db.execute(
        select(DialogueEvent.step, DialogueEvent.event, func.count())
        .where(DialogueEvent.flow == flow)
        .group_by(DialogueEvent.step, DialogueEvent.event)
    )
    return {(step, event): n for step, event, n in rows}
