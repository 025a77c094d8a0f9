"""``/wechat``: the Official Account's server URL.

GET answers the console's URL check. POST takes a message in the account's mode (safe,
compatible or plain: a setting, never the caller's choice), and always answers WeChat with
XML (encrypted when the request was) or ``success``; bad requests get 403/400 with a short
plain-text body, never a trace. Before anything is stored: the signatures, the timestamp's
age, the sender named by the query, and the signed query spent on this one body (in Redis
with the delivery claim; in the database when Redis is unreachable, and always in plain mode,
where the body is not signed). A query that cannot be spent anywhere is refused (503).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from wechatpy.messages import BaseMessage

from bot import inbound
from bot.delivery import Claim, ClaimState, DeliveryGuard, Spend
from bot.wechat import BadRequest, Forbidden, MessageMode, SignedQuery, Unavailable, WeChatProtocol, delivery_key, to_user_input
from conversations import menu
from db.base import utcnow
from models.spent_queries import spend as spend_in_database

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


@bp.errorhandler(Unavailable)
def _unavailable(exc: Unavailable):
    log.warning("webhook refused: %s", exc)
    return _plain("unavailable", 503)


@bp.get("/wechat")
def verify():
    """The console's URL check. Its query is spent too: in plain mode it would otherwise be a
    fresh signed query for anyone who read it in a log, to post any body with."""
    protocol, guard, ctx = _parts()
    query = protocol.read_query(request.args)
    echostr = protocol.verify_echo(query, request.args.get("echostr", ""))
    spend = Spend.of(query.spend_key, b"echo:" + echostr.encode(), protocol.spend_seconds)
    spent = guard.spend(spend)
    if spent is False:
        raise Forbidden("signed query spent on another body")
    if spent is None or protocol.mode is MessageMode.PLAIN:
        _spend_in_database(ctx, spend)
    return _plain(echostr)


@bp.post("/wechat")
def receive():
    protocol, guard, ctx = _parts()
    query, message, body = _read_delivery(protocol)
    user_input = to_user_input(message)
    openid, key = message.source, delivery_key(message)

    claim = _claim(ctx, guard, openid, key, Spend.of(query.spend_key, body, protocol.spend_seconds), body_signed=query.encrypted)
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


def _parts() -> tuple[WeChatProtocol, DeliveryGuard, object]:
    extensions = current_app.extensions
    return extensions["jzt.protocol"], extensions["jzt.guard"], extensions["jzt.context"]


def _read_delivery(protocol: WeChatProtocol) -> tuple[SignedQuery, BaseMessage, bytes]:
    """The signed query, the message and the raw body: signatures, age, size, the sender."""
    query = protocol.read_query(request.args)
    protocol.verify_query(query)
    if (request.content_length or 0) > protocol.max_body_bytes:
        raise BadRequest("body too large")
    body = request.get_data(cache=False)
    message = protocol.parse(protocol.open_body(query, body))
    protocol.check_sender(query, message)
    return query, message, body


def _claim(ctx, guard: DeliveryGuard, openid: str, key: str, spend: Spend, *, body_signed: bool) -> Claim:
    """Spend the signed query on this body and claim the delivery. Redis spends it in the same
    round trip as the claim; the database too when the body is not signed, and instead of Redis
    when Redis is unreachable."""
    if not body_signed:
        _spend_in_database(ctx, spend)
    claim = guard.open(openid, key, spend)
    if claim.state is ClaimState.REPLAYED:
        raise Forbidden("signed query spent on another body")
    if not claim.redis_ok and body_signed:
        _spend_in_database(ctx, spend)
    return claim


def _spend_in_database(ctx, spend: Spend) -> None:
    """Spend it in the database, or refuse: never let a delivery through unspent."""
    try:
        with ctx.Session.begin() as db:
            fresh = spend_in_database(db, spend.key, spend.body_digest, utcnow(), spend.seconds)  # the signature's clock
    except SQLAlchemyError:
        raise Unavailable("cannot spend the signed query (database unreachable)") from None
    if not fresh:
        raise Forbidden("signed query spent on another body")


def _answer(protocol: WeChatProtocol, query: SignedQuery, message, text: str) -> Response:
    """``text`` as the passive reply (encrypted when the request was), or ``success`` for none."""
    if not text:
        return _plain(SUCCESS)
    return _xml(protocol.seal(query, protocol.render_text(message, text)))


def body_for_record(message) -> str:
    """The message as kept (encrypted) in the database: its fields, not the raw XML."""
    return str({k: v for k, v in message._data.items() if k not in ("ToUserName",)})
