"""The baseline: a bare Flask + wechatpy webhook that answers every message with one fixed text.

Same protocol work as the real app (signature, safe-mode decrypt, parse, TextReply,
encrypt) and the same reply text (the main menu), but no Redis, no database, no
dialogue. Run it as ``gunicorn 'bench.echo_app:app'``; secrets come from the same
settings as the app (``JZT_ENV=test`` falls back to the dev defaults).
"""

from __future__ import annotations

from flask import Flask, Response, abort, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from core.config import Settings
from conversations.menu import MAIN_MENU

settings = Settings.from_env()
crypto = WeChatCrypto(settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id)
app = Flask(__name__)


@app.route("/wechat", methods=["GET", "POST"])
def wechat():
    args = request.args
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    try:
        check_signature(settings.wechat_token, args.get("signature", ""), timestamp, nonce)
    except InvalidSignatureException:
        abort(403)
    if request.method == "GET":
        return Response(args.get("echostr", ""), mimetype="text/plain")
    try:
        xml = crypto.decrypt_message(request.get_data(), args.get("msg_signature", ""), timestamp, nonce)
    except (InvalidSignatureException, InvalidAppIdException):
        abort(403)
    message = parse_message(xml)
    reply = TextReply(content=MAIN_MENU, message=message).render()
    return Response(crypto.encrypt_message(reply, nonce), mimetype="application/xml")
