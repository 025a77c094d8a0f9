"""What every WeChat page shares: the blueprint, who is looking, their staff record, the
request's database session, polite error pages, security headers, and ``act`` (an action run
as a chat turn runs: one transaction, notices queued after commit)."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, abort, current_app, g, render_template, request
from sqlalchemy.orm import Session

from bot.inbound import Services
from bot.pages import identity
from conversations.inputs import UserInput
from handlers.turn import Turn
from models.notices import when
from models.staff.staff import Role, Staff, staff_by_openid

bp = Blueprint("pages", __name__, url_prefix="/m", template_folder="templates", static_folder="static", static_url_path="/static")

#: the JS-SDK WeChat serves (production); dev and tests load the fake from /dev/jweixin.js
JSSDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"


def ctx():
    return current_app.extensions["jzt.context"]


def db() -> Session:
    if "jzt_page_db" not in g:
        g.jzt_page_db = ctx().Session()
    return g.jzt_page_db


@bp.teardown_app_request
def _close(_exc) -> None:
    session_ = g.pop("jzt_page_db", None)
    if session_ is not None:
        session_.close()


def me() -> identity.Visitor:
    return g.visitor


def my_staff() -> Staff | None:
    if "page_staff" not in g:
        g.page_staff = staff_by_openid(db(), me().openid)
    return g.page_staff


def page(roles: set[Role] | None = None):
    """A page for a WeChat user (silent OAuth first), of one of ``roles`` when given (else 403).
    POSTs need the form token of the user's page session."""

    def wrap(view: Callable):
        @wraps(view)
        def wrapper(*args, **kwargs):
            current = identity.visitor()
            if current is None:
                if request.method != "GET":
                    return polite("页面已过期", "请回到微信，重新点开通知或菜单。", 400)
                return identity.send_to_oauth(request.full_path.rstrip("?"))
            g.visitor = current
            if request.method == "POST" and not identity.check_form(current):
                return polite("页面已过期", "请刷新页面后再点一次。", 400)
            if roles is not None:
                staff = my_staff()
                if staff is None or Role(staff.role) not in roles:
                    return polite("无权查看", "这个页面只对相关工作人员开放。回到微信，回复“菜单”看看您能做什么。", 403)
            return view(*args, **kwargs)

        return wrapper

    return wrap


def polite(title: str, message: str, status: int = 200):
    return render_template("pages/message.html", title=title, message=message), status


def not_yours():
    return polite("不是您的事项", "这一项不是您的，或不在您负责的范围内。回到微信，回复“菜单”看看您能做什么。", 403)


def act(run: Callable[[Turn], str]) -> str:
    """Run ``run(turn)`` exactly as a chat turn runs the same command: one transaction, the
    use case's audit trail, notices queued in it and sent after commit. Returns the reply."""
    c = ctx()
    turn = Turn(openid=me().openid, input=UserInput.typed(""), now=c.clock(), sessions=c.Session, services=Services(c))
    try:
        reply = run(turn)
        if turn.opened_db is not None and turn.opened_db.in_transaction():
            turn.opened_db.commit()
    finally:
        turn.close()
    for callback in turn.after_commit:
        callback()
    return reply


@bp.app_template_global("page_csrf")
def _csrf() -> str:
    current = g.get("visitor")
    return current.csrf_token(ctx().settings.secret_key) if current else ""


@bp.app_template_filter("page_when")
def _when(moment) -> str:
    """12月7日 14:30, in county time."""
    return when(moment) if moment else ""


@bp.after_request
def _headers(response):
    scripts = "'self'" + ("" if ctx().settings.transport != "wechat" else f" {JSSDK_URL.rsplit('/', 3)[0]}")
    response.headers["Content-Security-Policy"] = f"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src {scripts}; connect-src 'self'; frame-ancestors 'self'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(404)
def _missing(_error):
    return polite("找不到", "没有这个页面。回到微信，回复“菜单”。", 404)


def found_or_404(value):
    if value is None:
        abort(404)
    return value
