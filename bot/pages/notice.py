"""``/m/oauth`` (WeChat's callback), ``/m/`` (home by role) and ``/m/n/<token>`` (a notice's page:
its full text, for its addressee only, and the way to act on it)."""

from __future__ import annotations

from flask import redirect, render_template, request

from bot.pages import identity
from bot.pages.common import bp, ctx, db, me, my_staff, not_yours, page, polite
from core.links import LinkExpired, LinkInvalid, read_notice_token
from models.messages import OutboundMessage
from models.notice_templates import kind_of
from models.notices import Facts, NoticeKind
from models.staff.staff import Role

STATE_TEXTS = {
    "expired": ("链接已过期", "打开页面的时间太久了。请回到微信，重新点开通知或菜单。"),
    "invalid": ("链接无效", "这个链接不完整或被改动过。请回到微信，重新点开通知或菜单。"),
    "other_browser": ("请在微信里打开", "请回到微信，重新点开通知或菜单。"),
    "replayed": ("链接已经用过了", "为了安全，每个链接只能打开一次。请回到微信，重新点开通知或菜单。"),
}

HOME = {
    Role.PROVIDER: "/m/orders",
    Role.VOLUNTEER: "/m/tasks",
    Role.ASSISTANT: "/m/todo",
    Role.SECRETARY: "/m/todo",
    Role.TOWN_A: "/m/review",
    Role.TOWN_B: "/m/review",
}


@bp.get("/oauth")
def oauth():
    try:
        next_path = identity.read_state(request.args.get("state", ""))
    except identity.StateProblem as problem:
        return polite(*STATE_TEXTS[problem.reason], 400)
    openid = identity.openid_for(request.args.get("code", ""))
    if openid is None:
        return polite("没能确认您的身份", "微信没有确认您的身份。请回到微信，重新点开通知或菜单。", 400)
    response = redirect(next_path)
    identity.start_session(response, openid)
    return response


@bp.get("/")
@page()
def home():
    staff = my_staff()
    return redirect(HOME.get(Role(staff.role), "/m/requests") if staff else "/m/requests")


@bp.get("/n/<token>")
@page()
def notice(token: str):
    settings = ctx().settings
    try:
        outbound_id = read_notice_token(settings.secret_key, token)
    except LinkExpired:
        return polite("通知已过期", "这条通知太久了，页面已关闭。最新的事项请回到微信回复“菜单”查看。", 410)
    except LinkInvalid:
        return polite("找不到", "没有这条通知。回到微信，回复“菜单”。", 404)
    row = db().get(OutboundMessage, outbound_id)
    if row is None:
        return polite("找不到", "没有这条通知。回到微信，回复“菜单”。", 404)
    if row.openid != me().openid:
        return not_yours()
    cipher = ctx().cipher
    facts = Facts.from_json(cipher.decrypt(row.facts_enc)) if row.facts_enc else None
    return render_template("pages/notice.html", title="通知", text=cipher.decrypt(row.body_enc), target=target(kind_of(row.kind), facts))


def target(kind: NoticeKind, facts: Facts | None) -> str:
    """The page where the addressee acts on a notice: theirs by role, the order or request itself
    when the notice names one."""
    staff = my_staff()
    number = facts.number if facts else ""
    if staff is not None and Role(staff.role) is Role.PROVIDER:
        return f"/m/orders/{number}" if number.startswith("FW") else "/m/orders"
    if staff is not None and Role(staff.role) in HOME:
        return HOME[Role(staff.role)]
    return f"/m/requests/{number}" if number.startswith("FW") else "/m/requests"
