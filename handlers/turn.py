"""One turn: what a handler gets, and what it answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm import Session

from conversations import speech
from conversations.inputs import InputKind, UserInput


@dataclass
class Turn:
    """One incoming message, handled inside one database transaction.

    ``services`` carries what handlers may use (Redis, the messenger, the cipher ...);
    ``after_commit`` collects callbacks, e.g. enqueueing notices, that must run only
    once the transaction is committed.
    """

    openid: str
    input: UserInput
    now: dt.datetime
    #: opens the turn's database session; most turns (a greeting, the menu) never need one
    sessions: Callable[[], Session]
    services: Any
    after_commit: list = field(default_factory=list)
    #: the user's dialogue state, loaded at most once per turn (see handlers.dialogue)
    state: Any = None
    _memo: dict = field(default_factory=dict)
    _db: Session | None = None

    @property
    def db(self) -> Session:
        """The turn's one session (its transaction begins at the first statement)."""
        if self._db is None:
            self._db = self.sessions()
        return self._db

    @property
    def opened_db(self) -> Session | None:
        """The session if the turn used one, else None."""
        return self._db

    def close(self) -> None:
        """Close the session, if one was opened (rolling back what was not committed)."""
        if self._db is not None:
            self._db.close()

    def memo(self, key: str, load: Callable[[], Any]) -> Any:
        """``load()`` once per turn (the catalogue, thresholds ...), however often asked."""
        if key not in self._memo:
            self._memo[key] = load()
        return self._memo[key]

    @property
    def said(self) -> str:
        """What the user said, tidied (fillers and speech punctuation gone), or the menu key."""
        return self.memo("said", self._tidy)

    def _tidy(self) -> str:
        if self.input.kind is InputKind.MENU:
            return self.input.text
        if self.input.kind in (InputKind.TEXT, InputKind.VOICE):
            return speech.strip_fillers(speech.normalize(self.input.text))
        return ""

    def notify(self, openid: str, text: str, *, kind: str = "notice", facts=None) -> None:
        """Send ``text`` to another user (or this one, later), after this turn commits;
        ``facts`` (``models.notices.Facts``) are what a template shows outside the window."""
        row = self.services.messenger.queue_text(self.db, openid, text, kind=kind, facts=facts)
        self.after_commit.append(lambda: self.services.enqueue_send(row.id))

    def notify_all(self, notices) -> None:
        """``notify`` each of a use case's ``Notice`` values."""
        for notice in notices:
            self.notify(notice.openid, notice.text, kind=notice.kind, facts=notice.facts)


@dataclass(frozen=True)
class Answer:
    """What the user sees: texts in order (the first is the passive reply), or nothing."""

    texts: tuple[str, ...] = ()

    @classmethod
    def say(cls, *texts: str) -> "Answer":
        return cls(tuple(t for t in texts if t))

    @property
    def silent(self) -> bool:
        return not self.texts

