"""The periodic table: what ``rq cron`` registers and what the embedded worker's loop runs."""

from __future__ import annotations

import datetime as dt
import inspect

from rq.cron import CronScheduler

from models.calendar import COUNTY_TZ
from workers.periodic import PERIODIC, Schedule


def test_rq_cron_registers_every_periodic_function(ctx):
    scheduler = CronScheduler(connection=ctx.redis)
    scheduler.load_config_from_file("workers/cron.py")
    jobs = {job.name: job for job in scheduler.get_jobs()}
    assert set(jobs) == {entry.name for entry in PERIODIC} >= {"sweep", "expire_offers_job", "run_clocks", "visit_day"}
    assert (jobs["sweep"].interval, jobs["expire_offers_job"].interval, jobs["run_clocks"].interval) == (60, 300, 900)
    assert jobs["visit_day"].cron == "30 7 * * *" and jobs["visit_day"].queue_name == "low"


def test_the_embedded_loop_runs_each_at_its_interval_and_the_daily_one_once_a_day():
    mine = tuple(p for p in PERIODIC if p.name in {"sweep", "expire_offers_job", "run_clocks", "visit_day"})
    schedule = Schedule(mine)
    morning = dt.datetime(2025, 10, 9, 7, 0, tzinfo=COUNTY_TZ)

    assert [p.name for p in schedule.due(0.0, morning)] == ["sweep", "expire_offers_job", "run_clocks"]
    assert schedule.due(30.0, morning) == []
    assert [p.name for p in schedule.due(60.0, morning)] == ["sweep"]
    assert [p.name for p in schedule.due(61.0, morning.replace(hour=7, minute=30))] == ["visit_day"]
    assert schedule.due(62.0, morning.replace(hour=18)) == []
    assert [p.name for p in schedule.due(62.0, morning + dt.timedelta(days=1, minutes=31))] == ["visit_day"]


def test_every_periodic_function_is_a_plain_importable_function_called_without_arguments():
    for entry in PERIODIC:
        parameters = inspect.signature(entry.func).parameters.values()
        assert entry.func.__module__.startswith("workers.") and all(p.default is not p.empty for p in parameters)
