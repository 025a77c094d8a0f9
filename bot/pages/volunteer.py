"""A 红马夹 volunteer's tasks (任务): 接受 / 不去 run the chat commands' own code
(``handlers.volunteer``); 签到 takes the phone's position through the JS-SDK (``wx.getLocation``,
the page signed with the shared ``jsapi_ticket``) and checks in as the chat's 签到 does. A position
outside the county is refused. Without JavaScript the page says to send the position in chat."""

from __future__ import annotations

import math
import secrets

from flask import render_template, request, url_for

from bot.pages.common import JSSDK_URL, act, bp, ctx, db, my_staff, not_yours, page
from bot.pages.village import my_staff_in
from conversations.flows.visit import CHECKED_IN, FAR, NEAR, NO_DISTANCE
from core.wechat_api import JsapiTickets, jsapi_signature
from handlers import volunteer as chat
from models.households.households import mask_address, mask_name
from models.staff.staff import Role
from models.visits.visits import FAR_METRES, Visit, VisitStatus, check_in, volunteer_visits
from policy.geo import in_county

VOLUNTEER_ROLES = {Role.VOLUNTEER, Role.ASSISTANT}
OUTSIDE = "定位不在霍山县内（纬度{lat:.4f}，经度{lng:.4f}），没有签到。请到居民家后再点“签到”，或在聊天里发送位置。"
NO_POSITION = "没有收到手机的定位，没有签到。请允许微信使用位置后再点一次，或在聊天里回复“签到”并发送位置。"


@bp.get("/tasks")
@page(VOLUNTEER_ROLES)
def tasks():
    return _render()


@bp.post("/tasks/<int:visit_id>")
@page(VOLUNTEER_ROLES)
def task(visit_id: int):
    visit = db().get(Visit, visit_id)
    if visit is None or visit.staff_id != my_staff().id:
        return not_yours()
    action = request.form.get("action", "")
    if action == "accept":
        return _render(act(lambda turn: chat._accept(turn, turn.db.get(Visit, visit_id), my_staff_in(turn).id)))
    if action == "decline":
        return _render(act(lambda turn: chat._decline(turn, turn.db.get(Visit, visit_id), my_staff_in(turn).id)))
    if action == "checkin":
        return _check_in(visit_id)
    return not_yours()


def _check_in(visit_id: int):
    lat, lng = _number("lat"), _number("lng")
    if lat is None or lng is None:
        return _render(NO_POSITION, 400)
    if not in_county(lat, lng):
        return _render(OUTSIDE.format(lat=lat, lng=lng), 400)

    def run(turn) -> str:
        visit = turn.db.get(Visit, visit_id)
        if not check_in(turn.db, visit, my_staff_in(turn).id, lat, lng, turn.now):
            return chat.NOT_YOURS.format(id=visit_id)
        if visit.distance_m is None:
            distance = NO_DISTANCE
        elif visit.far:
            distance = FAR.format(metres=visit.distance_m, limit=FAR_METRES)
        else:
            distance = NEAR.format(metres=visit.distance_m)
        return CHECKED_IN.format(who=visit.member.name, distance=distance)

    return _render(act(run))


def _number(name: str) -> float | None:
    try:
        value = float(request.form.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _rows():
    cipher = ctx().cipher
    rows = []
    for visit in volunteer_visits(db(), my_staff().id):
        accepted = visit.status != VisitStatus.DUE.value
        address = cipher.decrypt(visit.member.household.address_enc)
        rows.append({"visit": visit, "who": visit.member.name if accepted else mask_name(visit.member.name), "address": address if accepted else mask_address(address),
                     "urgent": visit.kind == "urgent", "checked_in": visit.status == VisitStatus.CHECKED_IN.value})
    return rows


def _render(said: str | None = None, status: int = 200):
    db().expire_all()
    return render_template("pages/tasks.html", title="探访任务", rows=_rows(), said=said, jssdk=_jssdk()), status


def _jssdk() -> dict:
    """wx.config for this page: the shared ticket, a nonce, the time and the page's signature."""
    c = ctx()
    settings = c.settings
    url = settings.public_url.rstrip("/") + request.full_path.rstrip("?")
    ticket = JsapiTickets(c.redis, c.account.get_ticket).get()
    nonce, timestamp = secrets.token_hex(8), int(c.clock().timestamp())
    script = JSSDK_URL if settings.transport == "wechat" else url_for("dev.jweixin")
    return {"app_id": settings.wechat_app_id, "timestamp": timestamp, "nonce": nonce, "signature": jsapi_signature(ticket, nonce, timestamp, url), "script": script}
