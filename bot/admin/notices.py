"""未送达通知: notices WeChat could not carry (outside the window with no template or subscription,
or refused), for the area's staff to follow up by phone. Read only; the town sees its own."""

from __future__ import annotations

from flask import render_template

from bot.admin.blueprint import bp
from bot.admin.common import ctx, db, viewer
from models.undelivered import for_town


@bp.get("/admin/notices")
def undelivered_notices():
    cipher = ctx().cipher
    rows = [(m, cipher.decrypt(m.body_enc)) for m in for_town(db(), viewer().scope())]
    return render_template("admin/notices.html", rows=rows)
