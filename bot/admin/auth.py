"""Log-in and log-out. Failures are counted in the database; 5 in a row lock the account for
15 minutes (``models.staff.web_accounts``)."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for

from bot.admin import csrf
from bot.admin.blueprint import bp
from bot.admin.common import db, now
from models.calendar import local
from models.staff.web_accounts import LOCK_MINUTES, MAX_FAILURES, LoginOutcome, authenticate

WRONG = "用户名或密码不正确。"
LOCKED = "连续输错{n}次密码，账户已锁定{minutes}分钟，请在{until}以后再试。忘记密码请联系县民政局。"
INACTIVE = "这个账户已停用，请联系县民政局。"


def _safe_next(target: str | None) -> str:
    """Only back into the back office (no open redirect)."""
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("admin.overview")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        csrf.token()
        return render_template("admin/login.html", error=None, next=request.args.get("next", ""), username="")
    username = request.form.get("username", "")[:64]
    result = authenticate(db(), username, request.form.get("password", ""), now())
    db().commit()
    if result.outcome is LoginOutcome.OK:
        session.clear()
        session["account_id"] = result.account_id
        session.permanent = True
        csrf.renew()
        return redirect(_safe_next(request.form.get("next")))
    error = {
        LoginOutcome.WRONG: WRONG,
        LoginOutcome.INACTIVE: INACTIVE,
        LoginOutcome.LOCKED: LOCKED.format(n=MAX_FAILURES, minutes=LOCK_MINUTES, until=local(result.locked_until).strftime("%H:%M") if result.locked_until else ""),
    }[result.outcome]
    return render_template("admin/login.html", error=error, next=request.form.get("next", ""), username=username), 401 if result.outcome is LoginOutcome.WRONG else 403


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("admin.login"))
