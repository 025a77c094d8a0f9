"""服务机构: the county edits providers (items, villages covered, capacity, active); town staff
see the providers that cover their villages. Saves are audited (``models.catalogue.provider_edit``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.common import county_only, db, not_found, now, viewer
from models.catalogue.edit import EditError, all_items
from models.catalogue.provider_edit import KINDS, ProviderForm, providers_covering, save_provider, villages_by_town
from models.catalogue.providers import Provider


def _choices() -> tuple[list, list]:
    return all_items(db()), villages_by_town(db())


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
    return render_template("admin/providers.html", providers=providers_covering(db(), viewer().scope()), kinds=KINDS)


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
