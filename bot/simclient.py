"""A WeChat server stand-in: builds signed (and, in safe mode, encrypted) deliveries.

Used by the simulator page, the tests and the benchmarks, so all of them exercise
the real ``/wechat`` path with wechatpy's own crypto. XML is built and read with
xmltodict (wechatpy's own XML library), never by string pasting.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot.wechat import sign

_msg_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)


@dataclass(frozen=True)
class Delivery:
    """One POST as WeChat would send it."""

    query: dict
    body: bytes
    encrypted: bool
    #: who sent it and what they did (``message`` or ``event:<name>``), for the WeChat fake's
    #: customer-service window (``core.wechat_fake.FakeWeChat.user_acted``)
    sender: str = ""
    act: str = ""

    @property
    def url(self) -> str:
        return "/wechat?" + urlencode(self.query)


def acted(ctx, delivery: Delivery, now=None) -> None:
    """Tell the WeChat fake (the transport outside production) what the phone did before the
    delivery: a message or menu click opens the customer-service window, as on WeChat."""
    user_acted = getattr(ctx.messenger.transport, "user_acted", None)
    if user_acted is not None and delivery.act:
        user_acted(delivery.sender, delivery.act, now or ctx.clock())


@dataclass
class WeChatServer:
    token: str
    app_id: str
    encoding_aes_key: str
    safe_mode: bool = True
    account: str = "gh_jiuzhutong"
    clock: callable = field(default=time.time)

    @property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)

    # -- messages ------------------------------------------------------------------

    def text(self, openid: str, content: str, msg_id: int | None = None) -> Delivery:
        return self.message(openid, "text", {"Content": content}, msg_id)

    def voice(self, openid: str, recognition: str, media_id: str = "media-voice-1", msg_id: int | None = None) -> Delivery:
        fields = {"MediaId": media_id, "Format": "amr", "Recognition": recognition}
        return self.message(openid, "voice", fields, msg_id)

    def location(self, openid: str, lat: float, lng: float, label: str = "", msg_id: int | None = None) -> Delivery:
        fields = {"Location_X": str(lat), "Location_Y": str(lng), "Scale": "15", "Label": label}
        return self.message(openid, "location", fields, msg_id)

    def image(self, openid: str, media_id: str = "media-image-1", msg_id: int | None = None) -> Delivery:
        return self.message(openid, "image", {"PicUrl": "http://example.invalid/p.jpg", "MediaId": media_id}, msg_id)

    def link(self, openid: str, title: str = "链接", msg_id: int | None = None) -> Delivery:
        fields = {"Title": title, "Description": "", "Url": "http://example.invalid/"}
        return self.message(openid, "link", fields, msg_id)

    def event(self, openid: str, event: str, key: str | None = None, extra: dict | None = None, create_time: int | None = None) -> Delivery:
        fields = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        fields.update(extra or {})
        return self.deliver(self.envelope(openid, "event", fields, create_time=create_time), sender=openid, act=f"event:{event.lower()}")

    def message(self, openid: str, msg_type: str, fields: dict, msg_id: int | None = None) -> Delivery:
        fields = dict(fields, MsgId=str(msg_id if msg_id is not None else next(_msg_ids)))
        return self.deliver(self.envelope(openid, msg_type, fields), sender=openid, act="message")

    def envelope(self, openid: str, msg_type: str, fields: dict, create_time: int | None = None) -> str:
        xml = {"ToUserName": self.account, "FromUserName": openid, "CreateTime": str(create_time or int(self.clock())), "MsgType": msg_type}
        xml.update(fields)
        return xmltodict.unparse({"xml": xml}, full_document=False)

    # -- signing -------------------------------------------------------------------

    def deliver(self, xml: str, timestamp: str | None = None, nonce: str | None = None, *, sender: str = "", act: str = "") -> Delivery:
        timestamp = timestamp or str(int(self.clock()))
        nonce = nonce or secrets.token_hex(8)
        query = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if not self.safe_mode:
            return Delivery(query, xml.encode(), False, sender, act)
        sealed = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        body = xmltodict.unparse({"xml": {"ToUserName": self.account, "Encrypt": sealed["Encrypt"]}}, full_document=False)
        return Delivery(query, body.encode(), True, sender, act)

    def verification(self, echostr: str = "echo-123") -> dict:
        timestamp, nonce = str(int(self.clock())), secrets.token_hex(8)
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "echostr": echostr}

    # -- replies -------------------------------------------------------------------

    def read_reply(self, body: bytes | str) -> dict | None:
        """The reply's fields (``Content``, ``MsgType`` ...), or None for ``success``/empty."""
        text = body.decode() if isinstance(body, bytes) else body
        if text.strip() in ("", "success"):
            return None
        data = xmltodict.parse(text)["xml"]
        if "Encrypt" in data:
            clear = self.crypto.decrypt_message(text, data["MsgSignature"], data["TimeStamp"], data["Nonce"])
            data = xmltodict.parse(clear)["xml"]
        return data
