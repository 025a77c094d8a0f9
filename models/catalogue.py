"""The service catalogue (服务清单) and policy thresholds as data the county can edit.

Seeded from ``models.policy.catalogue.DEFAULT_CATALOGUE`` and
``models.policy.thresholds.DEFAULT_THRESHOLDS``; the rules always read what is stored.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, Numeric, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import Base
from models.policy.catalogue import DEFAULT_CATALOGUE, Catalogue, CatalogueItem
from models.policy.thresholds import DEFAULT_THRESHOLDS, Thresholds


class ServiceItem(Base):
    __tablename__ = "service_items"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    #: ``CatalogueItem.to_dict()``: eligibility and providers, as the rules read them
    definition: Mapped[dict] = mapped_column(JSON)
    #: price per service, for the budget (yuan); None = not purchased
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(default=0)


class PolicySetting(Base):
    __tablename__ = "policy_settings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)


def seed_catalogue(db: Session, catalogue: Catalogue = DEFAULT_CATALOGUE) -> int:
    """Add the items that are missing; never overwrite what the county has edited."""
    existing = set(db.scalars(select(ServiceItem.code)))
    added = 0
    for position, item in enumerate(catalogue.items):
        if item.code in existing:
            continue
        db.add(ServiceItem(code=item.code, category=item.category.value, name=item.name, description=item.description, definition=item.to_dict(), position=position))
        added += 1
    if db.get(PolicySetting, "thresholds") is None:
        db.add(PolicySetting(key="thresholds", value=DEFAULT_THRESHOLDS.to_dict()))
    db.flush()
    return added


def load_catalogue(db: Session, active_only: bool = True) -> Catalogue:
    query = select(ServiceItem).order_by(ServiceItem.position)
    if active_only:
        query = query.where(ServiceItem.active.is_(True))
    return Catalogue(tuple(CatalogueItem.from_dict(row.definition) for row in db.scalars(query)))


def load_thresholds(db: Session) -> Thresholds:
    row = db.get(PolicySetting, "thresholds")
    return Thresholds.from_dict(row.value) if row else DEFAULT_THRESHOLDS
