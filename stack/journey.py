"""Simulated residents running the 求助 journey through a real ``/wechat``, and the count of
what became of their requests. Used by ``make bench-load`` and by the fault tests.

- ``seed_residents``: the demo county, plus households, members, consents and bindings for
  generated residents (and providers enough to take their errands).
- ``drive``: each resident says the journey's seven messages in order, as signed, encrypted
  deliveries over HTTP, and behaves like WeChat and a patient user: a delivery without an
  answer within ``wechat_timeout`` is retried (up to 3 times, as WeChat does), and a reply
  saying the message was not saved makes the user send it again a moment later.
  ``copies=4`` posts every delivery 4 times at once (WeChat's 3 retries, all concurrent).
- ``tally``: for those residents, requests acknowledged (the user saw the ``FW…`` number),
  in the database, and dispatched (offered or escalated), and anything doubled.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, select

from bot import demo
from bot.simclient import Delivery, WeChatServer
from conversations import menu
from models.audit import AuditEntry
from models.catalogue.catalogue import ServiceItem
from models.households.households import Household, new_member
from models import notices as notice_texts
from models.messages import InboundMessage, OutboundMessage
from models.catalogue.providers import Provider
from models.areas import Village
from models.requests.requests import Offer, ServiceRequest
from models.households.residents import bind, set_consent

#: (what the resident says, what the reply must contain)
JOURNEY: tuple[tuple[str, str], ...] = (
    ("求助", "需要哪一类帮助"),
    ("1", "请选择具体服务"),
    ("帮办代办", "需要什么帮助"),
    ("帮我买药", "哪天上门"),
    ("明天", "上门地址"),
    ("对", "请核对"),
    ("是", "已收到您的申请"),
)
NUMBER = re.compile(r"FW\d{8}-\d+")
ACKNOWLEDGED = JOURNEY[-1][1]
OFFER_NOTICE = notice_texts.OFFER.split("{")[0]  # "【新派单】服务单 "
LIVE_OFFERS = ("open", "accepted")
NOT_SAVED = menu.SYSTEM_ERROR[:12]
#: WeChat retries a delivery it got no answer for this many times
WECHAT_RETRIES = 3
DISPATCHED = ("offered", "escalated")
#: generated residents are born one a day from this day on (their ID numbers differ by it)
BORN = dt.date(1940, 1, 1)


# -- seeding ---------------------------------------------------------------------------


def seed_residents(ctx, count: int, prefix: str, start: int = 0, provider_capacity: int = 60) -> list[str]:
    """Bind ``count`` residents (openids ``<prefix><n>``) to new members of the demo county's
    villages, each able to ask for 帮办代办; add providers so that most requests are offered."""
    from conversations.parsers import id_check_char

    openids = []
    with ctx.Session.begin() as db:
        demo.seed(db, ctx.cipher)
        villages = list(db.scalars(select(Village).order_by(Village.id)))
        errand = db.get(ServiceItem, "errand")
        for k in range(math.ceil(count / max(1, provider_capacity - 10))):
            db.add(Provider(name=f"{prefix}家政{start + k:04d}", item_rows=[errand], villages=villages, daily_capacity=provider_capacity,
                            openid=f"{prefix}provider_{start + k}", contact_name="负责人"))
        now = ctx.clock()
        for n in range(start, start + count):
            village = villages[n % len(villages)]
            household = Household(village=village, roster_no=f"{prefix}{n:06d}", head_name=f"居民{n}", address_enc=ctx.cipher.encrypt(f"{village.name}{n}号"))
            db.add(household)
            stem = f"342425{BORN + dt.timedelta(days=n):%Y%m%d}9{n % 100:02d}"  # one birthday each: unique
            member = new_member(db, ctx.cipher, household, name=f"居民{n}", id_number=stem + id_check_char(stem), groups=["minimum_living"], self_care="semi_dependent")
            db.flush()
            openid = f"{prefix}{n:06d}"
            set_consent(db, openid, True, now)
            bind(db, openid, member, "本人")
            openids.append(openid)
    return openids


# -- HTTP ------------------------------------------------------------------------------


class NoAnswer(Exception):
    """No HTTP answer within the timeout, or the connection failed."""


def post(port: int, delivery: Delivery, timeout: float) -> tuple[int, bytes, float]:
    """One POST on a fresh connection (``Connection: close``): (status, body, seconds)."""
    path = delivery.url
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(delivery.body)}\r\nConnection: close\r\n\r\n").encode()
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(head + delivery.body)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if time.perf_counter() - started > timeout:
                    raise socket.timeout()
    except OSError as exc:
        raise NoAnswer(type(exc).__name__) from None
    elapsed = time.perf_counter() - started
    data = b"".join(chunks)
    status_line, _, rest = data.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise NoAnswer("not HTTP")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(parts[1]), body, elapsed


# -- residents -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one resident saw."""

    openid: str
    number: str | None = None  # the FW… number the user was told
    steps: int = 0  # steps answered as expected
    derailed: str | None = None  # a reply that did not fit the script
    unseen: int = 0  # deliveries answered with ``success`` (reply later, or a duplicate)
    resent: int = 0  # messages the user sent again after 没有保存 or no answer at all
    gave_up: int = 0  # deliveries WeChat gave up on (no answer after its retries)
    late: int = 0  # replies received later, by customer-service message
    sent: int = 0  # messages sent (each a new MsgId; WeChat's retries of one are not counted)


@dataclass
class Stats:
    """Every HTTP POST of a run."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    no_answer: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, status: int | None, seconds: float | None) -> None:
        with self.lock:
            if status is None:
                self.no_answer += 1
            else:
                self.statuses[status] += 1
                self.latencies.append(seconds)

    def merge(self, other: "Stats") -> None:
        self.latencies.extend(other.latencies)
        self.statuses.update(other.statuses)
        self.no_answer += other.no_answer

    def __getstate__(self):
        return {"latencies": self.latencies, "statuses": self.statuses, "no_answer": self.no_answer}

    def __setstate__(self, state):
        self.__dict__.update(state, lock=threading.Lock())


@dataclass
class Driver:
    """Residents talking to the webhook on ``port`` the way WeChat and their own patience allow."""

    port: int
    wechat: WeChatServer
    wechat_timeout: float = 5.0
    copies: int = 1
    resend_limit: int = 8
    resend_pause: float = 0.25  # doubled after each failure, at most 4 s: about 15 s of patience
    script: tuple[tuple[str, str], ...] = JOURNEY
    stats: Stats = field(default_factory=Stats)
    #: the replies sent to a user later, by customer-service message (``late_replies``): with it,
    #: a user answered ``success`` waits for the reply before saying the next thing, as people do
    inbox: Callable[[str], list[str]] | None = None
    late_wait: float = 30.0

    def run(self, openids: list[str], concurrency: int) -> list[Outcome]:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(self.journey, openids))

    def journey(self, openid: str) -> Outcome:
        outcome = Outcome(openid)
        for text, expected in self.script:
            content = self.say(openid, text, outcome)
            late = content is None
            if late:  # answered ``success``: handled, the reply follows later
                content = self.later(openid, outcome)
            if content is None:
                outcome.steps += 1
                continue
            if expected not in content:
                outcome.derailed = f"{text!r} → {content[:120]!r}"
                return outcome
            outcome.steps += 1
            found = NUMBER.search(content)
            if found and text == self.script[-1][0] and not late:  # (a later ack is counted by ``tally``)
                outcome.number = found.group()
        return outcome

    def later(self, openid: str, outcome: Outcome) -> str | None:
        """The reply that follows by customer-service message, once it is there (or None)."""
        if self.inbox is None:
            return None
        stop = time.monotonic() + self.late_wait
        while time.monotonic() < stop:
            texts = self.inbox(openid)
            if len(texts) > outcome.late:
                fresh, outcome.late = texts[outcome.late:], len(texts)
                return "\n".join(fresh)
            time.sleep(0.2)
        return None

    def say(self, openid: str, text: str, outcome: Outcome) -> str | None:
        """The reply's text, ``None`` for ``success``; sends the message again (a new MsgId)
        after 没有保存 or when WeChat gave up on it."""
        for attempt in range(self.resend_limit):
            if attempt:
                outcome.resent += 1
                time.sleep(min(4.0, self.resend_pause * 2 ** (attempt - 1)))
            outcome.sent += 1
            answer = self.deliver(self.wechat.text(openid, text), outcome)
            if answer is _GAVE_UP:
                outcome.gave_up += 1
                continue
            if answer is None:
                outcome.unseen += 1
                return None
            if NOT_SAVED in answer:
                continue
            return answer
        return answer if isinstance(answer, str) else "(no answer from the webhook)"

    def deliver(self, delivery: Delivery, outcome: Outcome):
        """What WeChat shows for one delivery: the reply text, None (``success``) or _GAVE_UP."""
        if self.copies > 1:
            return self._deliver_concurrently(delivery)
        for _ in range(1 + WECHAT_RETRIES):
            answer = self._post(delivery)
            if answer is not _GAVE_UP:
                return answer
        return _GAVE_UP

    def _deliver_concurrently(self, delivery: Delivery):
        barrier = threading.Barrier(self.copies)

        def one():
            barrier.wait()
            return self._post(delivery)

        threads = ThreadPoolExecutor(max_workers=self.copies)
        try:
            answers = list(threads.map(lambda _: one(), range(self.copies)))
        finally:
            threads.shutdown()
        texts = [a for a in answers if isinstance(a, str)]
        if texts:
            return texts[0]
        return None if None in answers else _GAVE_UP

    def _post(self, delivery: Delivery):
        try:
            status, body, seconds = post(self.port, delivery, self.wechat_timeout)
        except NoAnswer:
            self.stats.add(None, None)
            return _GAVE_UP
        self.stats.add(status, seconds)
        if status != 200:
            return _GAVE_UP
        reply = self.wechat.read_reply(body)
        return None if reply is None else reply["Content"]


_GAVE_UP = object()


# -- counting --------------------------------------------------------------------------


@dataclass
class Tally:
    """What became of the requests of some residents. ``problems`` lists what is lost or doubled."""

    residents: int
    acknowledged: int  # told the number: in the passive reply, or later by customer-service message
    acknowledged_later: int  # of which by customer-service message (the turn overran WeChat's 5 s)
    in_database: int
    dispatched: int
    received: int
    offers: int
    doubled_requests: int
    doubled_offers: int
    doubled_dispatch_entries: int
    doubled_notices: int
    unknown_numbers: list[str]
    not_dispatched: list[str]

    @property
    def problems(self) -> list[str]:
        found = []
        if self.unknown_numbers:
            found.append(f"acknowledged but not in the database: {self.unknown_numbers[:5]}")
        if self.not_dispatched:
            found.append(f"in the database but not dispatched: {self.not_dispatched[:5]}")
        for name in ("doubled_requests", "doubled_offers", "doubled_dispatch_entries", "doubled_notices"):
            if getattr(self, name):
                found.append(f"{name}: {getattr(self, name)}")
        return found

    def line(self) -> str:
        later = f" ({self.acknowledged_later} by a later message)" if self.acknowledged_later else ""
        return (f"{self.residents} residents: {self.acknowledged} acknowledged{later}, {self.in_database} in the database, "
                f"{self.dispatched} dispatched ({self.offers} offers), "
                f"doubled: {self.doubled_requests} requests / {self.doubled_offers} offers / {self.doubled_dispatch_entries} dispatch entries / {self.doubled_notices} notices")


def tally(ctx, outcomes: list[Outcome], notices: bool = True) -> Tally:
    """Count what became of these residents' requests. Doubles are measured against the offers
    actually made: a request offered twice (its first offer expired) has two offers, two
    ``offered`` entries and two offer notices, and none of them is a double; two live offers,
    or an entry or a notice without its offer, are."""
    openids = [o.openid for o in outcomes]
    passive = {o.number for o in outcomes if o.number}
    with ctx.Session() as db:
        later = set()
        for body in db.scalars(select(OutboundMessage.body_enc).where(
                OutboundMessage.openid.in_(openids), OutboundMessage.channel != "reply", OutboundMessage.kind == "reply")):
            clear = ctx.cipher.decrypt(body)
            if ACKNOWLEDGED in clear:
                later.update(NUMBER.findall(clear))
        rows = db.execute(select(ServiceRequest.id, ServiceRequest.number, ServiceRequest.requested_by, ServiceRequest.status)
                          .where(ServiceRequest.requested_by.in_(openids))).all()
        ids = [r.id for r in rows]
        offers = db.execute(select(Offer.request_id, Offer.status).where(Offer.request_id.in_(ids))).all() if ids else []
        entries = Counter(db.execute(select(AuditEntry.subject_id, AuditEntry.action).where(
            AuditEntry.subject == "request", AuditEntry.subject_id.in_(ids), AuditEntry.action.in_(DISPATCHED))).all()) if ids else Counter()
        offer_notices = Counter()
        if notices and ids:
            for openid, body in db.execute(select(OutboundMessage.openid, OutboundMessage.body_enc).where(OutboundMessage.kind == "dispatch")):
                clear = ctx.cipher.decrypt(body)
                if clear.startswith(OFFER_NOTICE):
                    offer_notices.update((number, openid) for number in set(NUMBER.findall(clear)))
    made = Counter(r for r, _ in offers)
    live = Counter(r for r, status in offers if status in LIVE_OFFERS)
    acked = passive | later
    numbers = {r.number for r in rows}
    by_number = {r.number: r.id for r in rows}
    per_resident = Counter(r.requested_by for r in rows)
    dispatched = {r.id for r in rows if r.status in DISPATCHED or made.get(r.id)}
    return Tally(
        residents=len(openids),
        acknowledged=len(acked),
        acknowledged_later=len(later - passive),
        in_database=len(rows),
        dispatched=len(dispatched),
        received=sum(r.status == "received" for r in rows),
        offers=len(offers),
        doubled_requests=sum(n - 1 for n in per_resident.values() if n > 1),
        doubled_offers=sum(n - 1 for n in live.values() if n > 1),
        doubled_dispatch_entries=sum(max(0, entries[(r.id, "offered")] - made[r.id]) + max(0, entries[(r.id, "escalated")] - 1) for r in rows),
        doubled_notices=sum(max(0, n - made[by_number[number]]) for (number, _), n in offer_notices.items() if number in by_number),
        unknown_numbers=sorted(acked - numbers),
        not_dispatched=sorted(r.number for r in rows if r.id not in dispatched),
    )


def late_replies(ctx, openid: str) -> list[str]:
    """Replies sent to ``openid`` after the fact (the turn overran WeChat's 5 s), oldest first."""
    with ctx.Session() as db:
        rows = db.scalars(select(OutboundMessage.body_enc).where(
            OutboundMessage.openid == openid, OutboundMessage.kind == "reply", OutboundMessage.channel != "reply").order_by(OutboundMessage.id)).all()
    return [ctx.cipher.decrypt(body) for body in rows]


def waiting_for_dispatch(ctx, openids: list[str]) -> int:
    """Requests of these residents still waiting for an offer (status ``received``)."""
    with ctx.Session() as db:
        return db.scalar(select(func.count()).select_from(ServiceRequest).where(
            ServiceRequest.requested_by.in_(openids), ServiceRequest.status == "received")) or 0


def inbound_count(ctx, openids: list[str]) -> int:
    with ctx.Session() as db:
        return db.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.openid.in_(openids))) or 0
