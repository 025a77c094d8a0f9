"""The clocks job: deadline warnings and escalations, every 15 minutes.

Referrals, leads and applications (half time → secretary, deadline → town, then county), escalated requests
the A post has not taken up (→ B post), and the weekly reminder to the county while next year's
holidays are missing. Every alert is claimed in the database with its notice: a second run, or
two runs at once, send nothing twice.
"""

from __future__ import annotations

from models.deadlines import application_alerts, calendar_reminder, deadline_alerts, escalation_followups
from core.context import current
from core.guarded import rq_job
from workers.notify import record_notices, send
from workers.rules import rules


@rq_job
def run_clocks() -> int:
    ctx = current()
    now = ctx.clock()
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        notices = deadline_alerts(db, now, calendar, thresholds) + escalation_followups(db, now, calendar, thresholds) + calendar_reminder(db, now, calendar)
        notices += application_alerts(db, now, calendar, thresholds)
        outbound = record_notices(ctx, db, notices)
    send(ctx, outbound)
    return len(outbound)
