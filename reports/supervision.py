"""The supervision overview (统一监管): per village, then per town and the county.

Every figure is counted by the database, grouped by village, in a handful of statements, so
the page costs the same for 500 households or 50,000; towns and the county are sums of their
villages. ``town_id`` scopes everything to one town (town staff, or the county drilling down).

| figure | counted from |
|---|---|
| households by distress level | each household's latest assessment (未评估 without one) |
| open requests by status | service requests not completed, cancelled or referred |
| review deadline met | applications the town decided in the period (or still waiting past their deadline): decided before the clock passed the town review's deadline (2 working days) |
| transfer deadline met | referrals (转介) due in the period: transferred by their deadline |
| visit coverage | visits due in the period up to today: done by their due date |
| satisfaction | requests rated in the period (completed then): 满意 or 基本满意 |
| escalations | requests escalated to the town (clock alerts), visits escalated to the secretary |
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Index, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from models.alerts import Alert
from models.applications import Application, ApplicationStatus
from models.areas import Town, Village
from models.calendar import day_start, local_today
from models.households.households import Assessment, Household, Member, mask_name
from models.requests.requests import Referral, RequestStatus, ServiceRequest
from db.sql import local_date
from models.visits.visits import Visit, VisitStatus

OPEN_STATUSES = tuple(s.value for s in RequestStatus if s.open)
LEVELS = ("high", "medium", "low", "none")
SATISFIED = ("satisfied", "basic")
ESCALATION_STAGES = ("town_a", "town_b", "county")
MISSED_STAGES = ("town", "county")
"""Clock stages that mean a lead's deadline passed while it was still open."""
MISSED_REVIEW_STAGES = ("town_review:town", "town_review:county")
"""Clock stages that mean the town's review of an application passed its deadline."""

#: the overview's look-ups, as the benchmark's county of 500,000 requests needs them
LATEST_ASSESSMENT_INDEX = Index("ix_assessments_household_latest", Assessment.household_id, Assessment.assessed_at.desc(), Assessment.id.desc())
COMPLETED_INDEX = Index(
    "ix_requests_completed_at",
    ServiceRequest.completed_at,
    postgresql_include=["village_id", "rating", "item_code", "status"],
)
RATED_INDEX = Index(
    "ix_requests_rated",
    ServiceRequest.completed_at,
    postgresql_include=["village_id", "rating"],
    postgresql_where=ServiceRequest.rating.is_not(None),
    sqlite_where=ServiceRequest.rating.is_not(None),
)
VISITS_DUE_INDEX = Index("ix_visits_due_covering", Visit.due_date, postgresql_include=["village_id", "status", "completed_at", "escalated"])
OPEN_BY_VILLAGE_INDEX = Index(
    "ix_requests_open_village",
    ServiceRequest.village_id,
    ServiceRequest.status,
    postgresql_where=ServiceRequest.status.in_(OPEN_STATUSES),
    sqlite_where=ServiceRequest.status.in_(OPEN_STATUSES),
)


@dataclass(frozen=True)
class Period:
    """Inclusive county dates."""

    start: dt.date
    end: dt.date

    @classmethod
    def year_to_date(cls, today: dt.date) -> "Period":
        return cls(dt.date(today.year, 1, 1), today)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00, the day after end 00:00) in UTC."""
        return day_start(self.start), day_start(self.end + dt.timedelta(days=1))

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"


@dataclass
class AreaStats:
    id: int | None
    name: str
    town: str = ""
    town_id: int | None = None
    levels: Counter = field(default_factory=Counter)
    open_requests: Counter = field(default_factory=Counter)
    review_due: int = 0
    review_met: int = 0
    transfer_due: int = 0
    transfer_met: int = 0
    visits_due: int = 0
    visits_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    escalated_requests: int = 0
    escalated_visits: int = 0

    def add(self, other: "AreaStats") -> None:
        self.levels.update(other.levels)
        self.open_requests.update(other.open_requests)
        for name in ("review_due", "review_met", "transfer_due", "transfer_met", "visits_due", "visits_on_time", "rated", "satisfied", "escalated_requests", "escalated_visits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def households(self) -> int:
        return sum(self.levels.values())

    @property
    def open_total(self) -> int:
        return sum(self.open_requests.values())

    @property
    def escalations(self) -> int:
        return self.escalated_requests + self.escalated_visits

    @property
    def review_pct(self) -> float | None:
        return percent(self.review_met, self.review_due)

    @property
    def transfer_pct(self) -> float | None:
        return percent(self.transfer_met, self.transfer_due)

    @property
    def visit_pct(self) -> float | None:
        return percent(self.visits_on_time, self.visits_due)

    @property
    def satisfaction_pct(self) -> float | None:
        return percent(self.satisfied, self.rated)


@dataclass(frozen=True)
class Overview:
    period: Period
    town_id: int | None
    town_name: str | None
    rows: list[AreaStats]
    """Towns (county-wide) or villages (one town)."""
    total: AreaStats


def percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


def overview(db: Session, now: dt.datetime, period: Period, town_id: int | None = None) -> Overview:
    """The county by town, or one town by village."""
    villages = village_stats(db, now, period, town_id)
    total = AreaStats(None, "合计")
    for row in villages:
        total.add(row)
    if town_id is not None:
        town_name = db.scalar(select(Town.name).where(Town.id == town_id))
        return Overview(period, town_id, town_name, villages, total)
    return Overview(period, None, None, by_town(db, villages), total)


def by_town(db: Session, villages: list[AreaStats]) -> list[AreaStats]:
    towns = {tid: AreaStats(tid, name, name, tid) for tid, name in db.execute(select(Town.id, Town.name).order_by(Town.name))}
    for row in villages:
        towns[row.town_id].add(row)
    return list(towns.values())


def village_stats(db: Session, now: dt.datetime, period: Period, town_id: int | None = None) -> list[AreaStats]:
    rows = {vid: AreaStats(vid, name, town, tid) for vid, name, town, tid in _villages(db, town_id)}
    in_scope = None if town_id is None else select(Village.id).where(Village.town_id == town_id)
    for vid, level, n in _levels(db, in_scope):
        if vid in rows:
            rows[vid].levels[level or "none"] += n
    for vid, status, n in _open_requests(db, in_scope):
        if vid in rows:
            rows[vid].open_requests[status] += n
    _fill(rows, _reviews(db, now, period, in_scope), ("review_due", "review_met"))
    _fill(rows, _transfers(db, now, period, in_scope), ("transfer_due", "transfer_met"))
    _fill(rows, _visits(db, now, period, in_scope), ("visits_due", "visits_on_time"))
    _fill(rows, _ratings(db, period, in_scope), ("rated", "satisfied"))
    _fill(rows, _escalated_requests(db, period, in_scope), ("escalated_requests",))
    _fill(rows, _escalated_visits(db, period, in_scope), ("escalated_visits",))
    return list(rows.values())


def _fill(rows: dict[int, AreaStats], results, names: tuple[str, ...]) -> None:
    for vid, *values in results:
        if vid in rows:
            for name, value in zip(names, values):
                setattr(rows[vid], name, int(value or 0))


def towns(db: Session, town_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of every town, or of one."""
    query = select(Town.id, Town.name).order_by(Town.name)
    if town_id is not None:
        query = query.where(Town.id == town_id)
    return [(tid, name) for tid, name in db.execute(query)]


def village_info(db: Session, village_id: int):
    """(id, village, town_id, town) of one village, or None."""
    query = select(Village.id, Village.name.label("village"), Village.town_id, Town.name.label("town")).join(Town, Town.id == Village.town_id)
    return db.execute(query.where(Village.id == village_id)).one_or_none()


def _villages(db: Session, town_id: int | None):
    query = select(Village.id, Village.name, Town.name, Town.id).join(Town, Town.id == Village.town_id).order_by(Town.name, Village.name)
    if town_id is not None:
        query = query.where(Village.town_id == town_id)
    return db.execute(query).all()


def _scoped(query, column, in_scope):
    return query if in_scope is None else query.where(column.in_(in_scope))


def latest_assessments(in_scope=None):
    """(household id, level) of each household's latest assessment, as a subquery."""
    rank = func.row_number().over(partition_by=Assessment.household_id, order_by=(Assessment.assessed_at.desc(), Assessment.id.desc())).label("rank")
    query = select(Assessment.household_id, Assessment.level, rank)
    if in_scope is not None:
        query = query.where(Assessment.household_id.in_(select(Household.id).where(Household.village_id.in_(in_scope))))
    ranked = query.subquery("ranked")
    return select(ranked.c.household_id, ranked.c.level).where(ranked.c.rank == 1).subquery("latest")


def _levels(db: Session, in_scope):
    latest = latest_assessments(in_scope)
    query = (
        select(Household.village_id, latest.c.level, func.count())
        .select_from(Household)
        .outerjoin(latest, latest.c.household_id == Household.id)
        .group_by(Household.village_id, latest.c.level)
    )
    return db.execute(_scoped(query, Household.village_id, in_scope)).all()


def _open_requests(db: Session, in_scope):
    query = select(ServiceRequest.village_id, ServiceRequest.status, func.count()).where(ServiceRequest.status.in_(OPEN_STATUSES)).group_by(ServiceRequest.village_id, ServiceRequest.status)
    return db.execute(_scoped(query, ServiceRequest.village_id, in_scope)).all()


def _reviews(db: Session, now: dt.datetime, period: Period, in_scope):
    """The town's review of applications (2 working days): met when decided before the clock
    reached the deadline; missed when the clock did, or when one still waits past it."""
    start, end = period.bounds()
    missed_alert = exists().where(Alert.subject == "application", Alert.subject_id == Application.id, Alert.stage.in_(MISSED_REVIEW_STAGES))
    decided = Application.decided_at.is_not(None)
    waiting_late = and_(Application.status == ApplicationStatus.TOWN_REVIEW.value, Application.deadline < now, Application.deadline >= start, Application.deadline < end)
    query = (
        select(Application.village_id, func.count(), func.count().filter(and_(decided, ~missed_alert)))
        .where(or_(and_(decided, Application.decided_at >= start, Application.decided_at < end), waiting_late))
        .group_by(Application.village_id)
    )
    return db.execute(_scoped(query, Application.village_id, in_scope)).all()


def _transfers(db: Session, now: dt.datetime, period: Period, in_scope):
    start, end = period.bounds()
    settled = Referral.transferred_at.is_not(None) | (Referral.deadline < now)
    met = and_(Referral.transferred_at.is_not(None), Referral.transferred_at <= Referral.deadline)
    query = (
        select(Referral.village_id, func.count(), func.count().filter(met))
        .where(Referral.deadline >= start, Referral.deadline < end, settled, Referral.village_id.is_not(None))
        .group_by(Referral.village_id)
    )
    return db.execute(_scoped(query, Referral.village_id, in_scope)).all()


def _visits(db: Session, now: dt.datetime, period: Period, in_scope):
    last = min(period.end, local_today(now))
    on_time = and_(Visit.status == VisitStatus.DONE.value, local_date(Visit.completed_at) <= Visit.due_date)
    query = (
        select(Visit.village_id, func.count(), func.count().filter(on_time))
        .where(Visit.due_date >= period.start, Visit.due_date <= last)
        .group_by(Visit.village_id)
    )
    return db.execute(_scoped(query, Visit.village_id, in_scope)).all()


def _ratings(db: Session, period: Period, in_scope):
    start, end = period.bounds()
    query = (
        select(ServiceRequest.village_id, func.count(), func.count().filter(ServiceRequest.rating.in_(SATISFIED)))
        .where(ServiceRequest.rating.is_not(None), ServiceRequest.completed_at >= start, ServiceRequest.completed_at < end)
        .group_by(ServiceRequest.village_id)
    )
    return db.execute(_scoped(query, ServiceRequest.village_id, in_scope)).all()


def _escalated_requests(db: Session, period: Period, in_scope):
    """Each alert looks its request's village up by primary key (a correlated subquery): a few
    thousand index look-ups, where a join would scan every request."""
    start, end = period.bounds()
    village = select(ServiceRequest.village_id).where(ServiceRequest.id == Alert.subject_id).scalar_subquery().label("village_id")
    alerts = (
        select(village, Alert.subject_id)
        .where(Alert.subject == "request", Alert.stage.in_(ESCALATION_STAGES), Alert.at >= start, Alert.at < end)
        .subquery("escalated")
    )
    query = select(alerts.c.village_id, func.count(func.distinct(alerts.c.subject_id))).group_by(alerts.c.village_id)
    return db.execute(_scoped(query, alerts.c.village_id, in_scope)).all()


def _escalated_visits(db: Session, period: Period, in_scope):
    query = (
        select(Visit.village_id, func.count())
        .where(Visit.escalated.is_(True), Visit.due_date >= period.start, Visit.due_date <= period.end)
        .group_by(Visit.village_id)
    )
    return db.execute(_scoped(query, Visit.village_id, in_scope)).all()


# -- drill-down: one village's households ----------------------------------------------------


@dataclass(frozen=True)
class HouseholdLine:
    id: int
    roster_no: str
    head_name: str
    village: str
    level: str | None
    open_requests: int


def village_households(db: Session, village_id: int, page: int = 1, per_page: int = 50, level: str | None = None) -> tuple[list[HouseholdLine], int]:
    """A village's households (head's name masked) with their level and open requests, by
    household number; and the count."""
    latest = latest_assessments(select(Village.id).where(Village.id == village_id))
    open_count = (
        select(ServiceRequest.member_id.label("member_id"), func.count().label("n"))
        .where(ServiceRequest.village_id == village_id, ServiceRequest.status.in_(OPEN_STATUSES))
        .group_by(ServiceRequest.member_id)
        .subquery("open_count")
    )
    opened = select(func.coalesce(func.sum(open_count.c.n), 0)).join(Member, Member.id == open_count.c.member_id).where(Member.household_id == Household.id).scalar_subquery()
    query = (
        select(Household.id, Household.roster_no, Household.head_name, Village.name, latest.c.level, opened)
        .join(Village, Village.id == Household.village_id)
        .outerjoin(latest, latest.c.household_id == Household.id)
        .where(Household.village_id == village_id)
    )
    if level == "none":
        query = query.where(latest.c.level.is_(None))
    elif level:
        query = query.where(latest.c.level == level)
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.execute(query.order_by(Household.roster_no).limit(per_page).offset((page - 1) * per_page)).all()
    return [HouseholdLine(row[0], row[1], mask_name(row[2]), row[3], row[4], int(row[5] or 0)) for row in rows], total or 0


def find_household(db: Session, roster_no: str, town_id: int | None) -> int | None:
    """A household id by its number (户编号), within the scope."""
    query = select(Household.id).join(Village, Village.id == Household.village_id).where(Household.roster_no == roster_no.strip())
    if town_id is not None:
        query = query.where(Village.town_id == town_id)
    return db.scalar(query)
