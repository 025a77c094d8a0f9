"""One household's file (一户一档): members, assessment history, the plan, requests, visits.

Masked by default: names through ``mask_name``, the address through ``mask_address``, no
phones, no health or disability details. ``unmasked=True`` (after the caller has written the
reason to the audit trail) shows names, address, phones and health facts. ID numbers are never
shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.areas import Town, Village
from models.calendar import local, local_today
from models.catalogue.catalogue import ServiceItem
from db.crypto import DataCipher
from models.households.households import Assessment, Household, Member, mask_address, mask_name
from policy.assessment import DistressLevel, Indicator
from policy.rules import summary
from models.rules import code_of, rule_sets
from policy.groups import Disability, DisabilityKind, IllnessKind, SelfCare, TargetGroup
from models.catalogue.providers import Provider
from models.requests.requests import RequestStatus, ServiceRequest
from models.staff.staff import Staff
from models.visits.visits import Visit, VisitKind, VisitStatus

RATING_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
VISIT_STATUS_LABELS = {VisitStatus.DUE.value: "待探访", VisitStatus.ACCEPTED.value: "已接受", VisitStatus.CHECKED_IN.value: "已签到", VisitStatus.DONE.value: "已完成"}
VISIT_KIND_LABELS = {VisitKind.ROUTINE.value: "定期探访", VisitKind.URGENT.value: "紧急探访"}
VISIT_OUTCOME_LABELS = {"normal": "一切正常", "problem": "发现困难", "absent": "家中无人"}


@dataclass(frozen=True)
class MemberLine:
    name: str
    relation: str
    age: int
    groups: str
    self_care: str
    health: str | None
    """Illness and disability; only when unmasked."""
    phone: str | None
    """Only when unmasked."""


@dataclass(frozen=True)
class IndicatorLine:
    label: str
    distressed: bool
    reason: str


@dataclass(frozen=True)
class AssessmentLine:
    at: dt.datetime
    assessor: str | None
    level: str
    distressed_count: int
    indicators: list[IndicatorLine]
    services: list[str]
    rule_set: str = "未记录"
    """The rule set used (``R3``) and its values."""
    rules: str = ""


@dataclass(frozen=True)
class Plan:
    level: str
    goal: str
    services: list[tuple[str, str]]
    """(item name, why) from the latest assessment."""


@dataclass(frozen=True)
class RequestLine:
    id: int
    number: str
    who: str
    item: str
    status: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    provider: str | None
    rating: str | None


@dataclass(frozen=True)
class VisitLine:
    id: int
    who: str
    kind: str
    due: dt.date
    status: str
    staff: str | None
    completed_at: dt.datetime | None
    outcome: str | None
    on_time: bool | None
    far: bool


@dataclass(frozen=True)
class HouseholdFile:
    id: int
    roster_no: str
    town_id: int
    town: str
    village_id: int
    village: str
    head_name: str
    address: str
    unmasked: bool
    members: list[MemberLine]
    assessments: list[AssessmentLine]
    plan: Plan | None
    requests: list[RequestLine]
    visits: list[VisitLine]


def household_town(db: Session, household_id: int) -> int | None:
    """The town a household belongs to (for the scope check), or None if there is no such household."""
    return db.scalar(select(Village.town_id).join(Household, Household.village_id == Village.id).where(Household.id == household_id))


def household_file(db: Session, cipher: DataCipher, household_id: int, now: dt.datetime, unmasked: bool = False) -> HouseholdFile | None:
    row = db.execute(
        select(Household, Village.name, Village.id, Town.name, Town.id)
        .join(Village, Village.id == Household.village_id)
        .join(Town, Town.id == Village.town_id)
        .where(Household.id == household_id)
    ).one_or_none()
    if row is None:
        return None
    household, village, village_id, town, town_id = row
    show = (lambda name: name) if unmasked else mask_name
    address = cipher.decrypt(household.address_enc) or ""
    today = local_today(now)
    assessments = _assessments(db, household_id)
    return HouseholdFile(
        id=household.id,
        roster_no=household.roster_no,
        town_id=town_id,
        town=town,
        village_id=village_id,
        village=village,
        head_name=show(household.head_name),
        address=address if unmasked else mask_address(address),
        unmasked=unmasked,
        members=[_member(m, cipher, today, unmasked) for m in household.members],
        assessments=assessments,
        plan=_plan(db, household_id),
        requests=_requests(db, household_id, show),
        visits=_visits(db, household_id, show),
    )


def _member(member: Member, cipher: DataCipher, today: dt.date, unmasked: bool) -> MemberLine:
    groups = "、".join(TargetGroup(g).label for g in member.groups or []) or "—"
    health = None
    if unmasked:
        parts = [IllnessKind(member.illness).label]
        if member.disability_kind and member.disability_grade:
            parts.append(Disability(DisabilityKind(member.disability_kind), member.disability_grade).label)
        health = "，".join(parts)
    return MemberLine(
        name=member.name if unmasked else mask_name(member.name),
        relation=member.relation,
        age=member.age_on(today),
        groups=groups,
        self_care=SelfCare(member.self_care).label,
        health=health,
        phone=cipher.decrypt(member.phone_enc) if unmasked and member.phone_enc else None,
    )


def _item_names(db: Session) -> dict[str, str]:
    return dict(db.execute(select(ServiceItem.code, ServiceItem.name)).all())


def _assessments(db: Session, household_id: int) -> list[AssessmentLine]:
    names = _item_names(db)
    rows = list(db.scalars(select(Assessment).where(Assessment.household_id == household_id).order_by(Assessment.assessed_at.desc(), Assessment.id.desc())))
    sets = rule_sets(db, [a.rule_set_id for a in rows])
    lines = []
    for a in rows:
        indicators = (a.result or {}).get("indicators", {})
        lines.append(
            AssessmentLine(
                at=local(a.assessed_at),
                assessor=a.assessor,
                level=DistressLevel(a.level).label,
                distressed_count=a.distressed_count,
                indicators=[IndicatorLine(i.label, bool(indicators.get(i.value, {}).get("distressed")), indicators.get(i.value, {}).get("reason", "")) for i in Indicator],
                services=[names.get(code, code) for code in a.suggested_services or []],
                rule_set=code_of(a.rule_set_id),
                rules=summary(sets[a.rule_set_id].values) if a.rule_set_id in sets else "",
            )
        )
    return lines


def _plan(db: Session, household_id: int) -> Plan | None:
    latest = db.scalar(select(Assessment).where(Assessment.household_id == household_id).order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1))
    if latest is None:
        return None
    level = DistressLevel(latest.level)
    names = _item_names(db)
    services = [(names.get(s["code"], s["code"]), s.get("reason", "")) for s in (latest.result or {}).get("services", [])]
    if not services:
        services = [(names.get(code, code), "") for code in latest.suggested_services or []]
    return Plan(level.label, level.goal, services)


def _requests(db: Session, household_id: int, show) -> list[RequestLine]:
    rows = db.execute(
        select(ServiceRequest, Member.name, ServiceItem.name, Provider.name)
        .join(Member, Member.id == ServiceRequest.member_id)
        .join(ServiceItem, ServiceItem.code == ServiceRequest.item_code)
        .outerjoin(Provider, Provider.id == ServiceRequest.provider_id)
        .where(Member.household_id == household_id)
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
    ).all()
    return [
        RequestLine(r.id, r.number, show(who), item, RequestStatus(r.status).label, local(r.created_at), local(r.completed_at) if r.completed_at else None, provider, RATING_LABELS.get(r.rating or ""))
        for r, who, item, provider in rows
    ]


def _visits(db: Session, household_id: int, show) -> list[VisitLine]:
    rows = db.execute(
        select(Visit, Member.name, Staff.name)
        .join(Member, Member.id == Visit.member_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .where(Member.household_id == household_id)
        .order_by(Visit.due_date.desc(), Visit.id.desc())
    ).all()
    lines = []
    for v, who, staff in rows:
        done = local(v.completed_at) if v.completed_at else None
        on_time = None if done is None else done.date() <= v.due_date
        lines.append(
            VisitLine(v.id, show(who), VISIT_KIND_LABELS.get(v.kind, v.kind), v.due_date, VISIT_STATUS_LABELS.get(v.status, v.status), staff, done, VISIT_OUTCOME_LABELS.get(v.outcome or "", v.outcome), on_time, v.far)
        )
    return lines
