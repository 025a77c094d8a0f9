"""留痕查询: the audit trail, filterable, read only (this view has no POST), scoped to the area."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.common import arg_date, arg_int, db, viewer
from reports.audit_trail import CHANNEL_LABELS, PAGE_SIZE, SUBJECT_LABELS, AuditFilter, action_label, search
from models.calendar import day_start, local


def _filter() -> AuditFilter:
    start, end = arg_date("start"), arg_date("end")
    return AuditFilter(
        subject=request.args.get("subject") or None,
        subject_id=arg_int("subject_id"),
        action=request.args.get("action", "").strip() or None,
        actor=request.args.get("actor", "").strip() or None,
        channel=request.args.get("channel") or None,
        start=day_start(start) if start else None,
        end=day_start(end + dt.timedelta(days=1)) if end else None,
    )


@bp.get("/admin/audit")
def audit():
    wanted = _filter()
    entries = search(db(), wanted, viewer().scope(), before_id=arg_int("before"))
    more_url = None
    if len(entries) == PAGE_SIZE:
        more_url = url_for("admin.audit", **{k: v for k, v in request.args.items() if k != "before"}, before=entries[-1].id)
    return render_template(
        "admin/audit.html", entries=entries, wanted=wanted, more_url=more_url, subjects=SUBJECT_LABELS, channels=CHANNEL_LABELS,
        action_label=action_label, local=local, args=request.args,
    )
