"""Working-day deadlines the clocks watch: referrals (转介, 1 working day), leads (线索核实), and
escalated requests waiting for the town; later the review of applications (2 working days).

Each matter passes the stages of ``policy.clocks`` (half-time warning to the village
secretary, the town at the deadline, the county after); each stage is claimed in
``clock_alerts`` in the same transaction as its notice, so it goes out once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from models import notices as texts
from models.alerts import Alert, claim
from models.applications import OPEN_STATUSES, TOWN_HALF_TIME_B, TOWN_OVERDUE, Application, ApplicationStatus
from models.areas import Village
from models.audit import Channel, record
from models.calendar import as_utc, local, missing_years, spans_unknown_year
from models.catalogue.catalogue import ServiceItem
from models.requests.dispatch import county_staff, town_post
from models.households.households import Member, mask_name
from models.leads import Lead, LeadStatus
from models.notices import Facts, Notice, NoticeKind, to_all
from policy.clocks import Stage, stage_times
from policy.thresholds import Thresholds
from policy.workdays import WorkCalendar
from models.requests.requests import Referral, RequestStatus, ServiceRequest
from models.staff.staff import Role, town_staff, village_staff

SYSTEM = "system"


def transfer_deadline(now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds) -> dt.datetime:
    """When a referral must have been transferred to its department (1 working day)."""
    return as_utc(calendar.add_workdays(local(now), thresholds.transfer_workdays))


def review_deadline(now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds) -> dt.datetime:
    """When an eligible application (or a lead) must be taken into review (2 working days)."""
    return as_utc(calendar.add_workdays(local(now), thresholds.review_workdays))


@dataclass(frozen=True)
class Tracked:
    """A matter on a clock, as the stages need it."""

    subject: str  # audit and alert subject: "referral", "lead"
    id: int
    number: str
    village_id: int | None
    start: dt.datetime
    deadline: dt.datetime
    what: str
    action: str


def _not_finished(subject: str, id_column):
    """No county alert yet: the last stage, after which the clock has nothing more to say."""
    return ~exists().where(Alert.subject == subject, Alert.subject_id == id_column, Alert.stage == Stage.COUNTY.value)


def open_matters(db: Session) -> list[Tracked]:
    referrals = db.execute(
        select(Referral.id, Referral.number, Referral.village_id, Referral.created_at, Referral.deadline, Referral.department)
        .where(Referral.status == "pending", _not_finished("referral", Referral.id))
    )
    leads = db.execute(
        select(Lead.id, Lead.number, Lead.village_id, Lead.created_at, Lead.deadline)
        .where(Lead.status == LeadStatus.OPEN.value, _not_finished("lead", Lead.id))
    )
    return [Tracked("referral", i, n, v, s, d, "转介事项", f"转交{dept}") for i, n, v, s, d, dept in referrals] + [
        Tracked("lead", i, n, v, s, d, "线索", "核实") for i, n, v, s, d in leads
    ]


def deadline_alerts(db: Session, now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds) -> tuple[Notice, ...]:
    """The notices of every stage reached since the last run, each claimed once."""
    notices: tuple[Notice, ...] = ()
    for matter in open_matters(db):
        stage = stage_times(local(matter.start), local(matter.deadline), calendar, thresholds).reached(local(now))
        if stage is None or not claim(db, matter.subject, matter.id, stage.value, now):
            continue
        record(db, matter.subject, matter.id, f"deadline_{stage.value}", SYSTEM, Channel.WORKER, at=now)
        notices += _stage_notices(db, matter, stage, calendar, now)
    return notices


_STAGE_TEXT = {Stage.WARN: texts.DEADLINE_WARN, Stage.TOWN: texts.DEADLINE_TOWN, Stage.COUNTY: texts.DEADLINE_COUNTY}


STAGE_STATUS = {Stage.WARN: "已过半", Stage.TOWN: "已逾期", Stage.COUNTY: "已逾期"}
STAGE_NEXT = {Stage.WARN: "请在期限前{action}", Stage.TOWN: "请乡镇督办", Stage.COUNTY: "请县民政局督办"}


def _matter_facts(matter: Tracked, village: str, stage: Stage, now: dt.datetime) -> Facts:
    return Facts(number=matter.number, item=matter.what, village=village, deadline=matter.deadline, at=now, status=STAGE_STATUS[stage],
                 next_step=STAGE_NEXT[stage].format(action=matter.action))


def _stage_notices(db: Session, matter: Tracked, stage: Stage, calendar: WorkCalendar, now: dt.datetime) -> tuple[Notice, ...]:
    village = db.get(Village, matter.village_id) if matter.village_id else None
    text = _STAGE_TEXT[stage].format(what=matter.what, number=matter.number, village=village.name if village else "未指定村", deadline=texts.when(matter.deadline), action=matter.action)
    if spans_unknown_year(calendar, matter.start, matter.deadline):
        text += texts.CALENDAR_NOTE.format(years="、".join(str(y) for y in range(local(matter.start).year, local(matter.deadline).year + 1) if y not in calendar.known_years))
    facts = _matter_facts(matter, village.name if village else "", stage, now)
    return to_all((s.openid for s in _recipients(db, stage, village)), text, NoticeKind.DEADLINE, facts)


def _recipients(db: Session, stage: Stage, village: Village | None):
    """secretary → town (A post, else B) → county; a missing level passes to the next one."""
    if stage is Stage.WARN and village is not None:
        secretaries = village_staff(db, village.id, {Role.SECRETARY})
        if secretaries:
            return secretaries
    if stage is not Stage.COUNTY and village is not None:
        return town_post(db, village.town_id)[1]
    return county_staff(db)


# -- escalated requests: the B post when the A post is late -------------------------------------


def escalation_followups(db: Session, now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds) -> tuple[Notice, ...]:
    """Requests still escalated ``town_b_after_working_hours`` after the A post was told go to
    the B post too (the county if the town has no B post)."""
    b_alert = aliased(Alert)
    told_b = exists().where(b_alert.subject == "request", b_alert.subject_id == ServiceRequest.id, b_alert.stage == "town_b")
    rows = db.execute(
        select(ServiceRequest.id, ServiceRequest.number, Alert.at, Village.name, Village.town_id, Member.name, ServiceItem.name)
        .join(Alert, and_(Alert.subject == "request", Alert.subject_id == ServiceRequest.id, Alert.stage == "town_a"))
        .join(Village, Village.id == ServiceRequest.village_id)
        .join(Member, Member.id == ServiceRequest.member_id)
        .join(ServiceItem, ServiceItem.code == ServiceRequest.item_code)
        .where(ServiceRequest.status == RequestStatus.ESCALATED.value, ~told_b)
    ).all()
    notices: tuple[Notice, ...] = ()
    hours = thresholds.town_b_after_working_hours
    for request_id, number, told_a, village, town_id, member, item in rows:
        due = calendar.add_working_hours(local(told_a), hours, thresholds.office_day_start, thresholds.office_day_end)
        if local(now) < due or not claim(db, "request", request_id, "town_b", now):
            continue
        record(db, "request", request_id, "escalated_town_b", SYSTEM, Channel.WORKER, at=now)
        staff = town_staff(db, town_id, {Role.TOWN_B}) or county_staff(db)
        text = texts.ESCALATED_TOWN_B.format(number=number, village=village, who=mask_name(member), item=item, hours=f"{hours:g}")
        facts = Facts(number=number, item=item, village=village, person=mask_name(member), at=now, status="待安排", next_step="A岗未安排，请协助处理")
        notices += to_all((s.openid for s in staff), text, NoticeKind.ESCALATED, facts)
    return notices


# -- the calendar itself -------------------------------------------------------------------------


def calendar_reminder(db: Session, now: dt.datetime, calendar: WorkCalendar) -> tuple[Notice, ...]:
    """Once a week, from 1 November while next year (or any time while this year) has no
    holiday data: tell the county."""
    today = local(now).date()
    years = missing_years(calendar, today)
    if not years:
        return ()
    iso = today.isocalendar()
    if not claim(db, "calendar", years[0], f"week-{iso.year}-{iso.week:02d}", now):
        return ()
    text = texts.CALENDAR_MISSING.format(years="、".join(map(str, years)))
    facts = Facts(number=str(years[0]), item="法定节假日安排", village="全县", at=now, status="待录入", next_step="国务院公布后录入节假日")
    return to_all((s.openid for s in county_staff(db)), text, NoticeKind.CALENDAR, facts)


# -- applications: 初审 by the village, then the town's review -----------------------------------------


def application_alerts(db: Session, now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds) -> tuple[Notice, ...]:
    """Applications on the same stages as referrals and leads, each step claimed apart
    ("village_review:warn", "town_review:warn" ...). 初审: half time → the village secretary,
    the deadline → the town, then the county. The town's review: half time → the post holding it
    (and the B post, that it may take over the A post's item), the deadline → both posts, then
    the county."""
    notices: tuple[Notice, ...] = ()
    for app in _open_applications(db):
        stage = stage_times(local(app.stage_started_at), local(app.deadline), calendar, thresholds).reached(local(now))
        key = f"{app.status}:{stage.value}" if stage else ""
        if stage is None or not claim(db, "application", app.id, key, now):
            continue
        record(db, "application", app.id, f"deadline_{key}", SYSTEM, Channel.WORKER, at=now)
        notices += _application_notices(db, app, stage, calendar, now)
    return notices


def _open_applications(db: Session) -> list[Application]:
    finished = exists().where(Alert.subject == "application", Alert.subject_id == Application.id, Alert.stage == Application.status + ":county")
    return list(db.scalars(select(Application).where(Application.status.in_(OPEN_STATUSES), ~finished).order_by(Application.id)))


def _application_notices(db: Session, app: Application, stage: Stage, calendar: WorkCalendar, now: dt.datetime) -> tuple[Notice, ...]:
    first = app.status == ApplicationStatus.VILLAGE_REVIEW.value
    matter = Tracked("application", app.id, app.number, app.village_id, app.stage_started_at, app.deadline, "救助申请", "完成初审" if first else "完成审核")
    if first or stage is Stage.COUNTY:
        return _stage_notices(db, matter, stage, calendar, now)
    village = db.get(Village, app.village_id)
    values = {"what": matter.what, "number": app.number, "village": village.name, "deadline": texts.when(app.deadline), "action": matter.action}
    facts = _matter_facts(matter, village.name, stage, now)
    b_facts = Facts(**{**facts.__dict__, "next_step": "A岗未办理，您可以接手"})
    holder = town_staff(db, app.town_id, {Role(app.assigned_post)})
    if stage is Stage.WARN:
        others = town_staff(db, app.town_id, {Role.TOWN_B}) if app.assigned_post == Role.TOWN_A.value else []
        notices = to_all((s.openid for s in holder), texts.DEADLINE_WARN.format(**values), NoticeKind.DEADLINE, facts) + to_all((s.openid for s in others), TOWN_HALF_TIME_B.format(**values), NoticeKind.DEADLINE, b_facts)
    else:
        notices = to_all((s.openid for s in town_staff(db, app.town_id, {Role.TOWN_A, Role.TOWN_B})), TOWN_OVERDUE.format(**values), NoticeKind.DEADLINE, facts)
    return notices or to_all((s.openid for s in county_staff(db)), TOWN_OVERDUE.format(**values), NoticeKind.DEADLINE, facts)


# -- the calendar changed: open deadlines move with it -------------------------------------------


@dataclass(frozen=True)
class Moved:
    subject: str
    id: int
    number: str
    before: dt.datetime
    after: dt.datetime


def shifted(start: dt.datetime, deadline: dt.datetime, old: WorkCalendar, new: WorkCalendar, thresholds: Thresholds, hours: bool) -> dt.datetime | None:
    """``deadline`` counted again from ``start`` with the ``new`` calendar: the same number of
    working days (or office hours, for ``hours``) as the ``old`` calendar gave. None when the
    deadline is not one the rule gives (a merged lead keeps the earlier of two, say): left as it is."""
    start, deadline = local(start), local(deadline)
    if hours:
        office = old.working_time_between(start, deadline, thresholds.office_day_start, thresholds.office_day_end)
        counted = new.add_working_hours(start, office.total_seconds() / 3600, thresholds.office_day_start, thresholds.office_day_end)
        return counted if old.add_working_hours(start, office.total_seconds() / 3600, thresholds.office_day_start, thresholds.office_day_end) == deadline else None
    first = start.date() if old.is_workday(start.date()) else old.next_workday(start.date())
    n = old.workdays_between(first, deadline.date())
    if n < 0 or old.add_workdays(start, n) != deadline:
        return None
    return new.add_workdays(start, n)


def move_open_deadlines(db: Session, old: WorkCalendar, new: WorkCalendar, thresholds: Thresholds, actor: str, now: dt.datetime) -> list[Moved]:
    """After the county changed the calendar: every open referral, lead and application whose
    deadline the change moves gets its new deadline (audited)."""
    moved: list[Moved] = []
    matters = [
        ("referral", row, row.created_at, False) for row in db.scalars(select(Referral).where(Referral.status == "pending"))
    ] + [
        ("lead", row, row.created_at, row.urgent) for row in db.scalars(select(Lead).where(Lead.status == LeadStatus.OPEN.value))
    ] + [
        ("application", row, row.stage_started_at, False) for row in db.scalars(select(Application).where(Application.status.in_(OPEN_STATUSES), Application.deadline.is_not(None)))
    ]
    for subject, row, start, hours in matters:
        after = shifted(start, row.deadline, old, new, thresholds, hours)
        if after is None or as_utc(after) == as_utc(row.deadline):
            continue
        before = row.deadline
        row.deadline = as_utc(after)
        record(db, subject, row.id, "deadline_moved", actor, Channel.WEB, at=now, before=as_utc(before).isoformat(), after=row.deadline.isoformat(), reason="calendar")
        moved.append(Moved(subject, row.id, row.number, as_utc(before), row.deadline))
    return moved
