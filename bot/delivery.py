"""WeChat delivery rules in Redis: one processing per message, same reply to retries.

WeChat retries an unanswered message three times, possibly while the first delivery
is still being handled on another web worker. ``claim`` lets exactly one of them in;
the others get the stored reply, or ``None`` (answer ``success``) while it is running.
The database's unique (openid, delivery key) is the second line when Redis is down.

The reply kept for retries is encrypted with the data key: it may read back a phone
number, or echo whatever the user typed (an ID number), and Redis holds no personal data
in clear.

Plain mode signs only the query, so a captured query could be replayed with another
body: ``check_replay`` remembers the body digest per signed query for the window.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from enum import Enum

from redis import Redis
from redis.exceptions import RedisError

from models.crypto import DataCipher

log = logging.getLogger(__name__)

RUNNING = b"\x00running"


class ClaimState(str, Enum):
    NEW = "new"  # this delivery is the one to process
    RUNNING = "running"  # another delivery of the same message is being processed
    DONE = "done"  # already answered: ``reply`` holds the clear reply XML


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    reply: str | None = None
    redis_ok: bool = True


@dataclass(frozen=True)
class DeliveryGuard:
    redis: Redis
    cipher: DataCipher
    running_ttl: int = 30
    reply_ttl: int = 600
    replay_ttl: int = 600

    def claim(self, openid: str, key: str) -> Claim:
        name = self._key(openid, key)
        try:
            if self.redis.set(name, RUNNING, nx=True, ex=self.running_ttl):
                return Claim(ClaimState.NEW)
            value = self.redis.get(name)
        except RedisError:
            log.warning("delivery guard: Redis unavailable, falling back to the database")
            return Claim(ClaimState.NEW, redis_ok=False)
        if value is None:  # expired between SET and GET: treat as ours
            return self.claim(openid, key)
        if value == RUNNING:
            return Claim(ClaimState.RUNNING)
        try:
            return Claim(ClaimState.DONE, self.cipher.decrypt(value.decode()))
        except (ValueError, UnicodeDecodeError):  # not ours (another DATA_KEY): answered already
            return Claim(ClaimState.RUNNING)

    def remember(self, openid: str, key: str, reply_xml: str) -> None:
        try:
            self.redis.set(self._key(openid, key), self.cipher.encrypt(reply_xml).encode(), ex=self.reply_ttl)
        except RedisError:
            log.warning("delivery guard: could not store reply")

    def release(self, openid: str, key: str) -> None:
        """Forget a claim whose processing failed, so WeChat's retry can try again."""
        try:
            self.redis.delete(self._key(openid, key))
        except RedisError:
            pass

    def check_replay(self, replay_key: str, body: bytes) -> bool:
        """True when this signed query has been seen with another body (a replay)."""
        digest = hashlib.sha256(body).hexdigest()
        name = f"jzt:q:{hashlib.sha256(replay_key.encode()).hexdigest()}"
        try:
            if self.redis.set(name, digest, nx=True, ex=self.replay_ttl):
                return False
            seen = self.redis.get(name)
        except RedisError:
            return False
        return seen is not None and seen.decode() != digest

    @staticmethod
    def _key(openid: str, key: str) -> str:
        return f"jzt:d:{openid}:{key}"
