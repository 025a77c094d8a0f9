"""服务机构: the county edits providers (items, villages covered, capacity, active); town staff
see the providers that cover their villages. Saves are audited (``models.provider_edit``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.admin.blueprint import bp
from bot.admin.common import county_only, db, not_found, now, viewer
from models.areas import Town, Village
from models.catalogue import ServiceItem
from models.catalogue_edit import EditError
from models.provider_edit import KINDS, ProviderForm, save_provider
from models.providers import Provider, provider_villages


def _providers(town_id: int | None) -> list[Provider]:
    query = select(Provider).options(selectinload(Provider.villages).selectinload(Village.town), selectinload(Provider.item_rows)).order_by(Provider.name)
    if town_id is not None:
        covering = select(provider_villages.c.provider_id).join(Village, Village.id == provider_villages.c.village_id).where(Village.town_id == town_id)
        query = query.where(Provider.id.in_(covering))
    return list(db().scalars(query))


def _choices() -> tuple[list[ServiceItem], list[tuple[str, list[Village]]]]:
    items = list(db().scalars(select(ServiceItem).order_by(ServiceItem.position)))
    villages: dict[str, list[Village]] = {}
    for village, town in db().execute(select(Village, Town.name).join(Town, Town.id == Village.town_id).order_by(Town.name, Village.name)):
        villages.setdefault(town, []).append(village)
    return items, list(villages.items())


def _form() -> ProviderForm:
    try:
        capacity = int(request.form.get("daily_capacity", "").strip())
    except ValueError:
        raise EditError("每日接单量请填整数。") from None
    return ProviderForm(
        name=request.form.get("name", ""),
        kind=request.form.get("kind", ""),
        contact_name=request.form.get("contact_name", ""),
        daily_capacity=capacity,
        active=request.form.get("active") == "on",
        item_codes=frozenset(request.form.getlist("items")),
        village_ids=frozenset(int(v) for v in request.form.getlist("villages") if v.isdigit()),
    )


def _selected(provider: Provider | None) -> tuple[set[str], set[int]]:
    if request.method == "POST":
        return set(request.form.getlist("items")), {int(v) for v in request.form.getlist("villages") if v.isdigit()}
    if provider is None:
        return set(), set()
    return set(provider.item_codes), {v.id for v in provider.villages}


@bp.get("/admin/providers")
def providers():
    return render_template("admin/providers.html", providers=_providers(viewer().scope()), kinds=KINDS)


def _edit(provider: Provider | None):
    error = None
    if request.method == "POST":
        try:
            saved = save_provider(db(), provider.id if provider else None, _form(), viewer().staff_id, now())
            db().commit()
            flash(f"已保存“{saved.name}”。")
            return redirect(url_for("admin.providers"))
        except EditError as exc:
            db().rollback()
            error = str(exc)
    items, villages = _choices()
    chosen_items, chosen_villages = _selected(provider)
    return render_template(
        "admin/provider.html", provider=provider, items=items, villages=villages, chosen_items=chosen_items, chosen_villages=chosen_villages,
        kinds=KINDS, error=error, form=request.form if request.method == "POST" else None,
    ), 400 if error else 200


@bp.route("/admin/providers/<int:provider_id>", methods=["GET", "POST"])
@county_only
def provider(provider_id: int):
    found = db().get(Provider, provider_id)
    if found is None:
        not_found()
    return _edit(found)


@bp.route("/admin/providers/new", methods=["GET", "POST"])
@county_only
def new_provider():
    return _edit(None)
