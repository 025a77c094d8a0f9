"""The county edits providers (供给主体): the catalogue items they offer, the villages they cover,
their daily capacity, whether they take orders. Only catalogue items can be chosen, so no
provider can ever be dispatched (or paid) for something outside the catalogue. Audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.areas import Town, Village
from models.audit import Channel, record
from models.catalogue.catalogue import ServiceItem
from models.catalogue.edit import EditError
from models.catalogue.providers import Provider, provider_villages

KINDS = {"organisation": "机构", "person": "个人"}
MAX_CAPACITY = 1000


@dataclass(frozen=True)
class ProviderForm:
    name: str
    kind: str
    contact_name: str
    daily_capacity: int
    active: bool
    item_codes: frozenset[str]
    village_ids: frozenset[int]


def providers_covering(db: Session, town_id: int | None) -> list[Provider]:
    """Providers covering at least one village of the town (None: all), with items and villages loaded."""
    query = select(Provider).options(selectinload(Provider.villages).selectinload(Village.town), selectinload(Provider.item_rows)).order_by(Provider.name)
    if town_id is not None:
        covering = select(provider_villages.c.provider_id).join(Village, Village.id == provider_villages.c.village_id).where(Village.town_id == town_id)
        query = query.where(Provider.id.in_(covering))
    return list(db.scalars(query))


def villages_by_town(db: Session) -> list[tuple[str, list[Village]]]:
    """Every village under its town's name, for choosing what a provider covers."""
    found: dict[str, list[Village]] = {}
    for village, town in db.execute(select(Village, Town.name).join(Town, Town.id == Village.town_id).order_by(Town.name, Village.name)):
        found.setdefault(town, []).append(village)
    return list(found.items())


def _snapshot(provider: Provider) -> dict:
    return {
        "name": provider.name, "kind": provider.kind, "contact_name": provider.contact_name, "daily_capacity": provider.daily_capacity,
        "active": provider.active, "items": sorted(provider.item_codes), "villages": sorted(v.id for v in provider.villages),
    }


def _check(db: Session, provider_id: int | None, form: ProviderForm) -> tuple[list[ServiceItem], list[Village]]:
    name = form.name.strip()
    if not name or len(name) > 64:
        raise EditError("机构名称不能为空，最长64个字。")
    taken = db.scalar(select(Provider.id).where(Provider.name == name))
    if taken is not None and taken != provider_id:
        raise EditError(f"已有名为“{name}”的服务机构。")
    if form.kind not in KINDS:
        raise EditError("请选择机构或个人。")
    if not 0 <= form.daily_capacity <= MAX_CAPACITY:
        raise EditError(f"每日接单量应在0到{MAX_CAPACITY}之间。")
    items = list(db.scalars(select(ServiceItem).where(ServiceItem.code.in_(form.item_codes))))
    if len(items) != len(form.item_codes):
        raise EditError("只能选择服务清单中的项目。")
    villages = list(db.scalars(select(Village).where(Village.id.in_(form.village_ids))))
    if len(villages) != len(form.village_ids):
        raise EditError("所选村（社区）不存在。")
    return items, villages


def save_provider(db: Session, provider_id: int | None, form: ProviderForm, staff_id: int, now: dt.datetime) -> Provider:
    """Create (``provider_id`` None) or update a provider; audited with what changed."""
    items, villages = _check(db, provider_id, form)
    provider = Provider() if provider_id is None else db.get(Provider, provider_id)
    if provider is None:
        raise EditError("没有这个服务机构。")
    before = None if provider_id is None else _snapshot(provider)
    provider.name, provider.kind, provider.contact_name = form.name.strip(), form.kind, form.contact_name.strip() or None
    provider.daily_capacity, provider.active = form.daily_capacity, form.active
    provider.item_rows, provider.villages = items, villages
    if provider_id is None:
        db.add(provider)
    db.flush()
    after = _snapshot(provider)
    if before is None:
        record(db, "provider", provider.id, "created", f"staff:{staff_id}", Channel.WEB, now, **after)
    elif before != after:
        record(db, "provider", provider.id, "updated", f"staff:{staff_id}", Channel.WEB, now, changes={k: {"from": before[k], "to": after[k]} for k in after if after[k] != before[k]})
    return provider
