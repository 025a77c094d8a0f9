"""The year's social-assistance funds (entered by the county) and the services bought from them.

Purchases are never entered by hand: they are the completed requests of catalogue items that
carry a unit cost, valued at the item's current unit cost. A request can only name a catalogue
item (a foreign key), so nothing outside the catalogue can ever be counted as bought.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.areas import Town, Village
from models.audit import Channel, record
from models.calendar import day_start
from models.catalogue.catalogue import ServiceItem
from db.base import Base
from policy.budget import CAP_RATIO, BudgetState, budget_state
from models.requests.requests import RequestStatus, ServiceRequest


class BudgetYear(Base):
    __tablename__ = "budget_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: the year's social-assistance funds, yuan (central, provincial and county together)
    funds: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    cap_ratio: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=CAP_RATIO)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    entered_at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(String(200))


@dataclass(frozen=True)
class PurchaseLine:
    label: str  # an item's or a town's name
    count: int
    amount: Decimal


@dataclass(frozen=True)
class BudgetReport:
    year: int
    state: BudgetState
    by_item: list[PurchaseLine]
    by_town: list[PurchaseLine]
    unpriced_completed: int
    """Completed requests of items without a unit cost (not purchases)."""


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The county's calendar year in UTC: [1 January 00:00, next 1 January 00:00)."""
    return day_start(dt.date(year, 1, 1)), day_start(dt.date(year + 1, 1, 1))


def set_funds(db: Session, year: int, funds: Decimal, staff_id: int, now: dt.datetime, note: str | None = None) -> BudgetYear:
    if funds <= 0:
        raise ValueError("funds must be positive")
    row = db.get(BudgetYear, year)
    before = None if row is None else str(row.funds)
    if row is None:
        row = BudgetYear(year=year, cap_ratio=CAP_RATIO)
        db.add(row)
    row.funds, row.entered_by, row.entered_at, row.note = funds, staff_id, now, note
    db.flush()
    record(db, "budget", year, "funds_set", f"staff:{staff_id}", Channel.WEB, now, funds=str(funds), before=before, note=note)
    return row


def _completed_in(year: int, town_id: int | None):
    start, end = year_bounds(year)
    query = (
        select(ServiceRequest.item_code, ServiceRequest.village_id)
        .where(ServiceRequest.status == RequestStatus.COMPLETED.value, ServiceRequest.completed_at >= start, ServiceRequest.completed_at < end)
    )
    if town_id is not None:
        query = query.where(ServiceRequest.village_id.in_(select(Village.id).where(Village.town_id == town_id)))
    return query.subquery("completed")


def spent_in(db: Session, year: int, town_id: int | None = None) -> Decimal:
    done = _completed_in(year, town_id)
    total = db.scalar(select(func.sum(ServiceItem.unit_cost)).select_from(done).join(ServiceItem, ServiceItem.code == done.c.item_code).where(ServiceItem.unit_cost.is_not(None)))
    return Decimal(total or 0).quantize(Decimal("0.01"))


def state_of(db: Session, year: int) -> BudgetState:
    """The county's purchases of ``year`` against its cap."""
    row = db.get(BudgetYear, year)
    if row is None:
        return budget_state(None, spent_in(db, year))
    return budget_state(Decimal(row.funds), spent_in(db, year), Decimal(row.cap_ratio))


def report(db: Session, year: int, town_id: int | None = None) -> BudgetReport:
    """The cap, and what was bought by item and by town (one town's part for town staff)."""
    done = _completed_in(year, town_id)
    priced = ServiceItem.unit_cost.is_not(None)
    by_item = db.execute(
        select(ServiceItem.name, func.count(), func.sum(ServiceItem.unit_cost))
        .select_from(done).join(ServiceItem, ServiceItem.code == done.c.item_code)
        .where(priced).group_by(ServiceItem.name, ServiceItem.position).order_by(ServiceItem.position)
    ).all()
    by_town = db.execute(
        select(Town.name, func.count(), func.sum(ServiceItem.unit_cost))
        .select_from(done).join(ServiceItem, ServiceItem.code == done.c.item_code)
        .join(Village, Village.id == done.c.village_id).join(Town, Town.id == Village.town_id)
        .where(priced).group_by(Town.name).order_by(Town.name)
    ).all()
    unpriced = db.scalar(select(func.count()).select_from(done).join(ServiceItem, ServiceItem.code == done.c.item_code).where(~priced))
    return BudgetReport(
        year=year,
        state=state_of(db, year),
        by_item=[PurchaseLine(name, n, Decimal(amount)) for name, n, amount in by_item],
        by_town=[PurchaseLine(name, n, Decimal(amount)) for name, n, amount in by_town],
        unpriced_completed=unpriced or 0,
    )
