"""Staff and their roles and areas: who sees what, and who is told."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.areas import Town, Village
from db.base import Base, IdPk, Timestamp


class Role(str, Enum):
    VOLUNTEER = "volunteer"  # 红马夹志愿者
    ASSISTANT = "assistant"  # 社会救助协理员
    SECRETARY = "secretary"  # 村（社区）书记
    SOCIAL_WORKER = "social_worker"  # 社工
    TOWN_A = "town_a"  # 乡镇 A 岗
    TOWN_B = "town_b"  # 乡镇 B 岗
    COUNTY = "county"  # 县民政局
    PROVIDER = "provider"  # 供给主体的接单人

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.VOLUNTEER: "红马夹志愿者",
    Role.ASSISTANT: "社会救助协理员",
    Role.SECRETARY: "村（社区）书记",
    Role.SOCIAL_WORKER: "社工",
    Role.TOWN_A: "乡镇A岗",
    Role.TOWN_B: "乡镇B岗",
    Role.COUNTY: "县民政局",
    Role.PROVIDER: "服务机构接单人",
}

VILLAGE_ROLES = {Role.VOLUNTEER, Role.ASSISTANT, Role.SECRETARY}


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    town: Mapped[Town | None] = relationship()
    village: Mapped[Village | None] = relationship()


def staff_by_openid(db: Session, openid: str) -> Staff | None:
    return db.scalar(select(Staff).where(Staff.openid == openid, Staff.active.is_(True)))


def village_staff(db: Session, village_id: int, roles: set[Role] | None = None) -> list[Staff]:
    roles = roles or {Role.SECRETARY, Role.ASSISTANT}
    return list(db.scalars(select(Staff).where(Staff.village_id == village_id, Staff.role.in_([r.value for r in roles]), Staff.active.is_(True)).order_by(Staff.id)))


def town_staff(db: Session, town_id: int, roles: set[Role]) -> list[Staff]:
    return list(db.scalars(select(Staff).where(Staff.town_id == town_id, Staff.village_id.is_(None), Staff.role.in_([r.value for r in roles]), Staff.active.is_(True)).order_by(Staff.id)))


def responsible_openids(db: Session, village_id: int | None) -> list[str]:
    """Who is told about a user's emergency, handover or lead: the village's secretary and
    协理员; with no village (or nobody bound there), the town's A/B posts; else the county."""
    people: list[Staff] = []
    if village_id is not None:
        people = village_staff(db, village_id)
        if not people:
            village = db.get(Village, village_id)
            people = town_staff(db, village.town_id, {Role.TOWN_A, Role.TOWN_B}) if village else []
    if not people:
        people = list(db.scalars(select(Staff).where(Staff.role == Role.COUNTY.value, Staff.active.is_(True))))
    return [p.openid for p in people if p.openid]
