"""Dialogue drafts (the durable copy of conversation state) and step events.

Redis holds the live state; every answer is also saved here, encrypted, in the
turn's transaction, so a draft survives a Redis restart and a request confirmed
while Redis is down still finds its answers. Step events carry no personal data:
they count where people give up (drop-out), per flow, version and step.

Idle dialogues: a user who stops mid-flow is reminded once after ``REMIND_AFTER`` and the draft
is dropped after ``EXPIRE_AFTER`` (counted as abandoned at its step). When is kept in Redis
(``TIMERS_KEY``, ``workers.timers``); whether is decided here, by the draft (``idle_drafts``,
``next_idle_action``): a reminder already sent is marked in the draft itself.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Index, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, IdPk, Timestamp, as_utc, utcnow
from db.sql import upsert


REMIND_AFTER = dt.timedelta(hours=2)
"""A dialogue left this long gets one reminder."""
EXPIRE_AFTER = dt.timedelta(days=7)
"""A draft left this long is dropped."""

TIMERS_KEY = "jzt:timers:idle"
"""Redis sorted set: openid -> when its dialogue's next idle action is due (Unix seconds)."""
EPOCH_KEY = "jzt:conv:epoch"
"""The state epoch (``conversations.state``): a new one after Redis was unreachable somewhere."""


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


def save_draft(db: Session, openid: str, state_enc: str | None, now: dt.datetime | None = None) -> None:
    """Write (or, for ``None``, delete) the user's draft in one statement; ``now``: the turn's time."""
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


# -- idle dialogues ---------------------------------------------------------------------------


class IdleAction(str, Enum):
    REMIND = "remind"
    EXPIRE = "expire"


@dataclass(frozen=True)
class IdleDraft:
    """What the idle timers need of a draft (read from its encrypted state)."""

    openid: str
    state: dict
    idle_since: dt.datetime | None

    @property
    def reminder(self) -> str:
        """The text to remind the user with (set by the turn for a running flow), or ''."""
        return (self.state.get("reminder") or "") if self.state.get("flow") else ""

    @property
    def reminded(self) -> bool:
        return bool(self.state.get("reminded"))

    @property
    def step(self) -> tuple[str, int, str]:
        return self.state["flow"], int(self.state.get("version") or 0), self.state.get("step") or ""


def next_idle_action(draft: IdleDraft, now: dt.datetime) -> tuple[IdleAction | None, dt.datetime | None]:
    """What to do about an idle draft now, and when to look at it next (None: never again)."""
    if not draft.reminder or draft.idle_since is None:
        return None, None  # no flow running (a pending question only): no timers
    expire_at = draft.idle_since + EXPIRE_AFTER
    if now >= expire_at:
        return IdleAction.EXPIRE, None
    if draft.reminded:
        return None, expire_at
    remind_at = draft.idle_since + REMIND_AFTER
    return (IdleAction.REMIND, expire_at) if now >= remind_at else (None, remind_at)


def idle_drafts(db: Session, cipher, openids: list[str]) -> tuple[dict[str, IdleDraft], set[str]]:
    """These users' drafts, locked for this transaction, and the users whose draft another
    transaction holds right now (a turn: look again later). A user in neither has no draft."""
    table = DialogueDraft.__table__
    rows = db.execute(select(table.c.openid, table.c.state_enc).where(table.c.openid.in_(openids)).with_for_update(skip_locked=True)).all()
    found = {}
    for openid, state_enc in rows:
        state = json.loads(cipher.decrypt(state_enc))
        since = dt.datetime.fromisoformat(state["updated_at"]) if state.get("updated_at") else None
        found[openid] = IdleDraft(openid, state, since)
    missing = [o for o in openids if o not in found]
    busy = set(db.scalars(select(table.c.openid).where(table.c.openid.in_(missing)))) if missing else set()
    return found, busy


def mark_reminded(db: Session, cipher, draft: IdleDraft) -> None:
    """The reminder went out for this idle period: kept in the draft (a turn starts a new one)."""
    state_enc = cipher.encrypt(json.dumps({**draft.state, "reminded": True}, ensure_ascii=False))
    db.execute(update(DialogueDraft.__table__).where(DialogueDraft.openid == draft.openid).values(state_enc=state_enc))


def expire_draft(db: Session, draft: IdleDraft, now: dt.datetime) -> None:
    """Drop a draft nobody came back to, counting it as abandoned at its step."""
    save_draft(db, draft.openid, None)
    flow, version, step = draft.step
    record_events(db, [(flow, version, step, StepEvent.ABANDONED)], now)


def idle_since_all(db: Session) -> list[tuple[str, dt.datetime]]:
    """(openid, last saved) of every draft: to rebuild the timers when Redis may have lost them."""
    return [(openid, as_utc(at)) for openid, at in db.execute(select(DialogueDraft.openid, DialogueDraft.updated_at))]
