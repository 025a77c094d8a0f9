"""The WeChat protocol, through wechatpy: signatures, message modes, parsing, replies.

Everything here is a thin, strict layer over wechatpy. It adds what wechatpy leaves
out: signatures compared in constant time, a timestamp window, a body-size cap,
refusing DTDs before parsing, turning wechatpy's built-in exceptions for bad
ciphertext into one ``BadRequest``, and escaping ``]]>`` in reply text.

The message mode is the account's setting, never the caller's: the query's ``signature``
covers only (token, timestamp, nonce), so whoever has seen one query (an access log, a proxy)
could send it again with any plain body. In safe and compatible mode WeChat always signs the
body too (``msg_signature``), and a delivery without that signature is refused whatever
``encrypt_type`` it claims. Each signed (timestamp, nonce) is spent on one body
(``SignedQuery.spend_key``, ``bot.delivery``), and the query's ``openid``, when present, must
be the body's sender.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from conversations.inputs import InputKind, Location, UserInput


class Forbidden(Exception):
    """Not from WeChat: bad or stale signature, or a replayed query (HTTP 403)."""


class BadRequest(Exception):
    """Signed but unusable: malformed, oversized, hostile or undecryptable (HTTP 400)."""


class Unavailable(Exception):
    """Cannot tell whether this signed query was spent before (Redis and the database both
    unreachable): refused, never let through (HTTP 503; WeChat tries again)."""


class MessageMode(str, Enum):
    """消息加解密方式, as chosen in the WeChat console (``WECHAT_MESSAGE_MODE``).

    In safe and compatible mode WeChat adds ``encrypt_type=aes`` and ``msg_signature`` to every
    delivery; in compatible mode the body also carries the message in clear, unsigned, and is
    read from its encrypted part only. Plain mode reads the clear body, and takes an encrypted
    delivery too (it proves more), so that a switch in the console loses nothing: set the AES key
    while still in plain mode, switch the console, then set ``safe``."""

    SAFE = "safe"
    COMPATIBLE = "compatible"
    PLAIN = "plain"


@dataclass(frozen=True)
class SignedQuery:
    signature: str
    timestamp: str
    nonce: str
    #: the body is to be read as encrypted and signed (``msg_signature``): the account's mode
    #: decides, or in plain mode the caller's ``encrypt_type=aes``
    encrypted: bool
    msg_signature: str = ""
    #: the sender as WeChat names it in the query (not signed; absent from older deliveries)
    openid: str = ""

    @classmethod
    def from_args(cls, args, mode: MessageMode = MessageMode.SAFE) -> "SignedQuery":
        return cls(
            signature=args.get("signature", ""),
            timestamp=args.get("timestamp", ""),
            nonce=args.get("nonce", ""),
            encrypted=mode is not MessageMode.PLAIN or args.get("encrypt_type", "raw") == "aes",
            msg_signature=args.get("msg_signature", ""),
            openid=args.get("openid", ""),
        )

    @property
    def spend_key(self) -> str:
        """What is spent on one body: (timestamp, nonce), which the signature covers."""
        return hashlib.sha256(f"{self.timestamp}:{self.nonce}".encode()).hexdigest()


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class WeChatProtocol:
    token: str
    app_id: str
    encoding_aes_key: str
    window_seconds: int = 300
    max_body_bytes: int = 64 * 1024
    mode: MessageMode = MessageMode.SAFE

    @cached_property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)

    # -- inbound -------------------------------------------------------------------

    def read_query(self, args) -> SignedQuery:
        return SignedQuery.from_args(args, self.mode)

    @property
    def spend_seconds(self) -> int:
        """How long a spent query is remembered: as long as its timestamp can pass the window
        (a query stamped up to ``window_seconds`` ahead stays valid for twice that)."""
        return 2 * self.window_seconds

    @staticmethod
    def check_sender(query: SignedQuery, message: BaseMessage) -> None:
        """The query's ``openid``, when WeChat put one there, names the body's sender."""
        if query.openid and query.openid != message.source:
            raise Forbidden("query openid is not the sender")

    def verify_query(self, query: SignedQuery, now: float | None = None) -> None:
        """Check the plain signature and the timestamp's age, or raise ``Forbidden``."""
        if not (query.signature and query.timestamp and query.nonce):
            raise Forbidden("missing signature parameters")
        if not _same(sign(self.token, query.timestamp, query.nonce), query.signature):
            raise Forbidden("bad signature")
        try:
            age = abs((time.time() if now is None else now) - int(query.timestamp))
        except ValueError:
            raise Forbidden("bad timestamp") from None
        if age > self.window_seconds:
            raise Forbidden("stale timestamp")

    def verify_echo(self, query: SignedQuery, echostr: str) -> str:
        """The URL check in the WeChat console (GET): returns the text to echo."""
        self.verify_query(query)
        return echostr

    def open_body(self, query: SignedQuery, body: bytes) -> str:
        """The message XML in clear: checked for size and DTDs, its signature checked and
        decrypted unless the account is in plain mode and the delivery says it is plain."""
        if len(body) > self.max_body_bytes:
            raise BadRequest("body too large")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("body is not UTF-8") from None
        _refuse_dtd(text)
        if not query.encrypted:
            return text
        if not query.msg_signature:
            raise Forbidden("missing msg_signature")
        try:
            clear = self.crypto.decrypt_message(text, query.msg_signature, query.timestamp, query.nonce)
        except InvalidSignatureException:
            raise Forbidden("bad msg_signature") from None
        except InvalidAppIdException:
            raise BadRequest("wrong app id") from None
        except Exception as exc:
            # wechatpy raises built-ins for bad keys and garbage ciphertext: UnicodeDecodeError,
            # binascii.Error, struct.error, ValueError, KeyError, RecursionError ...
            raise BadRequest(f"cannot decrypt ({type(exc).__name__})") from None
        clear = clear if isinstance(clear, str) else clear.decode("utf-8", "replace")
        _refuse_dtd(clear)
        return clear

    def parse(self, xml: str) -> BaseMessage:
        try:
            message = parse_message(xml)
        except RecursionError:
            raise BadRequest("XML nested too deeply") from None
        except Exception as exc:  # expat, xmltodict and wechatpy all raise their own kinds
            raise BadRequest(f"malformed XML ({type(exc).__name__})") from None
        if message is None or not all(_is_name(getattr(message, f, None), n) for f, n in (("source", 64), ("target", 64), ("type", 32))):
            raise BadRequest("not a WeChat message")
        return message

    # -- outbound ------------------------------------------------------------------

    def render_text(self, message: BaseMessage, text: str) -> str:
        return TextReply(content=escape_cdata(text), message=message).render()

    def seal(self, query: SignedQuery, reply_xml: str) -> str:
        """Encrypt the reply whenever the request was read as encrypted."""
        if not query.encrypted:
            return reply_xml
        return self.crypto.encrypt_message(reply_xml, query.nonce)


def escape_cdata(text: str) -> str:
    """Make ``]]>`` harmless inside wechatpy's ``<![CDATA[...]]>``."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def _refuse_dtd(xml: str) -> None:
    head = xml[:4096].upper()
    if "<!DOCTYPE" in head or "<!ENTITY" in xml.upper():
        raise BadRequest("DTDs and entities are refused")


# -- from wechatpy messages to what the dialogue sees ---------------------------------

_NAME = re.compile(r"[\w-]+")


def _is_name(value, longest: int) -> bool:
    """An openid, an account id or a message type as WeChat sends them: a short run of letters,
    digits, ``_`` and ``-``. They go into the reply unescaped (wechatpy puts them in CDATA)."""
    return isinstance(value, str) and 0 < len(value) <= longest and _NAME.fullmatch(value) is not None


def delivery_key(message: BaseMessage) -> str:
    """WeChat's identity of one delivery: MsgId, or CreateTime + event for events.

    A message without an integer MsgId (or an event without an integer CreateTime) is not
    from WeChat: it would share one key with every other such message of its sender."""
    fields = message._data  # wechatpy fills a missing MsgId or CreateTime with 0
    try:
        if message.type == "event":
            key = f"e:{_number(fields.get('CreateTime'))}:{_text(message.event)}"
        else:
            key = f"m:{_number(fields.get('MsgId'))}"
    except (TypeError, ValueError):
        raise BadRequest("message id out of shape") from None
    if len(key) > 96:
        raise BadRequest("message id out of shape")
    return key


def _number(value) -> int:
    """A MsgId or a CreateTime: 1 to 20 ASCII digits (WeChat's ids are unsigned 64-bit)."""
    if not (isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20):
        raise ValueError("not an id")
    return int(value)


def to_user_input(message: BaseMessage) -> UserInput:
    try:
        return _to_user_input(message)
    except (TypeError, ValueError):
        raise BadRequest("message fields out of shape") from None


def _text(value) -> str:
    """A text field: a string or absent. Repeated or nested elements are refused (TypeError)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("a text field holds elements")
    return value


def _to_user_input(message: BaseMessage) -> UserInput:
    kind = message.type
    if kind == "text":
        return UserInput(InputKind.TEXT, _text(message.content))
    if kind == "voice":
        return UserInput(InputKind.VOICE, _text(message.recognition), media_id=_text(message.media_id))
    if kind == "location":
        lat, lng = message.location
        label = _text(message.label)
        return UserInput(InputKind.LOCATION, label, location=Location(float(lat), float(lng), label))
    if kind == "image":
        return UserInput(InputKind.IMAGE, media_id=_text(message.media_id))
    if kind == "link":
        return UserInput(InputKind.LINK, _text(message.title))
    if kind == "event":
        event = _text(message.event)
        if event in ("click", "location_select"):  # a menu tap (签到 sends the position next)
            return UserInput(InputKind.MENU, _text(message.key))
        if event == "location":
            return UserInput(InputKind.EVENT, "location", location=Location(float(message.latitude), float(message.longitude)))
        return UserInput(InputKind.EVENT, event)
    return UserInput(InputKind.OTHER, kind)
