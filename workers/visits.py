"""Visit jobs: the daily schedule scan, reminders and digests, and urgent visits.

``visit_day()`` runs once a day (early morning): creates the due visits (one INSERT … SELECT),
sends the reminders (each flagged on its visit, so once), and on working days the village
secretaries' digests. ``schedule_urgent`` is for the chat side after an emergency report.
"""

from __future__ import annotations

from models.calendar import local
from models.visits.schedule import UrgentVisit, daily_digests, schedule_due_visits, schedule_urgent_visit, visit_reminders
from core.context import Context, current
from core.guarded import rq_job
from workers.notify import record_notices, send
from workers.rules import rules


@rq_job
def visit_day() -> dict[str, int]:
    ctx = current()
    now = ctx.clock()
    today = local(now).date()
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        created = schedule_due_visits(db, now, thresholds)
    with ctx.Session.begin() as db:
        notices = visit_reminders(db, today, calendar, thresholds)
        if calendar.is_workday(today):
            notices += daily_digests(db, now, thresholds)
        outbound = record_notices(ctx, db, notices)
    send(ctx, outbound)
    return {"created": created, "notices": len(outbound)}


def schedule_urgent(ctx: Context, member_id: int) -> UrgentVisit:
    """An urgent visit in its own transaction, its notices sent after commit."""
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        visit = schedule_urgent_visit(db, member_id, ctx.clock(), calendar, thresholds)
        outbound = record_notices(ctx, db, visit.notices)
    send(ctx, outbound)
    return visit
