"""WeChat delivery rules in Redis: one processing per message, same reply to retries.

WeChat retries an unanswered message three times, possibly while the first delivery
is still being handled on another web worker. ``open`` lets exactly one of them in;
the others get the stored reply, or ``RUNNING`` (answer ``success``) while it is running.
The database's unique (openid, delivery key) is the second line when Redis is down.

A turn costs two Redis round trips, each one script: ``open`` claims the delivery, takes
the user's lock (``conversations.state``) and reads the user's live state; ``close``
queues the message-log entry (``workers.message_log``), keeps the reply for retries and
releases the lock. When the lock is busy (two quick messages of one user), the turn waits
for it the ordinary way.

The reply kept for retries is encrypted with the data key: it may read back a phone
number, or echo whatever the user typed (an ID number), and Redis holds no personal data
in clear.

``open`` also spends the delivery's signed query: the query's (timestamp, nonce) is bound to
the first body it came with (its digest, kept while the timestamp can pass the window). The
same body again is WeChat's retry, answered as one; another body is a forgery (``REPLAYED``).
When Redis is unreachable the caller spends it in the database instead
(``models.spent_queries``), and refuses the delivery when it cannot spend it anywhere.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from enum import Enum

from redis import Redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError, RedisError

from conversations.state import EPOCH_KEY, LOCK_TIMEOUT, live_key, lock_key, note_unreachable, take_new_epoch
from db.crypto import DataCipher
from workers import message_log

log = logging.getLogger(__name__)

RUNNING = b"\x00running"
#: kept for a turn that answered nothing (WeChat gets ``success``)
SILENT = b"\x00silent"

# KEYS: delivery, user lock, live state, state epoch, spent query. ARGV: running marker, its ttl
# (s), lock token, lock ttl (ms), a new state epoch or '' (see conversations.state), the body's
# digest, how long a spent query is kept (s).
# Returns {3} (the signed query was spent on another body), {0, stored value} (another delivery
# has it), {1} (ours; the lock is busy), or {2, live state or false, epoch or false} (ours, locked).
_OPEN = """
if ARGV[5] ~= '' then redis.call('SET', KEYS[4], ARGV[5]) end
if not redis.call('SET', KEYS[5], ARGV[6], 'NX', 'EX', ARGV[7]) and redis.call('GET', KEYS[5]) ~= ARGV[6] then
    return {3}
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    return {0, redis.call('GET', KEYS[1])}
end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then
    return {1}
end
return {2, redis.call('GET', KEYS[3]), redis.call('GET', KEYS[4])}
"""

# KEYS: delivery, user lock, message log. ARGV: reply, its ttl (s), lock token, log entry.
_CLOSE = """
if ARGV[4] ~= '' then redis.call('LPUSH', KEYS[3], ARGV[4]) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
"""

# KEYS: delivery, user lock. ARGV: '1' to forget the claim (a retry may try again), lock token.
_RELEASE = """
if ARGV[1] == '1' then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
"""


# KEYS: spent query. ARGV: the body's digest, how long it is kept (s). 1: spent on this body.
_SPEND = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) or redis.call('GET', KEYS[1]) == ARGV[1] then
    return 1
end
return 0
"""


class ClaimState(str, Enum):
    REPLAYED = "replayed"  # its signed query came before with another body: a forgery
    NEW = "new"  # this delivery is the one to process
    RUNNING = "running"  # another delivery of the same message is being processed
    DONE = "done"  # already answered: ``reply`` holds the reply text ("" for ``success``)


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    openid: str = ""
    key: str = ""
    reply: str | None = None
    redis_ok: bool = True
    #: set when ``open`` also took the user's lock (release it with ``close``/``release``)
    lock_token: str = ""
    #: with the lock: the user's live state as read under it (None when Redis has none)
    live_state: bytes | None = None
    #: with the lock: the state epoch it was read in
    epoch: bytes | None = None

    @property
    def locked(self) -> bool:
        return bool(self.lock_token)


@dataclass(frozen=True)
class Spend:
    """A delivery's signed query and the body it came with."""

    key: str  # ``SignedQuery.spend_key``
    body_digest: str
    seconds: int  # how long it is remembered

    @classmethod
    def of(cls, key: str, body: bytes, seconds: int) -> "Spend":
        return cls(key, hashlib.sha256(body).hexdigest(), seconds)


@dataclass(frozen=True)
class DeliveryGuard:
    redis: Redis
    cipher: DataCipher
    running_ttl: int = 30
    reply_ttl: int = 600

    def __post_init__(self):
        for name, source in (("_open", _OPEN), ("_close", _CLOSE), ("_release", _RELEASE), ("_spend", _SPEND)):
            object.__setattr__(self, name, self.redis.register_script(source))

    def open(self, openid: str, key: str, spend: Spend) -> Claim:
        """Spend the signed query, claim this delivery; when it is ours, also take the user's lock
        and read the live state. With ``redis_ok`` False nothing was spent: the caller must."""
        token = secrets.token_hex(8)
        keys = (self._key(openid, key), lock_key(openid), live_key(openid), EPOCH_KEY, _spent_key(spend))
        args = (RUNNING, self.running_ttl, token, int(LOCK_TIMEOUT * 1000), take_new_epoch(), spend.body_digest, spend.seconds)
        try:
            found = self._eval(self._open, keys, args)
        except RedisError:
            note_unreachable()
            log.warning("delivery guard: Redis unavailable, falling back to the database")
            return Claim(ClaimState.NEW, openid, key, redis_ok=False)
        if found[0] == 3:
            return Claim(ClaimState.REPLAYED, openid, key)
        if found[0] == 2:
            return Claim(ClaimState.NEW, openid, key, lock_token=token, live_state=found[1], epoch=found[2])
        if found[0] == 1:
            return Claim(ClaimState.NEW, openid, key)
        return self._seen(openid, key, found[1])

    def _seen(self, openid: str, key: str, value: bytes | None) -> Claim:
        if value is None or value == RUNNING:  # (None cannot come from the atomic script; kept safe)
            return Claim(ClaimState.RUNNING, openid, key)
        if value == SILENT:
            return Claim(ClaimState.DONE, openid, key, reply="")
        try:
            return Claim(ClaimState.DONE, openid, key, reply=self.cipher.decrypt(value.decode()))
        except (ValueError, UnicodeDecodeError):  # not ours (another DATA_KEY): answered already
            return Claim(ClaimState.RUNNING, openid, key)

    def close(self, claim: Claim, reply: str, reply_enc: str | None = None, log_entry: str = "") -> bool:
        """Keep ``reply`` ("" for ``success``) for retries, queue ``log_entry``, release the lock.

        ``reply_enc``: the reply already encrypted (the log entry holds it), to save a second
        encryption. False when Redis failed: the caller then writes the log entry itself.
        """
        stored = SILENT if not reply else (reply_enc or self.cipher.encrypt(reply)).encode()
        keys = (self._key(claim.openid, claim.key), lock_key(claim.openid), message_log.KEY)
        try:
            self._eval(self._close, keys, (stored, self.reply_ttl, claim.lock_token, log_entry))
            return True
        except RedisError:
            log.warning("delivery guard: could not store reply")
            return False

    def release(self, claim: Claim, *, forget: bool) -> None:
        """Release the user's lock; ``forget`` the claim too when processing failed, so that
        WeChat's retry can try again."""
        if not (forget or claim.locked):
            return
        try:
            self._release(keys=(self._key(claim.openid, claim.key), lock_key(claim.openid)), args=("1" if forget else "0", claim.lock_token))
        except RedisError:
            pass

    def _eval(self, script: Script, keys: tuple, args: tuple):
        """Run ``script`` on a pooled connection: EVALSHA sent and read directly, without
        redis-py's per-command layers (retries, metrics), which were ~5 % of a turn's CPU.
        Callers fall back on any RedisError anyway. NOSCRIPT (a restarted or flushed Redis)
        goes through the library's own call, which loads the script."""
        pool = self.redis.connection_pool
        conn = pool.get_connection()
        try:
            conn.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
            return conn.read_response()
        except NoScriptError:
            return script(keys=keys, args=args)
        except BaseException:
            conn.disconnect()  # never hand a half-read connection back to the pool
            raise
        finally:
            pool.release(conn)

    def spend(self, spend: Spend) -> bool | None:
        """Spend a signed query outside a delivery (the console's URL check): True when it is
        spent on this body, False when on another, None when Redis is unreachable."""
        try:
            return self._spend(keys=(_spent_key(spend),), args=(spend.body_digest, spend.seconds)) == 1
        except RedisError:
            return None

    @staticmethod
    def _key(openid: str, key: str) -> str:
        return f"jzt:d:{openid}:{key}"


def _spent_key(spend: Spend) -> str:
    return f"jzt:q:{spend.key}"
