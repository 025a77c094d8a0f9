"""Dev only: a web chat page that talks to the bot through the real ``/wechat`` path.

``/simulator`` lets you pick a persona and chat; each message is signed (and in safe
mode encrypted) exactly as WeChat would, posted to ``/wechat`` through the WSGI
stack, and the reply decrypted for display; the WeChat fake is told what the phone did,
so the customer-service window is counted as WeChat counts it. ``/dev/inbox/<openid>`` lists
what the bot sent that persona outside replies (notices), as JSON, with what the phone shows:
``channel``, and for a template or subscription message its ``fields`` as displayed and its
``url``. ``/simulator/phone`` opens a WeChat page in a phone-sized frame as the persona: the
page's OAuth goes to ``/dev/oauth/authorize``, which stands in for WeChat's (``bot.pages.dev``).
Registered only in dev.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from bot.demo import PERSONAS
from bot.simclient import WeChatServer, acted
from core.wechat_fake import phone_text
from models.messages import outbound_for

bp = Blueprint("simulator", __name__, template_folder="templates")


def _modes() -> list[str]:
    """The deliveries the account takes: encrypted ones unless it has no AES key, plain ones
    only in plain mode (``bot.wechat.MessageMode``)."""
    settings = current_app.config["JZT_SETTINGS"]
    modes = ["safe"] if settings.wechat_encoding_aes_key else []
    return modes + (["plain"] if settings.wechat_message_mode == "plain" else [])


def _server() -> WeChatServer:
    settings = current_app.config["JZT_SETTINGS"]
    modes = _modes()
    return WeChatServer(
        settings.wechat_token,
        settings.wechat_app_id,
        settings.wechat_encoding_aes_key,
        safe_mode=(request.args.get("mode") if request.args.get("mode") in modes else modes[0]) == "safe",
    )


@bp.get("/simulator")
def page():
    return render_template("simulator.html", personas=PERSONAS, modes=_modes())


@bp.post("/simulator/send")
def send():
    data = request.get_json(silent=True) or {}
    openid = str(data.get("openid", ""))[:64]
    if not openid:
        return jsonify(error="请选择一个身份"), 400
    server = _server()
    kind = data.get("kind", "text")
    if kind == "voice":
        delivery = server.voice(openid, str(data.get("text", "")))
    elif kind == "location":
        delivery = server.location(openid, float(data.get("lat", 31.40)), float(data.get("lng", 116.33)), str(data.get("label", "")))
    elif kind == "image":
        delivery = server.image(openid)
    elif kind == "menu":
        delivery = server.event(openid, "CLICK", key=str(data.get("text", "")))
    elif kind == "subscribe":
        delivery = server.event(openid, "subscribe")
    else:
        delivery = server.text(openid, str(data.get("text", "")))
    acted(current_app.extensions["jzt.context"], delivery)
    with current_app.test_client() as client:
        response = client.post(delivery.url, data=delivery.body, content_type="text/xml")
    reply = server.read_reply(response.data) if response.status_code == 200 else None
    return jsonify(status=response.status_code, reply=(reply or {}).get("Content", ""))


@bp.get("/dev/inbox/<openid>")
def inbox(openid: str):
    ctx = current_app.extensions["jzt.context"]
    after = request.args.get("after", 0, type=int)
    shown = getattr(ctx.messenger.transport, "shown", lambda ref: None)
    with ctx.Session() as db:
        rows = outbound_for(db, openid, after_id=after)
        messages = [_inbox_entry(ctx, r, shown(r.id)) for r in rows]
    return jsonify(openid=openid, messages=messages)


def _inbox_entry(ctx, row, shown: dict | None) -> dict:
    entry = {"id": row.id, "channel": row.channel, "kind": row.kind, "status": row.status, "text": ctx.cipher.decrypt(row.body_enc),
             "at": row.created_at.isoformat(), "error": row.error}
    if shown and shown.get("channel") in ("template", "subscription"):
        entry.update(title=shown["title"], fields=shown["fields"], url=shown["url"], phone=phone_text(shown))
    return entry
