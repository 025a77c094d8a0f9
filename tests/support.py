"""Test helpers: a chat driven through /wechat, a fake clock, and real RQ workers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from rq.registry import ScheduledJobRegistry

from bot.simclient import Delivery, WeChatServer, acted
from models.messages import outbound_for
from core import context as worker_context
from core.guarded import Job, Worker
from workers.timers import sweep_timers


class TestJob(Job):
    """Production's job class, also running the test-only jobs of ``tests.workers``."""

    packages = (*Job.packages, "tests.workers.")


class TestWorker(Worker):
    job_class = TestJob


def drain(ctx) -> None:
    """Run every queued job with RQ's own worker, as production would (burst mode)."""
    TestWorker(list(ctx.queues.values()), connection=ctx.redis).work(burst=True)


def fire_due_timers(ctx, now: dt.datetime) -> int:
    """Move scheduled jobs due at ``now`` (fake time) to their queues, as RQ's scheduler would,
    and run the idle dialogues' sweep as ``rq cron`` would (it reads the context's clock)."""
    moved = sweep_timers()
    for queue in ctx.queues.values():
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_jobs_to_schedule(int(now.timestamp())):
            job = queue.fetch_job(job_id)
            registry.remove(job_id)
            if job is not None:
                queue.enqueue_job(job)
                moved += 1
    return moved


class FakeClock:
    def __init__(self, start: dt.datetime | None = None):
        self.now = start or dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def install_clock(app, clock: FakeClock):
    ctx = dataclasses.replace(app.extensions["jzt.context"], clock=clock)
    app.extensions["jzt.context"] = ctx
    worker_context.install(ctx)
    return ctx


_WAIT = re.compile(r"^(\d+)\s*(d|h|m)$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class Chat:
    """A script harness: what the user says, what the bot answers (through /wechat)."""

    def __init__(self, client, server: WeChatServer, app, clock: FakeClock | None = None):
        self.client, self.server, self.app, self.clock = client, server, app, clock

    @property
    def ctx(self):
        return self.app.extensions["jzt.context"]

    def post(self, delivery: Delivery):
        acted(self.ctx, delivery, self.clock() if self.clock else None)
        return self.client.post(delivery.url, data=delivery.body, content_type="text/xml")

    def reply_of(self, response) -> str:
        assert response.status_code == 200, response.data
        data = self.server.read_reply(response.data)
        return "" if data is None else data["Content"]

    def say(self, openid: str, text: str) -> str:
        return self.reply_of(self.post(self.server.text(openid, text)))

    def speak(self, openid: str, recognition: str) -> str:
        return self.reply_of(self.post(self.server.voice(openid, recognition)))

    def send(self, openid: str, delivery: Delivery) -> str:
        return self.reply_of(self.post(delivery))

    def wait(self, **delta) -> None:
        """Let fake time pass, then run the timers and jobs that came due."""
        self.clock.advance(**delta)
        drain(self.ctx)
        while fire_due_timers(self.ctx, self.clock.now):  # a timer may set the next one
            drain(self.ctx)

    def inbox(self, openid: str) -> list[str]:
        with self.ctx.Session() as db:
            return [self.ctx.cipher.decrypt(r.body_enc) for r in outbound_for(db, openid)]

    def run(self, openid: str, script: str) -> list[str]:
        """Play a script. Lines: ``> text`` (typed), ``🎤 text`` (voice), ``< expected``
        (a substring of the last reply; several may follow one message), ``<! text``
        (must NOT be in the last reply), ``~ 3d`` / ``~ 2h`` / ``~ 30m`` (wait).
        Returns every reply, for further checks."""
        replies: list[str] = []
        last = None
        for number, raw in enumerate(script.strip().splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            mark, _, rest = line.partition(" ")
            if mark == ">":
                last = self.say(openid, rest)
                replies.append(last)
            elif mark == "🎤":
                last = self.speak(openid, rest)
                replies.append(last)
            elif mark == "<":
                assert last is not None, f"line {number}: nothing said yet"
                assert rest in last, f"line {number}: expected {rest!r} in reply:\n{last}"
            elif mark == "<!":
                assert rest not in last, f"line {number}: did not expect {rest!r} in reply:\n{last}"
            elif mark == "~":
                amount, unit = _WAIT.match(rest).groups()
                self.wait(**{_UNITS[unit]: int(amount)})
            else:
                raise AssertionError(f"line {number}: unknown script mark {mark!r}")
        return replies
