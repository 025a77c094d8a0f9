"""Conversation state: one record per user, live in Redis, durable in the database.

``StateStore.load`` reads Redis to learn that no dialogue is running (most turns), and
otherwise the database draft, which every turn writes and which is never older than Redis.
``StateStore.stage`` writes the draft in the turn's transaction and returns the Redis write
to run after commit: the live copy and the dialogue's idle timer (``models.dialogue.TIMERS_KEY``)
in one round trip. ``lock`` serialises one user's turns
across every web worker (two quick messages are handled one after the other).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from redis import Redis
from redis.exceptions import LockError, RedisError
from sqlalchemy.orm import Session

from db.crypto import DataCipher
from models.dialogue import EPOCH_KEY, TIMERS_KEY, live_key, load_draft, save_draft

log = logging.getLogger(__name__)

STATE_TTL = dt.timedelta(days=14)
#: the live copy of "no dialogue running" is this, then the state epoch it was written in
EMPTY = b"\x00none:"
# the state epoch (EPOCH_KEY): a new one voids every "no dialogue running" marker written before it
#: seconds a user's lock is held at most (a turn that dies holding it delays the next one this long)
LOCK_TIMEOUT = 15


def empty_marker(epoch: bytes | None) -> bytes:
    return EMPTY + (epoch or b"")


# A "no dialogue running" marker lets most turns skip the database. A turn that ran while Redis
# was unreachable could not replace it, so after the outage (or a restart from an old
# append-only file) it may hide a dialogue whose draft is in the database. A process that found
# Redis unreachable therefore starts a new epoch with its next turn (in the webhook's opening
# script), and markers of older epochs are read as "ask the database".
_unreachable = threading.Event()


def note_unreachable() -> None:
    """This process found Redis unreachable: the live copies may miss what it did meanwhile."""
    _unreachable.set()


def take_new_epoch() -> str:
    """A new epoch to start, if this process found Redis unreachable since it last started one."""
    if not _unreachable.is_set():
        return ""
    _unreachable.clear()
    return uuid.uuid4().hex


def lock_key(openid: str) -> str:
    """The Redis key of the user's turn lock (taken here, or by the webhook's opening script)."""
    return f"jzt:lock:{openid}"


@dataclass
class DialogueState:
    """Where one user is. ``flow`` None means no dialogue is running."""

    flow: str | None = None
    version: int = 0
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    retries: int = 0
    #: a critical value waiting for the user's "对" before it is kept
    pending: dict[str, Any] | None = None
    #: what the bot understood from free text, waiting for "是" ({"flow", "item", ...})
    intent: dict[str, Any] | None = None
    #: true after the bot asked "上次填到…，继续吗？"
    resuming: bool = False
    updated_at: str = ""
    #: changes every turn, so a timer set for an older turn knows it is stale
    token: str = ""
    #: the idle reminder for this flow (sent by ``workers.timers``), and whether it went out
    reminder: str = ""
    reminded: bool = False

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "DialogueState":
        raw = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    @property
    def idle_since(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.updated_at) if self.updated_at else None

    def touched(self, now: dt.datetime) -> "DialogueState":
        return dataclasses.replace(self, updated_at=now.isoformat(), token=uuid.uuid4().hex[:12], reminded=False)

    @property
    def is_empty(self) -> bool:
        return self.flow is None and self.intent is None


class StateStore:
    """``live``: (openid, raw value, epoch) of a live state the caller already read under the
    user's lock (the webhook reads it with the delivery claim), so ``load`` need not read it again."""

    def __init__(self, redis: Redis, cipher: DataCipher, ttl: dt.timedelta = STATE_TTL, live: tuple[str, Any, Any] | None = None):
        self.redis, self.cipher, self.ttl, self.live = redis, cipher, ttl, live

    _key = staticmethod(live_key)

    def load(self, open_db: Callable[[], Session], openid: str) -> DialogueState:
        """``open_db`` gives the turn's session: only needed when a dialogue is running."""
        cached, epoch = self._read_live(openid)
        if cached is not None and cached == empty_marker(epoch):
            return DialogueState()
        db = open_db()
        # A dialogue may be running: the draft decides. The Redis copy can be older than the draft
        # (a turn ran while Redis was unreachable, then Redis came back with its old data), and
        # trusting it replays an earlier step: a request confirmed meanwhile would be filed twice.
        stored = load_draft(db, openid)
        if stored is None:
            self._remember_empty(openid, epoch)
            return DialogueState()
        return DialogueState.from_json(self.cipher.decrypt(stored))

    def _read_live(self, openid: str) -> tuple[bytes | None, bytes | None]:
        if self.live is not None and self.live[0] == openid:
            return self.live[1], self.live[2]
        try:
            cached, epoch = self.redis.mget(self._key(openid), EPOCH_KEY)
            return cached, epoch
        except RedisError:
            note_unreachable()
            log.warning("state: Redis unavailable, reading the draft from the database")
            return None, None

    def _remember_empty(self, openid: str, epoch: bytes | None) -> None:
        """Most users have no dialogue running: say so in Redis, so the next turn skips the database."""
        with contextlib.suppress(RedisError):
            self.redis.set(self._key(openid), empty_marker(epoch), ex=int(self.ttl.total_seconds()))

    def stage(self, db: Session, openid: str, state: DialogueState, remind_at: dt.datetime | None = None) -> Callable[[], None]:
        """Save the draft in this transaction; return the Redis write for after commit: the live
        copy, and the idle timer set for ``remind_at`` (cleared when None)."""
        token = None if state.is_empty else self.cipher.encrypt(state.to_json())
        save_draft(db, openid, token, state.idle_since)

        def publish() -> None:
            try:
                value = empty_marker(self._read_live(openid)[1]) if token is None else token
                with self.redis.pipeline(transaction=False) as pipe:
                    pipe.set(self._key(openid), value, ex=int(self.ttl.total_seconds()))
                    if remind_at is not None:
                        pipe.zadd(TIMERS_KEY, {openid: remind_at.timestamp()})
                    else:
                        pipe.zrem(TIMERS_KEY, openid)
                    pipe.execute()
            except RedisError:
                note_unreachable()
                log.warning("state: Redis unavailable; the database draft is the copy")
                self.forget(openid)

        return publish

    def forget(self, openid: str) -> None:
        """Drop the live copy (the next turn reads the draft), if Redis lets us."""
        with contextlib.suppress(RedisError):
            self.redis.delete(self._key(openid))

    @contextlib.contextmanager
    def lock(self, openid: str, timeout: float = LOCK_TIMEOUT, wait: float = 10) -> Iterator[bool]:
        """Hold the user's lock; yields False (and goes on) when Redis is unreachable."""
        try:
            lock = self.redis.lock(lock_key(openid), timeout=timeout, blocking_timeout=wait)
            acquired = lock.acquire()
        except RedisError:
            yield False
            return
        try:
            yield acquired
        finally:
            if acquired:
                with contextlib.suppress(LockError, RedisError):
                    lock.release()
