"""Towns (乡镇) and villages (村/社区), with what the staffing rule needs."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from db.base import Base, IdPk


class Town(Base):
    __tablename__ = "towns"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(32), unique=True)
    villages: Mapped[list["Village"]] = relationship(back_populates="town", order_by="Village.name")


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("town_id", "name", name="uq_villages_town_name"),)

    id: Mapped[IdPk]
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    registered_population: Mapped[int] = mapped_column(default=0)
    long_term_recipients: Mapped[int] = mapped_column(default=0)
    #: the station's phone, given to residents who ask for a person
    station_phone: Mapped[str | None] = mapped_column(String(32))
    town: Mapped[Town] = relationship(back_populates="villages")

    @property
    def full_name(self) -> str:
        return f"{self.town.name}{self.name}"


def get_or_create_town(db: Session, name: str) -> Town:
    town = db.scalar(select(Town).where(Town.name == name))
    if town is None:
        town = Town(name=name)
        db.add(town)
        db.flush()
    return town


def get_or_create_village(db: Session, town: Town, name: str, **fields) -> Village:
    village = db.scalar(select(Village).where(Village.town_id == town.id, Village.name == name))
    if village is None:
        village = Village(town=town, name=name, **fields)
        db.add(village)
        db.flush()
    return village


def find_village(db: Session, town_name: str, village_name: str) -> Village | None:
    return db.scalar(select(Village).join(Town).where(Town.name == town_name, Village.name == village_name))


def villages_by_name(db: Session) -> dict[tuple[str, str], Village]:
    rows = db.scalars(select(Village).join(Town))
    return {(v.town.name, v.name): v for v in rows}


def village_names(db: Session) -> list[tuple[int, str, str]]:
    """(village id, village name, town name) for every village, for choosing by name."""
    rows = db.execute(select(Village.id, Village.name, Town.name).join(Town, Town.id == Village.town_id).order_by(Town.name, Village.name))
    return [tuple(row) for row in rows]
