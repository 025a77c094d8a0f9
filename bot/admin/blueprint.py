"""The back office's one blueprint: ``/login``, ``/logout`` and everything under ``/admin/``.

The view modules (``auth``, ``overview``, ``households``, ``catalogue``, ``providers``,
``ledgers``, ``budget``, ``audit``) add their routes to ``bp``; ``bot.admin`` imports them all.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask.sessions import SecureCookieSessionInterface

bp = Blueprint("admin", __name__, template_folder="templates", static_folder="static", static_url_path="/admin/static")

SESSION_HOURS = 8
"""A log-in lasts a working day."""


@bp.record_once
def _configure(state) -> None:
    """Sessions signed with ``SECRET_KEY``; cookies HttpOnly, SameSite=Lax, Secure in production."""
    app = state.app
    settings = app.config["JZT_SETTINGS"]
    app.secret_key = settings.secret_key
    app.session_interface = BackOfficeSessions()
    app.config.update(
        SESSION_COOKIE_NAME="jzt_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
    )


class BackOfficeSessions(SecureCookieSessionInterface):
    """Cookie sessions for the back office only: WeChat's deliveries carry no cookie, and the
    webhook, the busiest path, should not pay for opening one."""

    def open_session(self, app, request):
        if request.path == "/wechat":  # the URL, not the blueprint: Flask opens the session before routing
            return None  # Flask uses a null session (nothing read, nothing written)
        return super().open_session(app, request)
