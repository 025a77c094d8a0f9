"""Dev only (registered with the simulator): what stands in for WeChat around the pages.

- ``/dev/oauth/oauth2/authorize``: WeChat's authorize page. The phone is the simulator's persona
  (a cookie the phone frame sets); it checks the app id, the scope and that the redirect is our
  ``/m/oauth``, then sends a code (the fake's: once, for 5 minutes) back with the state.
- ``/dev/jweixin.js`` and ``/dev/jsapi/check``: the JS-SDK's ``wx``: ``wx.config`` has its
  signature checked against the shared ticket, as WeChat would; ``wx.getLocation`` answers the
  position the phone frame was given (``jzt_dev_position``, "lat,lng").
- ``/simulator/phone``: a WeChat page in a 375×667 frame, as a persona.

They speak for WeChat and for anyone holding a phone, so they exist only outside production
with the WeChat fake as the transport, and answer only a browser on this machine: the peer and
the ``Host`` it asked for are loopback and no proxy says it forwarded the request (else 404).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, send_from_directory

from bot.demo import PERSONAS
from core.wechat_api import TICKET_KEY, jsapi_signature

bp = Blueprint("dev", __name__, template_folder="templates")

PHONE_COOKIE = "jzt_dev_phone"
POSITION_COOKIE = "jzt_dev_position"


_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_FORWARDING = ("X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP", "Forwarded")


@bp.before_request
def _this_machine_only():
    if not _from_this_machine(request.remote_addr, request.host, request.headers):
        abort(404)


def _from_this_machine(peer: str | None, host: str, headers) -> bool:
    try:
        if not ipaddress.ip_address(peer or "").is_loopback:
            return False
    except ValueError:
        return False
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:].split("]", 1)[0]
    return name.lower() in _LOOPBACK_NAMES and not any(h in headers for h in _FORWARDING)


def _ctx():
    return current_app.extensions["jzt.context"]


@bp.get("/dev/oauth/oauth2/authorize")
def authorize():
    settings = _ctx().settings
    args = request.args
    target = args.get("redirect_uri", "")
    if args.get("appid") != settings.wechat_app_id or args.get("scope") != "snsapi_base" or args.get("response_type") != "code":
        return "参数错误（appid / scope / response_type）", 400
    if target != settings.public_url.rstrip("/") + "/m/oauth":
        return "redirect_uri 域名与后台配置不一致", 400
    openid = request.cookies.get(PHONE_COOKIE, "")
    if not openid:
        return "模拟器：请先在 /simulator 选择身份，再打开页面", 400
    code = _ctx().messenger.transport.issue_code(openid)
    return redirect(target + "?" + urlencode({"code": code, "state": args.get("state", "")}))


@bp.get("/dev/jweixin.js")
def jweixin():
    return send_from_directory(current_app.root_path + "/pages/static", "dev-jweixin.js", mimetype="text/javascript")


@bp.post("/dev/jsapi/check")
def jsapi_check():
    data = request.get_json(silent=True) or {}
    ticket = _ctx().redis.get(TICKET_KEY)
    try:
        expected = jsapi_signature(ticket.decode(), str(data["nonceStr"]), int(data["timestamp"]), str(data["url"])) if ticket else None
    except (KeyError, ValueError):
        expected = None
    ok = expected is not None and data.get("signature") == expected and data.get("appId") == _ctx().settings.wechat_app_id
    return jsonify(ok=ok, errMsg="config:ok" if ok else "config:invalid signature")


@bp.get("/simulator/phone")
def phone():
    openid = request.args.get("openid", "")[:64]
    path = request.args.get("path", "/m/")
    if not path.startswith("/m/"):
        path = "/m/"
    response = current_app.make_response(render_template("phone.html", path=path, personas=PERSONAS, openid=openid))
    if openid and request.cookies.get(PHONE_COOKIE) != openid:
        response.set_cookie(PHONE_COOKIE, openid, httponly=True, samesite="Lax")
        response.delete_cookie("jzt_m", path="/m")  # another person holds the phone now
    position = request.args.get("position")
    if position:
        response.set_cookie(POSITION_COOKIE, position, samesite="Lax")
    return response
