"""一户一档: one household's file, masked; unmasked once, for this page only, with a reason
that goes to the audit trail."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.common import ctx, db, not_found, now, viewer
from models.audit import Channel, record
from reports.household_file import household_file, household_town
from reports.supervision import find_household

MIN_REASON = 4


def _visible(household_id: int) -> None:
    town_id = household_town(db(), household_id)
    if town_id is None or not viewer().may_see_town(town_id):
        not_found()


@bp.get("/admin/households")
def find():
    number = request.args.get("no", "").strip()
    household_id = find_household(db(), number, viewer().scope()) if number else None
    if household_id is None:
        return render_template("admin/error.html", title="没有找到", message=f"您的管辖范围内没有户编号为“{number}”的家庭。" if number else "请输入户编号。"), 404
    return redirect(url_for("admin.household", household_id=household_id))


@bp.get("/admin/households/<int:household_id>")
def household(household_id: int):
    _visible(household_id)
    file = household_file(db(), ctx().cipher, household_id, now())
    return render_template("admin/household.html", file=file, error=None)


@bp.post("/admin/households/<int:household_id>/unmask")
def unmask(household_id: int):
    """Show names, address and phones once; the reason is recorded first."""
    _visible(household_id)
    reason = request.form.get("reason", "").strip()[:200]
    if len(reason) < MIN_REASON:
        file = household_file(db(), ctx().cipher, household_id, now())
        return render_template("admin/household.html", file=file, error=f"请写明查看完整信息的理由（至少{MIN_REASON}个字），会记入留痕。"), 400
    me = viewer()
    record(db(), "household", household_id, "unmasked", me.actor, Channel.WEB, now(), reason=reason)
    db().commit()
    file = household_file(db(), ctx().cipher, household_id, now(), unmasked=True)
    return render_template("admin/household.html", file=file, error=None)
