"""``/wechat``: the Official Account's server URL.

GET answers the console's URL check. POST takes a message in plain, compatible or
safe mode, and always answers WeChat with XML (encrypted when the request was) or
``success``; bad requests get 403/400 with a short plain-text body, never a trace.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from bot import inbound
from conversations import menu
from bot.delivery import ClaimState, DeliveryGuard
from bot.wechat import BadRequest, Forbidden, SignedQuery, WeChatProtocol, delivery_key, to_user_input

log = logging.getLogger(__name__)

bp = Blueprint("wechat", __name__)

SUCCESS = "success"


def _plain(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _xml(text: str) -> Response:
    return Response(text, status=200, mimetype="application/xml")


@bp.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    log.info("webhook refused: %s", exc)
    return _plain("forbidden", 403)


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    log.info("webhook bad request: %s", exc)
    return _plain("bad request", 400)


@bp.get("/wechat")
def verify():
    protocol: WeChatProtocol = current_app.extensions["jzt.protocol"]
    return _plain(protocol.verify_echo(SignedQuery.from_args(request.args), request.args.get("echostr", "")))


@bp.post("/wechat")
def receive():
    protocol: WeChatProtocol = current_app.extensions["jzt.protocol"]
    guard: DeliveryGuard = current_app.extensions["jzt.guard"]
    ctx = current_app.extensions["jzt.context"]

    query = SignedQuery.from_args(request.args)
    protocol.verify_query(query)
    if (request.content_length or 0) > protocol.max_body_bytes:
        raise BadRequest("body too large")
    body = request.get_data(cache=False)
    if not query.encrypted and guard.check_replay(query.replay_key, body):
        raise Forbidden("signed query replayed with another body")
    message = protocol.parse(protocol.open_body(query, body))
    user_input = to_user_input(message)
    openid, key = message.source, delivery_key(message)

    claim = guard.open(openid, key)
    if claim.state is ClaimState.RUNNING:
        return _plain(SUCCESS)
    if claim.state is ClaimState.DONE:
        return _answer(protocol, query, message, claim.reply)
    held = inbound.Held(claim.live_state, claim.epoch) if claim.locked else None
    try:
        handled = inbound.handle(ctx, openid, key, message.type, user_input, body_for_record(message), redis_ok=claim.redis_ok, held=held)
    except inbound.Duplicate:
        guard.release(claim, forget=False)
        return _plain(SUCCESS)
    except Exception:
        guard.release(claim, forget=True)
        log.exception("turn failed (%s)", message.type)
        return _answer(protocol, query, message, menu.SYSTEM_ERROR)
    answer = handled.answer
    reply = "" if answer.silent else answer.texts[0]
    if not guard.close(claim, reply, handled.reply_enc, handled.log_entry) and handled.log_entry:
        inbound.log_directly(ctx, handled.log_entry)
    return _answer(protocol, query, message, reply)


def _answer(protocol: WeChatProtocol, query: SignedQuery, message, text: str) -> Response:
    """``text`` as the passive reply (encrypted when the request was), or ``success`` for none."""
    if not text:
        return _plain(SUCCESS)
    return _xml(protocol.seal(query, protocol.render_text(message, text)))


def body_for_record(message) -> str:
    """The message as kept (encrypted) in the database: its fields, not the raw XML."""
    return str({k: v for k, v in message._data.items() if k not in ("ToUserName",)})
