"""Providers (供给主体): organisations or individuals, the items they offer, where, how many a day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.areas import Village
from db.base import Base, IdPk

provider_items = Table(
    "provider_items",
    Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("item_code", ForeignKey("service_items.code"), primary_key=True),
)

provider_villages = Table(
    "provider_villages",
    Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("village_id", ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="organisation")  # or "person"
    contact_name: Mapped[str | None] = mapped_column(String(32))
    contact_phone_enc: Mapped[str | None] = mapped_column(String(256))
    #: the WeChat user who accepts orders for this provider (bound by invite)
    openid: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    daily_capacity: Mapped[int] = mapped_column(default=10)
    last_assigned_at: Mapped[dt.datetime | None]

    villages: Mapped[list[Village]] = relationship(secondary=provider_villages)
    item_rows = relationship("ServiceItem", secondary=provider_items)

    @property
    def item_codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.item_rows)


def providers_for(db, item_code: str, village_id: int) -> list[Provider]:
    """Active providers offering the item in the village, by name (for choosing by hand)."""
    query = (
        select(Provider)
        .join(provider_items, provider_items.c.provider_id == Provider.id)
        .join(provider_villages, provider_villages.c.provider_id == Provider.id)
        .where(provider_items.c.item_code == item_code, provider_villages.c.village_id == village_id, Provider.active.is_(True))
        .order_by(Provider.name)
    )
    return list(db.scalars(query))


def provider_names(db, provider_ids: list[int]) -> dict[int, str]:
    """{id: name} of the given providers, in one query."""
    if not provider_ids:
        return {}
    return dict(db.execute(select(Provider.id, Provider.name).where(Provider.id.in_(provider_ids))).all())
