"""Handle one inbound WeChat message exactly once, inside one transaction.

The inbound row is inserted first: a second delivery of the same message (a WeChat
retry that slipped past Redis, or any delivery while Redis is down) fails on the
unique key and everything it did is rolled back. Notices are enqueued only after
commit. The reply is recorded as an outbound message like any other.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from conversations import menu
from conversations.inputs import InputKind, UserInput
from handlers.router import route
from handlers.turn import Answer, Turn
from models.messages import Channel, OutboundStatus, insert_logged, record_inbound, record_outbound
from core.context import Context
from db.base import retry_on_disconnect
from conversations.state import StateStore
from handlers.handover import hand_over
from models.calendar import load_work_calendar
from policy.window import record_type
from models.catalogue.catalogue import load_thresholds
from models.households.residents import bindings_of
from models.visits.schedule import schedule_urgent_visit
from workers import message_log
from workers.dispatch import wake_dispatcher
from workers.jobs import enqueue_send, enqueue_tag

log = logging.getLogger(__name__)


class Duplicate(Exception):
    """This delivery was processed before (found by the database, not Redis)."""


@dataclass(frozen=True)
class Services:
    """What handlers may use, without knowing about Flask or RQ."""

    ctx: Context
    #: (openid, raw value, epoch) of the live state already read under the user's lock, if any
    live: tuple[str, bytes | None, bytes | None] | None = None

    @property
    def redis(self):
        return self.ctx.redis

    @property
    def messenger(self):
        return self.ctx.messenger

    @property
    def cipher(self):
        return self.ctx.cipher

    @property
    def settings(self):
        return self.ctx.settings

    @property
    def state_store(self) -> StateStore:
        return StateStore(self.ctx.redis, self.ctx.cipher, live=self.live)

    def enqueue_send(self, outbound_id: int) -> bool:
        return enqueue_send(self.ctx, outbound_id)

    def enqueue_tag(self, staff_id: int) -> bool:
        return enqueue_tag(self.ctx, staff_id)

    def enqueue_dispatch(self, request_id: int) -> bool:
        return wake_dispatcher(self.ctx, request_id)

    def urgent_visit(self, turn: Turn) -> None:
        """After an emergency, a visit within 1 working day for each member this user is bound to."""
        calendar, thresholds = load_work_calendar(turn.db), load_thresholds(turn.db)
        for binding in bindings_of(turn.db, turn.openid):
            visit = schedule_urgent_visit(turn.db, binding.member_id, turn.now, calendar, thresholds)
            turn.notify_all(visit.notices)

    def speech_to_text(self, media_id: str) -> str | None:
        """The configured engine's text for a voice message WeChat sent without a recognition
        (``JZT_SPEECH_TO_TEXT``); None when none is configured, it heard nothing, or it failed."""
        engine = self.ctx.speech_to_text
        if engine is None or not media_id:
            return None
        try:
            heard = engine(media_id)
        except Exception as exc:  # a plug-in's failure must not cost the user the turn
            log.warning("speech-to-text failed (%s); asking the user again", type(exc).__name__)
            return None
        return heard.strip() if isinstance(heard, str) and heard.strip() else None

    def handover(self, call, reason: str) -> str:
        return hand_over(call.turn, reason)


@dataclass(frozen=True)
class Held:
    """The caller took the user's lock and read the live state (``live_state``) in its own Redis
    call, and will queue the message-log entry in its closing one (``bot.delivery``)."""

    live_state: bytes | None
    #: the state epoch it was read in (``conversations.state``)
    epoch: bytes | None = None


@dataclass(frozen=True)
class Handled:
    answer: Answer
    #: for a ``Held`` turn that changed nothing: the message-log entry for the caller to queue
    log_entry: str = ""
    #: the passive reply, encrypted (as in ``log_entry``), when there is one
    reply_enc: str | None = None


def handle(
    ctx: Context, openid: str, delivery_key: str, msg_type: str, user_input: UserInput, body: str,
    *, redis_ok: bool = True, held: Held | None = None,
) -> Handled:
    """Process one message and return what to answer. Raises ``Duplicate``.

    ``redis_ok`` False: Redis could not deduplicate this delivery, so the database must.
    ``held``: the caller already holds the user's lock (the webhook's opening script); without
    it, the turn takes the lock itself and queues its own message-log entry.
    """
    started = time.monotonic()
    msg_type = window_type(msg_type, user_input)
    if held is not None:
        services = Services(ctx, live=(openid, held.live_state, held.epoch))
        return _handle_once_more_if_disconnected(ctx, services, started, openid, delivery_key, msg_type, user_input, body, redis_ok, held)
    services = Services(ctx)
    with services.state_store.lock(openid):
        return _handle_once_more_if_disconnected(ctx, services, started, openid, delivery_key, msg_type, user_input, body, redis_ok, held)


def _handle_once_more_if_disconnected(ctx, services, started, openid, delivery_key, msg_type, user_input, body, redis_ok, held) -> Handled:
    """The turn, run again once if the database connection it got was dead (PostgreSQL
    restarted since it was pooled): nothing of the first attempt was committed, or, if its
    COMMIT was cut off after all, the second attempt finds the inbound row (``Duplicate``); the
    live state is then dropped, so that the next turn reads the draft the first one wrote."""
    user_input = _heard(services, user_input)
    attempts = []

    def attempt() -> Handled:
        attempts.append(1)
        try:
            return _handle_locked(ctx, services, started, openid, delivery_key, msg_type, user_input, body, redis_ok, held)
        except Duplicate:
            if len(attempts) > 1:
                services.state_store.forget(openid)
            raise

    return retry_on_disconnect(attempt, f"turn for {msg_type}")


def _handle_locked(ctx, services, started, openid, delivery_key, msg_type, user_input, body, redis_ok, held) -> Handled:
    now = ctx.clock()
    body_enc = ctx.cipher.encrypt(body)
    turn = Turn(openid=openid, input=user_input, now=now, sessions=ctx.Session, services=services)
    try:
        answer = split_long(route(turn), ctx.settings.max_reply_chars)
        late = time.monotonic() - started > ctx.settings.reply_budget_seconds
        wrote = turn.opened_db is not None and turn.opened_db.info.get("wrote")
        logged_later = redis_ok and not wrote and not late and len(answer.texts) <= 1
        if not logged_later:
            # this turn changed data: its message is recorded with it, and a second delivery
            # of the same message fails here on the unique key and rolls back everything
            try:
                inbound = record_inbound(turn.db, openid, delivery_key, msg_type, body_enc, now)
            except IntegrityError:
                raise Duplicate(delivery_key) from None
            _record_answer(turn, answer, inbound.id, late)
        if turn.opened_db is not None and turn.opened_db.in_transaction():
            turn.opened_db.commit()
    finally:
        turn.close()
    handled = Handled(answer)
    if logged_later:
        reply_enc = ctx.cipher.encrypt(answer.texts[0]) if answer.texts else None
        entry = message_log.encode({"openid": openid, "key": delivery_key, "type": msg_type, "body": body_enc, "reply": reply_enc, "at": now.isoformat()})
        if held is not None:
            handled = Handled(answer, entry, reply_enc)
        else:
            turn.after_commit.insert(0, lambda: message_log.push(ctx, entry) or log_directly(ctx, entry))
    for callback in turn.after_commit:
        callback()
    if late:
        log.warning("turn for %s took over the reply budget; answering by customer-service message", msg_type)
        return Handled(Answer())
    return handled


def window_type(msg_type: str, user_input: UserInput) -> str:
    """An event is kept as ``event:<name>``: a menu click opens WeChat's short window, a location
    report none (``policy.window``)."""
    if msg_type != "event":
        return msg_type
    return record_type(msg_type, "click" if user_input.kind is InputKind.MENU else user_input.text)


def _heard(services: Services, user_input: UserInput) -> UserInput:
    """A voice message without WeChat's recognition: what the speech-to-text engine heard,
    once, before routing, so every handler (menus, intents, staff words, dialogues) gets text."""
    if user_input.kind is InputKind.VOICE and not user_input.text.strip() and user_input.media_id:
        heard = services.speech_to_text(user_input.media_id)
        if heard:
            return UserInput.spoken(heard, user_input.media_id)
    return user_input


def log_directly(ctx: Context, entry: str) -> None:
    """Redis went away between the claim and now: write the log entry to the database."""
    with ctx.Session.begin() as db:
        insert_logged(db, [message_log.decode(entry)])


def _record_answer(turn: Turn, answer: Answer, inbound_id: int, late: bool) -> None:
    """The first text is the passive reply; the rest follow as customer-service messages."""
    for index, text in enumerate(answer.texts):
        if index == 0 and not late:
            record_outbound(
                turn.db, turn.openid, Channel.REPLY, turn.services.cipher.encrypt(text),
                kind="reply", status=OutboundStatus.SENT, inbound_id=inbound_id,
            )
            continue
        row = turn.services.messenger.queue_text(turn.db, turn.openid, text, kind="reply")
        turn.after_commit.append(lambda row_id=row.id: turn.services.enqueue_send(row_id))


def split_long(answer: Answer, limit: int) -> Answer:
    """Keep every text under WeChat's practical limit, splitting at line breaks."""
    parts: list[str] = []
    for text in answer.texts:
        parts.extend(_split(text, limit))
    if len(parts) > len(answer.texts):
        parts[0] = parts[0] + "\n" + menu.MORE_FOLLOWS if len(parts[0]) + 20 < limit else parts[0]
    return Answer(tuple(parts))


def _split(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    chunks, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                chunks.append(current.rstrip("\n"))
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            chunks.append(current.rstrip("\n"))
            current = ""
        current += line
    if current.strip():
        chunks.append(current.rstrip("\n"))
    return chunks
