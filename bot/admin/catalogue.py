"""服务清单: everyone reads it; the county edits items (name, description, eligibility as JSON,
providers, unit cost, active) and adds new ones. Each save is audited (``models.catalogue.edit``)."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.common import county_only, db, not_found, now, viewer
from models.catalogue.catalogue import ServiceItem
from models.catalogue.edit import EditError, ItemForm, add_item, all_items, parse_eligibility, parse_providers, parse_unit_cost, update_item
from policy.catalogue import Category, Eligibility


def _audience(item: ServiceItem) -> str:
    eligibility = item.definition.get("eligibility", {})
    return eligibility.get("audience") or ("所有救助对象" if eligibility == Eligibility.everyone().to_dict() else "按条件")


def _form() -> ItemForm:
    return ItemForm(
        name=request.form.get("name", ""),
        description=request.form.get("description", ""),
        eligibility=parse_eligibility(request.form.get("eligibility", "")),
        providers=parse_providers(request.form.get("providers", "")),
        unit_cost=parse_unit_cost(request.form.get("unit_cost", "")),
        active=request.form.get("active") == "on",
    )


def _fields(item: ServiceItem | None) -> dict:
    """The form's values: what was posted, else the stored item."""
    if request.method == "POST":
        return {k: request.form.get(k, "") for k in ("code", "category", "name", "description", "eligibility", "providers", "unit_cost")} | {"active": request.form.get("active") == "on"}
    if item is None:
        return {"code": "", "category": "living", "name": "", "description": "", "eligibility": json.dumps(Eligibility.everyone().to_dict(), ensure_ascii=False, indent=2),
                "providers": "", "unit_cost": "", "active": True}
    return {
        "code": item.code, "category": item.category, "name": item.name, "description": item.description,
        "eligibility": json.dumps(item.definition.get("eligibility", {}), ensure_ascii=False, indent=2),
        "providers": "、".join(item.definition.get("providers", [])), "unit_cost": "" if item.unit_cost is None else str(item.unit_cost), "active": item.active,
    }


@bp.get("/admin/catalogue")
def catalogue():
    categories = {c.value: c.label for c in Category}
    return render_template("admin/catalogue.html", items=all_items(db()), categories=categories, audience=_audience)


@bp.route("/admin/catalogue/<code>", methods=["GET", "POST"])
@county_only
def item(code: str):
    found = db().get(ServiceItem, code)
    if found is None:
        not_found()
    error = None
    if request.method == "POST":
        try:
            changed = update_item(db(), code, _form(), viewer().staff_id, now())
            db().commit()
            flash(f"已保存“{found.name}”。" if changed else "没有改动。")
            return redirect(url_for("admin.catalogue"))
        except EditError as exc:
            db().rollback()
            error = str(exc)
    return render_template("admin/item.html", item=found, fields=_fields(found), error=error, categories={c.value: c.label for c in Category}), 400 if error else 200


@bp.route("/admin/catalogue/new", methods=["GET", "POST"])
@county_only
def new_item():
    error = None
    if request.method == "POST":
        try:
            created = add_item(db(), request.form.get("code", ""), request.form.get("category", ""), _form(), viewer().staff_id, now())
            db().commit()
            flash(f"已新增“{created.name}”。")
            return redirect(url_for("admin.catalogue"))
        except EditError as exc:
            db().rollback()
            error = str(exc)
    return render_template("admin/item.html", item=None, fields=_fields(None), error=error, categories={c.value: c.label for c in Category}), 400 if error else 200
