"""台账导出: ask for a ledger (kind, town, period, reason), follow its progress, download it.

The request (with its reason) is saved and audited, then a worker builds the file
(``workers.exports``); the page polls ``…/status`` and shows the download link when ready.
"""

from __future__ import annotations

import io

from flask import jsonify, redirect, render_template, request, send_file, url_for

from bot.admin.blueprint import bp
from bot.admin.common import arg_date, arg_int, ctx, db, not_found, now, period_arg, today, town_choices, viewer
from models.areas import Town
from models.ledger_exports import ExportError, ExportKind, ExportStatus, LedgerExport, download, recent_exports, request_export
from workers.exports import enqueue_export, progress_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible(export_id: int) -> LedgerExport:
    export = db().get(LedgerExport, export_id)
    if export is None or not (viewer().is_county or export.town_id == viewer().town_id):
        not_found()
    return export


def _page(error: str | None = None, status: int = 200):
    return render_template(
        "admin/ledgers.html", kinds=list(ExportKind), towns=town_choices(), exports=recent_exports(db(), viewer().scope()),
        period=period_arg(), error=error, form=request.form, town_names=dict(town_choices()),
    ), status


@bp.get("/admin/ledgers")
def ledgers():
    return _page()


@bp.post("/admin/ledgers")
def ask_for_ledger():
    me = viewer()
    try:
        kind = ExportKind(request.form.get("kind", ""))
    except ValueError:
        return _page("请选择台账类型。", 400)
    town_id = me.scope(arg_int("town"))
    town = db().get(Town, town_id) if town_id is not None else None
    if town_id is not None and town is None:
        return _page("没有这个乡镇。", 400)
    try:
        export = request_export(db(), kind, town_id, town.name if town else "全县", arg_date("start"), arg_date("end"), request.form.get("reason", ""), me.staff_id, now(), today())
    except ExportError as exc:
        db().rollback()
        return _page(str(exc), 400)
    db().commit()
    enqueue_export(ctx(), export.id)
    return redirect(url_for("admin.ledger", export_id=export.id))


@bp.get("/admin/ledgers/<int:export_id>")
def ledger(export_id: int):
    export = _visible(export_id)
    return render_template("admin/ledger.html", export=export, town_names=dict(town_choices()))


@bp.get("/admin/ledgers/<int:export_id>/status")
def ledger_status(export_id: int):
    export = _visible(export_id)
    progress = progress_of(ctx(), export_id)
    done, total = progress if progress else (export.rows or 0, export.rows)
    return jsonify(
        status=export.status, label=export.state.label, done=done, total=total, rows=export.rows,
        percent=100 if export.state is ExportStatus.DONE else (round(100 * done / total) if total else None),
        download=url_for("admin.ledger_file", export_id=export_id) if export.state is ExportStatus.DONE else None,
    )


@bp.get("/admin/ledgers/<int:export_id>/download")
def ledger_file(export_id: int):
    export = _visible(export_id)
    content = download(db(), export, viewer().staff_id, now())
    if content is None:
        not_found()
    db().commit()
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=export.filename, max_age=0)
