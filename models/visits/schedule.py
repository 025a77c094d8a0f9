"""The visit schedule (探访) as set-based SQL: due visits, reminders, escalations, digests.

``schedule_due_visits`` gives every assisted person (a member with a target group) who has no
open routine visit the next one, due as ``policy.visits.next_visit_due`` says: a whole
number of months (by the strictest group) after the last done visit (any kind), or after
registration; it is created once it falls due within ``visit_schedule_days`` (a month ahead),
so a volunteer's list shows the coming month. One INSERT … SELECT over a GROUP BY of done
visits, whatever the county's size.

The visit goes to the volunteer who did the member's last visit, if still active; otherwise to
one of the village's active volunteers (by member id, round robin); with no volunteer in the
village it stays unassigned and shows in the secretary's digest.

Reminders flip a flag on the visit in the same UPDATE that selects it (``reminded_before``,
``reminded_overdue``, ``escalated``), so each goes out once however often the job runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, func, literal, select, update
from sqlalchemy.orm import Session

from models import notices as texts
from models.alerts import claim
from models.areas import Village
from models.audit import Channel, record
from models.calendar import as_utc, local
from models.households.households import Household, Member, mask_name
from models.leads import Lead, LeadStatus
from models.notices import Facts, Notice, NoticeKind, to_all
from policy.groups import TargetGroup
from policy.thresholds import Thresholds
from policy.visits import escalation_cutoff, schedule_horizon, urgent_visit_due, visit_interval_months
from policy.workdays import WorkCalendar
from models.requests.requests import Referral
from db.sql import add_months, insert_ignoring_conflicts, local_date
from models.staff.staff import Role, Staff, village_staff
from models.visits.visits import Visit, VisitKind, VisitStatus

OPEN = (VisitStatus.DUE.value, VisitStatus.ACCEPTED.value, VisitStatus.CHECKED_IN.value)
NOT_STARTED = (VisitStatus.DUE.value, VisitStatus.ACCEPTED.value)
MAX_LINES = 10
"""Visits listed one by one in a reminder; the rest are counted."""


# -- creating due visits ------------------------------------------------------------------------


def schedule_due_visits(db: Session, now: dt.datetime, thresholds: Thresholds) -> int:
    """Insert the next routine visit of every assisted person without an open one that falls due
    within the schedule horizon; returns how many."""
    months = _interval_by_groups(db, thresholds)
    if not months:
        return 0
    groups_text = cast(Member.groups, String)
    last = _snapshot(
        select(Visit.member_id, func.max(local_date(Visit.completed_at)).label("done"))
        .where(Visit.status == VisitStatus.DONE.value)
        .group_by(Visit.member_id),
        "last_done",
    )
    base = case((last.c.done > Member.registered_on, last.c.done), else_=Member.registered_on)
    scheduled = _snapshot(select(Visit.member_id).where(Visit.kind == VisitKind.ROUTINE.value, Visit.status.in_(OPEN)), "scheduled")
    open_routine = select(scheduled.c.member_id).where(scheduled.c.member_id == Member.id).exists()
    staff_id, source = _with_volunteer(select(Member).join(Household, Household.id == Member.household_id).outerjoin(last, last.c.member_id == Member.id))
    due = add_months(base, case(months, value=groups_text))
    visit = Visit.__table__.c
    rows = source.with_only_columns(
        Member.id, Household.village_id, staff_id, literal(VisitKind.ROUTINE.value), due,
        literal(VisitStatus.DUE.value), literal(False), literal([], visit.photos.type), literal(False), literal(False), literal(False), literal(now, visit.created_at.type),
        maintain_column_froms=True,
    ).where(groups_text.in_(list(months)), ~open_routine, due <= schedule_horizon(local(now).date(), thresholds))
    columns = ["member_id", "village_id", "staff_id", "kind", "due_date", "status", "far", "photos", "reminded_before", "reminded_overdue", "escalated", "created_at"]
    stmt = insert_ignoring_conflicts(db, Visit.__table__).from_select(columns, rows).returning(Visit.__table__.c.id)
    return len(db.execute(stmt).all())  # RETURNING: SQLite reports no rowcount for WITH … INSERT


def _snapshot(query, name: str):
    """The visits read once, before the INSERT adds to the table (a materialised CTE): a plan
    made while the table looked empty must not rescan the rows being inserted for every member."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _interval_by_groups(db: Session, thresholds: Thresholds) -> dict[str, int]:
    """Months between visits for each distinct stored group list (the rule stays in policy)."""
    months = {}
    for text in db.scalars(select(cast(Member.groups, String)).distinct()):
        groups = _groups(text)
        if groups:
            months[text] = visit_interval_months(groups, thresholds)
    return months


def _groups(text: str | None) -> frozenset[TargetGroup]:
    try:
        return frozenset(TargetGroup(g) for g in json.loads(text or "[]"))
    except (ValueError, TypeError):
        return frozenset()


def _with_volunteer(query):
    """Add to a query over members (joined to households) the volunteer a visit goes to: the
    member's last visitor if still an active volunteer, else one of the village's active
    volunteers by member id modulo their number. Joins, so one pass however many members."""
    done = Visit.status == VisitStatus.DONE.value
    active_volunteer = and_(Staff.active.is_(True), Staff.role == Role.VOLUNTEER.value)
    order = (Visit.completed_at.desc(), Visit.id.desc())
    last_visitor = _snapshot(
        select(Visit.member_id, Visit.staff_id, func.row_number().over(partition_by=Visit.member_id, order_by=order).label("rn"))
        .join(Staff, and_(Staff.id == Visit.staff_id, active_volunteer))
        .where(done),
        "last_visitor",
    )
    volunteers = (
        select(
            Staff.id,
            Staff.village_id,
            (func.row_number().over(partition_by=Staff.village_id, order_by=Staff.id) - 1).label("k"),
            func.count().over(partition_by=Staff.village_id).label("n"),
        )
        .where(active_volunteer, Staff.village_id.is_not(None))
        .subquery("volunteers")
    )
    query = query.outerjoin(last_visitor, and_(last_visitor.c.member_id == Member.id, last_visitor.c.rn == 1)).outerjoin(
        volunteers, and_(volunteers.c.village_id == Household.village_id, volunteers.c.k == Member.id % volunteers.c.n)
    )
    return func.coalesce(last_visitor.c.staff_id, volunteers.c.id), query


# -- urgent visits --------------------------------------------------------------------------


@dataclass(frozen=True)
class UrgentVisit:
    visit_id: int
    due: dt.datetime
    created: bool
    notices: tuple[Notice, ...] = ()


def schedule_urgent_visit(db: Session, member_id: int, now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds) -> UrgentVisit:
    """A visit within ``urgent_visit_workdays`` (1) working day after an emergency; tells the
    volunteer and the village secretary. A second report the same day finds the same visit."""
    due = as_utc(urgent_visit_due(local(now), calendar, thresholds))
    member, village_id = db.execute(select(Member, Household.village_id).join(Household).where(Member.id == member_id)).one()
    staff_id, query = _with_volunteer(select(Member).join(Household, Household.id == Member.household_id))
    staff_id = db.scalar(query.with_only_columns(staff_id, maintain_column_froms=True).where(Member.id == member_id))
    values = dict(member_id=member_id, village_id=village_id, staff_id=staff_id, kind=VisitKind.URGENT.value, due_date=local(due).date(), status=VisitStatus.DUE.value, photos=[], created_at=now)
    stmt = insert_ignoring_conflicts(db, Visit.__table__).values(**values)
    created = db.execute(stmt.execution_options(preserve_rowcount=True)).rowcount == 1
    visit_id = db.scalar(select(Visit.id).where(Visit.member_id == member_id, Visit.kind == VisitKind.URGENT.value, Visit.due_date == values["due_date"]))
    if not created:
        return UrgentVisit(visit_id, due, False)
    record(db, "visit", visit_id, "urgent_scheduled", "system", Channel.WORKER, at=now, member_id=member_id, due=due.isoformat())
    village = db.get(Village, village_id)
    text = texts.VISIT_URGENT.format(who=mask_name(member.name), village=village.name, deadline=texts.when(due))
    facts = Facts(number=f"T{visit_id}", item="紧急探访", village=village.name, person=mask_name(member.name), deadline=due, at=now, status="紧急", next_step="请在期限前上门探访")
    recipients = [db.get(Staff, staff_id).openid] if staff_id else []
    recipients += [s.openid for s in village_staff(db, village_id, {Role.SECRETARY})]
    return UrgentVisit(visit_id, due, True, to_all(recipients, text, NoticeKind.VISIT_URGENT, facts))


# -- reminders --------------------------------------------------------------------------------


def visit_reminders(db: Session, today: dt.date, calendar: WorkCalendar, thresholds: Thresholds) -> tuple[Notice, ...]:
    """Before due and overdue: the volunteer; overdue by N working days: the village secretary."""
    soon = _flag(db, Visit.reminded_before, Visit.status.in_(NOT_STARTED), Visit.staff_id.is_not(None), Visit.due_date >= today, Visit.due_date <= today + dt.timedelta(days=thresholds.visit_remind_days_before))
    late = _flag(db, Visit.reminded_overdue, Visit.status.in_(NOT_STARTED), Visit.staff_id.is_not(None), Visit.due_date < today)
    escalated = _flag(db, Visit.escalated, Visit.status.in_(NOT_STARTED), Visit.due_date <= escalation_cutoff(today, calendar, thresholds))
    notices = _per_volunteer(db, soon, texts.VISIT_DUE_SOON, NoticeKind.VISIT_DUE) + _per_volunteer(db, late, texts.VISIT_OVERDUE, NoticeKind.VISIT_OVERDUE)
    return notices + _per_secretary(db, escalated, thresholds.visit_escalate_workdays)


def _flag(db: Session, flag, *conditions) -> list[int]:
    """Set ``flag`` on the open visits matching ``conditions`` that lack it; their ids."""
    stmt = update(Visit.__table__).where(flag.is_(False), *conditions).values({flag.key: True}).returning(Visit.__table__.c.id)
    return list(db.execute(stmt).scalars())


def _visit_lines(db: Session, ids: list[int]):
    query = (
        select(Visit.id, Visit.due_date, Visit.village_id, Member.name, Staff.id, Staff.openid, Staff.name)
        .join(Member, Member.id == Visit.member_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .where(Visit.id.in_(ids))
        .order_by(Visit.due_date, Visit.id)
    )
    return db.execute(query).all()


def _lines(rows, with_staff: bool = False) -> str:
    shown = [texts.VISIT_LINE.format(who=mask_name(r[3]), due=texts.day(r[1]), staff=f"（{r[6] or '未分配'}）" if with_staff else "") for r in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        shown.append(f"……等共 {len(rows)} 户")
    return "\n".join(shown)


VISIT_STATUS = {NoticeKind.VISIT_DUE: "即将到期", NoticeKind.VISIT_OVERDUE: "已逾期"}


def visit_facts(rows, kind: NoticeKind, village: str = "", next_step: str = "点开查看并签到") -> Facts:
    """The first (most urgent) visit's number, person and due day; the others counted."""
    first = rows[0]
    person = mask_name(first[3]) + (f"等{len(rows)}户" if len(rows) > 1 else "")
    due = texts.day_start_of(first[1])
    return Facts(number=f"T{first[0]}", item="探访", village=village, person=person, deadline=due, status=VISIT_STATUS[kind], next_step=next_step)


def _per_volunteer(db: Session, ids: list[int], template: str, kind: NoticeKind) -> tuple[Notice, ...]:
    if not ids:
        return ()
    by_staff = defaultdict(list)
    for row in _visit_lines(db, ids):
        by_staff[row[5]].append(row)
    return tuple(Notice(openid, template.format(lines=_lines(rows)), kind.value, visit_facts(rows, kind)) for openid, rows in by_staff.items() if openid)


def _per_secretary(db: Session, ids: list[int], workdays: int) -> tuple[Notice, ...]:
    if not ids:
        return ()
    by_village = defaultdict(list)
    for row in _visit_lines(db, ids):
        by_village[row[2]].append(row)
    notices: tuple[Notice, ...] = ()
    for village_id, rows in by_village.items():
        village = db.get(Village, village_id)
        text = texts.VISIT_ESCALATED.format(village=village.name, workdays=workdays, lines=_lines(rows, with_staff=True))
        facts = visit_facts(rows, NoticeKind.VISIT_OVERDUE, village.name, "请督促安排探访")
        notices += to_all((s.openid for s in village_staff(db, village_id, {Role.SECRETARY})), text, NoticeKind.VISIT_OVERDUE, facts)
    return notices


# -- the secretary's daily digest ----------------------------------------------------------------


def daily_digests(db: Session, now: dt.datetime, thresholds: Thresholds) -> tuple[Notice, ...]:
    """One message a day per village secretary: visits due soon, late and unassigned, open leads
    and referrals of the village. Sent once a day (claimed), and only when there is something."""
    today = local(now).date()
    counts = _village_counts(db, today, thresholds)
    secretaries = db.execute(
        select(Staff.id, Staff.openid, Staff.village_id, Village.name)
        .join(Village, Village.id == Staff.village_id)
        .where(Staff.role == Role.SECRETARY.value, Staff.active.is_(True), Staff.openid.is_not(None))
    ).all()
    notices = []
    for staff_id, openid, village_id, village_name in secretaries:
        c = counts.get(village_id)
        if not c or not any(c.values()) or not claim(db, "staff", staff_id, f"digest-{today.isoformat()}", now):
            continue
        facts = Facts(number=f"{today:%Y%m%d}", item=f"到期{c['soon']}户 逾期{c['late']}户 线索{c['leads']}条", village=village_name, at=now, next_step="点开查看本村待办")
        notices.append(Notice(openid, texts.DIGEST.format(village=village_name, today=texts.day(today), days=thresholds.visit_remind_days_before, **c), NoticeKind.DIGEST.value, facts))
    return tuple(notices)


def _village_counts(db: Session, today: dt.date, thresholds: Thresholds) -> dict[int, dict[str, int]]:
    horizon = today + dt.timedelta(days=thresholds.visit_remind_days_before)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict(soon=0, late=0, unassigned=0, leads=0, referrals=0))
    visits = db.execute(
        select(
            Visit.village_id,
            func.count().filter(Visit.due_date.between(today, horizon)),
            func.count().filter(Visit.due_date < today),
            func.count().filter(Visit.staff_id.is_(None)),
        )
        .where(Visit.status.in_(NOT_STARTED), Visit.due_date <= horizon)
        .group_by(Visit.village_id)
    )
    for village_id, soon, late, unassigned in visits:
        counts[village_id].update(soon=soon, late=late, unassigned=unassigned)
    leads = select(Lead.village_id, func.count()).where(Lead.status == LeadStatus.OPEN.value, Lead.village_id.is_not(None)).group_by(Lead.village_id)
    for village_id, n in db.execute(leads):
        counts[village_id]["leads"] = n
    referrals = select(Referral.village_id, func.count()).where(Referral.status == "pending", Referral.village_id.is_not(None)).group_by(Referral.village_id)
    for village_id, n in db.execute(referrals):
        counts[village_id]["referrals"] = n
    return counts
