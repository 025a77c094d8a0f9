"""总览: the county by town (or one town by village), with charts; a village's households."""

from __future__ import annotations

from flask import render_template, request, url_for

from bot.admin import charts
from bot.admin.blueprint import bp
from bot.admin.common import arg_int, db, not_found, now, period_arg, town_choices, viewer
from reports import supervision
from models.areas import Town
from reports.service_ledger import SHORT_STATUS

LEVEL_SERIES = (("高度困境", "#c62828"), ("中度困境", "#f9a825"), ("低度困境", "#2e7d32"), ("未评估", "#bdbdbd"))
LEVEL_LABELS = {"high": "高", "medium": "中", "low": "低", None: "未评估", "none": "未评估"}
STATUS_COLOURS = ("#1565c0", "#42a5f5", "#26a69a", "#66bb6a", "#ef6c00", "#8e24aa")
OPEN_STATUSES = supervision.OPEN_STATUSES


def _charts(data: supervision.Overview) -> dict:
    rows = data.rows
    levels = [(r.name, [r.levels[k] for k in supervision.LEVELS]) for r in rows]
    statuses = [(r.name, [r.open_requests[s] for s in OPEN_STATUSES]) for r in rows]
    status_series = [(SHORT_STATUS[s], colour) for s, colour in zip(OPEN_STATUSES, STATUS_COLOURS)]
    return {
        "levels": charts.stacked_bars("chart-levels", "困境程度（户）", levels, LEVEL_SERIES, "户"),
        "requests": charts.stacked_bars("chart-requests", "未办结的服务请求（件）", statuses, status_series, "件"),
        "visits": charts.percent_bars("chart-visits", "探访按时完成率", [(r.name, r.visit_pct) for r in rows]),
        "deadlines": charts.percent_bars("chart-transfer", "转介按时转办率", [(r.name, r.transfer_pct) for r in rows]),
        "reviews": charts.percent_bars("chart-review", "申请按时审核率", [(r.name, r.review_pct) for r in rows]),
        "satisfaction": charts.percent_bars("chart-satisfaction", "满意率（满意+基本满意）", [(r.name, r.satisfaction_pct) for r in rows], good=95.0, fair=85.0),
    }


def _row_link(data: supervision.Overview, row: supervision.AreaStats, period) -> str:
    if data.town_id is None:
        return url_for("admin.overview", town=row.id, start=period.start.isoformat(), end=period.end.isoformat())
    return url_for("admin.village", village_id=row.id)


@bp.get("/admin/")
def overview():
    me = viewer()
    town_id = me.scope(arg_int("town"))
    if town_id is not None and db().get(Town, town_id) is None:
        not_found()
    period = period_arg()
    data = supervision.overview(db(), now(), period, town_id)
    links = {row.id: _row_link(data, row, period) for row in data.rows}
    return render_template(
        "admin/overview.html", data=data, charts=_charts(data), towns=town_choices(), links=links, period=period,
        statuses=[(s, SHORT_STATUS[s]) for s in OPEN_STATUSES], levels=list(zip(supervision.LEVELS, [name for name, _ in LEVEL_SERIES])),
    )


@bp.get("/admin/villages/<int:village_id>")
def village(village_id: int):
    found = supervision.village_info(db(), village_id)
    if found is None or not viewer().may_see_town(found.town_id):
        not_found()
    level = request_level()
    page = max(arg_int("page", 1) or 1, 1)
    households, total = supervision.village_households(db(), village_id, page=page, level=level)
    pages = max((total + 49) // 50, 1)
    return render_template("admin/village.html", village=found, households=households, total=total, page=page, pages=pages, level=level, level_labels=LEVEL_LABELS)


def request_level() -> str | None:
    value = request.args.get("level") or None
    return value if value in supervision.LEVELS else None
