"""The county edits the service catalogue: names, descriptions, eligibility (as data), unit cost,
active. ``ServiceItem.definition`` (what the rules read) is rewritten together with the columns,
so the rules see an edit at once, and the bot's dialogues within ``models.catalogue.catalogue.RECENT_SECONDS``
(at once in the process that saved it). Every change is audited with what changed.

Audit entries of an item use the subject ``item`` and the item's ``position`` as the id (the
audit trail keys records by number; the item's code is in the detail).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import Channel, record
from models.catalogue.catalogue import ServiceItem
from policy.catalogue import Category, CatalogueItem, Eligibility

MAX_UNIT_COST = Decimal("100000")


class EditError(ValueError):
    """The form cannot be saved (the message says why, in Chinese)."""


@dataclass(frozen=True)
class ItemForm:
    name: str
    description: str
    eligibility: dict
    providers: tuple[str, ...]
    unit_cost: Decimal | None
    active: bool


def all_items(db: Session) -> list[ServiceItem]:
    """Every item, active or not, in the catalogue's order."""
    return list(db.scalars(select(ServiceItem).order_by(ServiceItem.position)))


def parse_eligibility(text: str) -> dict:
    """The eligibility JSON as typed by the county, checked against the rules' own reader."""
    try:
        data = json.loads(text)
        return Eligibility.from_dict(data).to_dict()
    except (ValueError, KeyError, TypeError) as exc:
        raise EditError(f"服务对象条件格式不对：{exc}") from None


def parse_unit_cost(text: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise EditError("单价请填数字（元），不购买的项目留空。") from None
    if value < 0 or value > MAX_UNIT_COST:
        raise EditError(f"单价应在0到{MAX_UNIT_COST}元之间。")
    return value


def parse_providers(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip())


def _definition(code: str, category: str, form: ItemForm) -> dict:
    if not form.name.strip() or len(form.name.strip()) > 32:
        raise EditError("项目名称不能为空，最长32个字。")
    item = CatalogueItem(code, Category(category), form.name.strip(), form.description.strip(), Eligibility.from_dict(form.eligibility), form.providers)
    return item.to_dict()


def update_item(db: Session, code: str, form: ItemForm, staff_id: int, now: dt.datetime) -> list[str]:
    """Save the form; returns the names of the fields that changed (audited)."""
    item = db.get(ServiceItem, code)
    if item is None:
        raise EditError("没有这个服务项目。")
    definition = _definition(code, item.category, form)
    before = {"name": item.name, "description": item.description, "eligibility": item.definition.get("eligibility"), "providers": item.definition.get("providers"),
              "unit_cost": None if item.unit_cost is None else str(item.unit_cost), "active": item.active}
    after = {"name": definition["name"], "description": definition["description"], "eligibility": definition["eligibility"], "providers": definition["providers"],
             "unit_cost": None if form.unit_cost is None else str(form.unit_cost), "active": form.active}
    changed = [k for k in after if after[k] != before[k]]
    if not changed:
        return []
    item.name, item.description, item.definition = definition["name"], definition["description"], definition
    item.unit_cost, item.active = form.unit_cost, form.active
    record(db, "item", item.position, "updated", f"staff:{staff_id}", Channel.WEB, now, code=code,
           changes={k: {"from": before[k], "to": after[k]} for k in changed if k not in ("description", "eligibility")} | {k: "changed" for k in changed if k in ("description", "eligibility")})
    return changed


def add_item(db: Session, code: str, category: str, form: ItemForm, staff_id: int, now: dt.datetime) -> ServiceItem:
    code = code.strip().lower()
    if not code.replace("_", "").isalnum() or not code.isascii() or len(code) > 32 or code == "new":
        raise EditError("项目代码用英文字母、数字和下划线，最长32个字符。")
    if db.get(ServiceItem, code) is not None:
        raise EditError(f"项目代码“{code}”已存在。")
    try:
        category = Category(category).value
    except ValueError:
        raise EditError("请选择服务类别。") from None
    definition = _definition(code, category, form)
    position = (db.scalar(select(func.max(ServiceItem.position))) or 0) + 1
    item = ServiceItem(code=code, category=category, name=definition["name"], description=definition["description"], definition=definition,
                       unit_cost=form.unit_cost, active=form.active, position=position)
    db.add(item)
    db.flush()
    record(db, "item", position, "created", f"staff:{staff_id}", Channel.WEB, now, code=code, name=item.name, unit_cost=None if form.unit_cost is None else str(form.unit_cost))
    return item
