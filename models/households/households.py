"""Households (家庭), their members, and assessments: the needs ledger (需求台账).

ID numbers, phones and addresses are encrypted at rest (``DataCipher``); ID numbers
and phones also carry a blind index (keyed hash) for exact look-ups. Rows become the
policy rules' plain facts through ``household_facts`` and ``member_facts``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from models.areas import Village
from db.crypto import DataCipher
from db.base import Base, IdPk, Timestamp
from policy.assessment import assess
from policy.facts import HouseholdFacts, MemberFacts
from models.rules import rule_set_id
from policy.groups import Disability, DisabilityKind, FamilyStructure, IllnessKind, LabourStatus, SchoolingStage, SelfCare, TargetGroup, YouthProblem


class Household(Base):
    __tablename__ = "households"

    id: Mapped[IdPk]
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    #: the roster's household number (户编号), unique: re-importing finds the same household
    roster_no: Mapped[str] = mapped_column(String(32), unique=True)
    head_name: Mapped[str] = mapped_column(String(32))
    address_enc: Mapped[str] = mapped_column(String(512))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    monthly_income: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    monthly_rigid_expenditure: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    dwellings: Mapped[int] = mapped_column(default=1)
    floor_area: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=0)
    family_structures: Mapped[list] = mapped_column(JSON, default=list)
    has_social_security: Mapped[bool] = mapped_column(default=True)
    social_activities_per_month: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=1)
    youth_problems: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[Timestamp]

    village: Mapped[Village] = relationship()
    members: Mapped[list["Member"]] = relationship(back_populates="household", order_by="Member.id", cascade="all, delete-orphan")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("id_number_hash", name="uq_members_id_number_hash"),)

    id: Mapped[IdPk]
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    id_number_enc: Mapped[str] = mapped_column(String(256))
    id_number_hash: Mapped[str] = mapped_column(String(64))
    phone_enc: Mapped[str | None] = mapped_column(String(256))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    relation: Mapped[str] = mapped_column(String(16), default="户主")
    groups: Mapped[list] = mapped_column(JSON, default=list)
    illness: Mapped[str] = mapped_column(String(16), default=IllnessKind.NONE.value)
    disability_kind: Mapped[str | None] = mapped_column(String(16))
    disability_grade: Mapped[int | None]
    self_care: Mapped[str] = mapped_column(String(16), default=SelfCare.INDEPENDENT.value)
    schooling: Mapped[str] = mapped_column(String(16), default=SchoolingStage.NONE.value)
    labour: Mapped[str] = mapped_column(String(24), default=LabourStatus.NOT_LABOUR_FORCE.value)
    registered_on: Mapped[dt.date] = mapped_column(Date, default=dt.date.today)

    household: Mapped[Household] = relationship(back_populates="members")

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class Assessment(Base):
    """One 10-indicator assessment of a household, as annex 2's form records it."""

    __tablename__ = "assessments"

    id: Mapped[IdPk]
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    assessed_at: Mapped[Timestamp]
    assessor: Mapped[str | None] = mapped_column(String(64))  # staff id or "import"
    #: ``Assessment.to_dict()`` of the policy rules: every indicator with its reason
    result: Mapped[dict] = mapped_column(JSON)
    distressed_count: Mapped[int]
    level: Mapped[str] = mapped_column(String(8), index=True)
    suggested_services: Mapped[list] = mapped_column(JSON, default=list)
    #: the county's rules it used (``models.rules.RuleSet``); None for assessments made before
    #: the rules were dated data
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_sets.id"), index=True)

    household: Mapped[Household] = relationship()


# -- rows to facts ------------------------------------------------------------------------


def member_facts(member: Member, today: dt.date) -> MemberFacts:
    disability = None
    if member.disability_kind and member.disability_grade:
        disability = Disability(DisabilityKind(member.disability_kind), member.disability_grade)
    return MemberFacts(
        age=member.age_on(today),
        groups=frozenset(TargetGroup(g) for g in member.groups),
        illness=IllnessKind(member.illness),
        disability=disability,
        self_care=SelfCare(member.self_care),
        schooling=SchoolingStage(member.schooling),
        labour=LabourStatus(member.labour),
    )


def household_facts(household: Household, today: dt.date) -> HouseholdFacts:
    return HouseholdFacts(
        members=tuple(member_facts(m, today) for m in household.members),
        monthly_income=household.monthly_income,
        monthly_rigid_expenditure=household.monthly_rigid_expenditure,
        dwellings=household.dwellings,
        floor_area=household.floor_area,
        family_structures=frozenset(FamilyStructure(s) for s in household.family_structures or ["nuclear"]),
        has_social_security=household.has_social_security,
        social_activities_per_person_per_month=household.social_activities_per_month,
        youth_problems=frozenset(YouthProblem(p) for p in household.youth_problems or []),
    )


# -- look-ups -------------------------------------------------------------------------------


_WITH_HOUSEHOLD = (joinedload(Member.household),)  # built once: a loader option costs to build


def member_with_household(db: Session, member_id: int) -> Member | None:
    """A member and their household, in one query (or none, when the session holds the member already)."""
    return db.get(Member, member_id, options=_WITH_HOUSEHOLD)


def find_member_by_id_number(db: Session, cipher: DataCipher, id_number: str) -> Member | None:
    return db.scalar(select(Member).where(Member.id_number_hash == cipher.blind_index(id_number)))


def find_members_by_phone(db: Session, cipher: DataCipher, phone: str) -> list[Member]:
    return list(db.scalars(select(Member).where(Member.phone_hash == cipher.blind_index(phone))))


def latest_assessment(db: Session, household_id: int) -> Assessment | None:
    return db.scalar(select(Assessment).where(Assessment.household_id == household_id).order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1))


def mask_name(name: str) -> str:
    """王桂英 → 王**; for notices to people who need less than the full name."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_address(address: str) -> str:
    """Keep the village part, hide the house: 衡山镇城北村3组12号 → 衡山镇城北村***."""
    for marker in ("村", "社区", "居委会"):
        at = address.find(marker)
        if at >= 0:
            return address[: at + len(marker)] + "***"
    return address[:4] + "***"


def birth_date_of(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def new_member(db: Session, cipher: DataCipher, household: Household, *, name: str, id_number: str, phone: str | None = None, **facts) -> Member:
    """Add a member with their identifying fields encrypted and blind-indexed."""
    member = Member(
        household=household,
        name=name,
        id_number_enc=cipher.encrypt(id_number),
        id_number_hash=cipher.blind_index(id_number),
        phone_enc=cipher.encrypt(phone) if phone else None,
        phone_hash=cipher.blind_index(phone) if phone else None,
        birth_date=birth_date_of(id_number),
        **facts,
    )
    db.add(member)
    return member


def record_assessment(db: Session, household: Household, assessor: str, now: dt.datetime, today: dt.date, thresholds, catalogue):
    """Assess the household as it is recorded now and store the result (the needs ledger's row),
    with the rule set of ``thresholds``."""
    outcome = assess(household_facts(household, today), thresholds, catalogue)
    db.add(Assessment(household_id=household.id, assessed_at=now, assessor=assessor, result=outcome.to_dict(),
                      distressed_count=outcome.distressed_count, level=outcome.level.value, suggested_services=list(outcome.suggested_services),
                      rule_set_id=rule_set_id(db, thresholds, now)))
    return outcome


def village_households(db: Session, village_id: int) -> list[Household]:
    return list(db.scalars(select(Household).where(Household.village_id == village_id).order_by(Household.head_name)))
