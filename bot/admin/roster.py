"""名单导入: town and county staff upload the low-income roster (.xlsx or .xls) in the browser.

The upload is checked at once (size, a workbook at all) and stored; a worker imports it
(``workers.roster_import``): all or nothing, or only the valid households, as the uploader
chose. The page follows the import's progress, then lists the row errors and offers the
corrected-file report. Town staff import their own town only and see only its uploads. The
template and the sample are downloaded from here.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import jsonify, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from bot.admin.blueprint import bp
from bot.admin.common import ctx, db, not_found, now, viewer
from roster import write_sample, write_template
from models.roster_uploads import MAX_UPLOAD_BYTES, RosterUpload, UploadError, UploadStatus, receive, recent, report_file
from workers.roster_import import STAGES, enqueue_import, progress_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_OVERHEAD = 1024 * 1024
"""The multipart form around the file."""
TOO_LARGE = f"文件太大：名单文件最大{MAX_UPLOAD_BYTES // 1024 // 1024} MB。请按乡镇分开上传，或删去多余的工作表后再上传。"


@bp.before_app_request
def _allow_roster_files() -> None:
    """The app refuses bodies over a few hundred KB (the webhook's limit); a roster upload may
    be up to ``MAX_UPLOAD_BYTES``. Set before the CSRF check reads the form."""
    if request.endpoint == "admin.upload_roster":
        request.max_content_length = MAX_UPLOAD_BYTES + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    return render_template("admin/error.html", title="文件太大", message=TOO_LARGE, back=url_for("admin.roster")), 413


def _visible(upload_id: int) -> RosterUpload:
    upload = db().get(RosterUpload, upload_id)
    if upload is None or not (viewer().is_county or upload.town_id == viewer().town_id):
        not_found()
    return upload


def _page(error: str | None = None, status: int = 200):
    return render_template("admin/roster.html", uploads=recent(db(), viewer().scope()), error=error, max_mb=MAX_UPLOAD_BYTES // 1024 // 1024,
                           max_bytes=MAX_UPLOAD_BYTES), status


@bp.get("/admin/roster")
def roster():
    return _page()


@bp.post("/admin/roster")
def upload_roster():
    me = viewer()
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _page("请选择名单文件（.xlsx 或 .xls）。", 400)
    content = sent.read(MAX_UPLOAD_BYTES + 1)
    try:
        upload = receive(db(), sent.filename, content, me.town_id, me.staff_id, request.form.get("skip_invalid") == "on", now())
    except UploadError as exc:
        db().rollback()
        return _page(str(exc), 400)
    db().commit()
    enqueue_import(ctx(), upload.id)
    return redirect(url_for("admin.roster_upload", upload_id=upload.id))


@bp.get("/admin/roster/<int:upload_id>")
def roster_upload(upload_id: int):
    upload = _visible(upload_id)
    running = upload.state in (UploadStatus.QUEUED, UploadStatus.RUNNING, UploadStatus.FAILED) and upload.finished_at is None
    return render_template("admin/roster_upload.html", upload=upload, running=running, has_report=upload.state in (UploadStatus.DONE, UploadStatus.REFUSED) and upload.error_count > 0)


@bp.get("/admin/roster/<int:upload_id>/status")
def roster_upload_status(upload_id: int):
    upload = _visible(upload_id)
    progress = progress_of(ctx(), upload_id) or {}
    done, total = progress.get("done", 0), progress.get("total")
    stage = progress.get("stage")
    label = upload.state.label if stage is None or upload.state is not UploadStatus.RUNNING else f"{upload.state.label}：第{progress.get('step')}/{len(STAGES)}步 {stage}"
    finished = upload.state in (UploadStatus.DONE, UploadStatus.REFUSED)
    return jsonify(status=upload.status, label=label, done=done, total=total, download=None,
                   percent=100 if finished else (round(100 * done / total) if total else None))


@bp.get("/admin/roster/<int:upload_id>/report")
def roster_report(upload_id: int):
    upload = _visible(upload_id)
    content = report_file(db(), upload, viewer().staff_id, now())
    if content is None:
        not_found()
    db().commit()
    name = f"{Path(upload.filename).stem}-未导入.xlsx"
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


def _generated(write, name: str):
    with tempfile.TemporaryDirectory() as tmp:
        content = write(Path(tmp) / "roster.xlsx").read_bytes()
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


@bp.get("/admin/roster/template")
def roster_template():
    return _generated(write_template, "低收入人口名单-模板.xlsx")


@bp.get("/admin/roster/sample")
def roster_sample():
    return _generated(write_sample, "低收入人口名单-样例.xlsx")
