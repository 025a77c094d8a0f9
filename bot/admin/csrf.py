"""CSRF protection: a random token per session, required on every POST of the back office
(form field ``csrf_token`` or header ``X-CSRF-Token``), compared in constant time."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def token() -> str:
    """This session's token (made on first use); templates put it in every form."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def renew() -> str:
    """A fresh token, after log-in (the old session's token is not carried over)."""
    session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check() -> None:
    """Refuse a POST without the session's token (400)."""
    if request.method != "POST":
        return
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="页面已过期或来源不明，请刷新页面后重试。")
