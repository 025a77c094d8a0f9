"""预算: the year's social-assistance funds (the county enters them), the 1 % cap, and what was
bought (completed requests of priced catalogue items) by item and by town. There is no form
to enter a purchase: purchases only come from catalogue requests."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for

from bot.admin import charts
from bot.admin.blueprint import bp
from bot.admin.common import arg_int, county_only, db, now, today, viewer
from models.budget import BudgetYear, report, set_funds
from policy.budget import WARN_RATIO

MAX_FUNDS = Decimal("100000000000")


def _page(year: int, error: str | None = None, status: int = 200):
    me = viewer()
    result = report(db(), year, me.scope())
    share = None if result.state.share is None else float(result.state.share) * 100
    gauge = charts.cap_gauge("chart-budget", f"{year}年服务类救助采购占上限比例", share, float(WARN_RATIO) * 100)
    return render_template("admin/budget.html", year=year, report=result, share=share, gauge=gauge, row=db().get(BudgetYear, year), error=error), status


@bp.get("/admin/budget")
def budget():
    return _page(arg_int("year", today().year))


@bp.post("/admin/budget")
@county_only
def set_budget():
    year = arg_int("year", today().year)
    try:
        funds = Decimal(request.form.get("funds", "").replace(",", "").strip()).quantize(Decimal("0.01"))
    except InvalidOperation:
        return _page(year, "请填写资金总额（元），只填数字。", 400)
    if not 0 < funds < MAX_FUNDS or not 2000 <= year <= 2100:
        return _page(year, "资金总额应大于0。", 400)
    set_funds(db(), year, funds, viewer().staff_id, now(), request.form.get("note", "").strip()[:200] or None)
    db().commit()
    flash(f"已录入{year}年社会救助资金{funds}元。")
    return redirect(url_for("admin.budget", year=year))
