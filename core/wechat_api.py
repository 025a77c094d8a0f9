"""The WeChat HTTP API through ``wechatpy.WeChatClient``, safe for many processes.

One access token is shared by every web and worker process in Redis
(``wechatpy.session.redisstorage.RedisStorage``). Fetching a new token invalidates the
old one within minutes and WeChat allows 2,000 fetches a day, so refreshes take a
Redis lock and re-read the token first: of many processes that find it missing or
rejected (40001) at once, one fetches and the others use its token. The JS-SDK's
``jsapi_ticket`` (7,200 s, fetched with the token) is shared the same way (``JsapiTickets``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

from redis import Redis
from wechatpy import WeChatClient
from wechatpy.client.api.jsapi import WeChatJSAPI
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from core.messenger import NotSubscribed, OutsideWindow, Refused
from models.notice_templates import Rendered

log = logging.getLogger(__name__)

#: WeChat refuses customer-service messages outside the 48-hour window or over the quota
WINDOW_ERRORS = {45015, 45047}
NOT_SUBSCRIBED = {43101}
#: the message itself is wrong (a value out of shape, no such template, not a follower): no retry helps
CONTENT_ERRORS = {40003, 40037, 43004, 47001, 47003}
LOCK_NAME = "jzt:wechat:token-lock"
TICKET_KEY = "jzt:wechat:jsapi-ticket"
TICKET_LOCK = "jzt:wechat:ticket-lock"
TICKET_MARGIN = 300
"""Seconds before its expiry a ticket is fetched anew."""


class SharedTokenClient(WeChatClient):
    def __init__(self, appid: str, secret: str, redis: Redis, timeout: float = 5.0):
        super().__init__(appid, secret, session=RedisStorage(redis, prefix="jzt:wechat"), timeout=timeout)
        self._redis = redis

    @property
    def access_token(self):
        token = super().access_token
        self._last_used = token  # what WeChat rejects (40001) if it turns out stale
        return token

    def fetch_access_token(self):
        rejected = getattr(self, "_last_used", None)
        with self._redis.lock(LOCK_NAME, timeout=20, blocking_timeout=25):
            current = self.session.get(self.access_token_key)
            if current and current != rejected:
                log.info("access token refreshed by another process; reusing it")
                return {"access_token": current}
            return super().fetch_access_token()


class JsapiTickets:
    """The JS-SDK ticket, one for every process: kept in Redis until shortly before it expires;
    a process that finds none takes a lock, reads again, and only then fetches."""

    def __init__(self, redis: Redis, fetch: Callable[[], dict]):
        self.redis, self.fetch = redis, fetch

    def get(self) -> str:
        ticket = self.redis.get(TICKET_KEY)
        if ticket:
            return ticket.decode()
        with self.redis.lock(TICKET_LOCK, timeout=20, blocking_timeout=25):
            ticket = self.redis.get(TICKET_KEY)
            if ticket:
                return ticket.decode()
            found = self.fetch()
            self.redis.set(TICKET_KEY, found["ticket"], ex=max(60, int(found["expires_in"]) - TICKET_MARGIN))
            return found["ticket"]


def jsapi_signature(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """The JS-SDK's signature of a page URL (without its #fragment), by wechatpy."""
    return WeChatJSAPI(client=None).get_jsapi_signature(nonce, ticket, timestamp, url.split("#")[0])


def _raise_as_ours(exc: WeChatClientException) -> None:
    if exc.errcode in WINDOW_ERRORS:
        raise OutsideWindow(exc.errcode) from exc
    if exc.errcode in NOT_SUBSCRIBED:
        raise NotSubscribed() from exc
    if exc.errcode in CONTENT_ERRORS:
        raise Refused(exc.errcode, exc.errmsg or "") from exc
    raise exc


class WeChatTransport:
    def __init__(self, client: WeChatClient):
        self.client = client

    def send_text(self, openid: str, text: str, *, ref: int, now: dt.datetime) -> None:
        try:
            self.client.message.send_text(openid, text)
        except WeChatClientException as exc:
            _raise_as_ours(exc)

    def send_template(self, openid: str, template_id: str, message: Rendered, *, ref: int, now: dt.datetime) -> None:
        # client_msg_id: WeChat sends one message per openid and id within 10 minutes, so a
        # retry after a lost answer does not show the notice twice
        body = {"touser": openid, "template_id": template_id, "url": message.url, "data": message.data(), "client_msg_id": f"jzt-{ref}"}
        try:
            self.client.post("message/template/send", data=body)
        except WeChatClientException as exc:
            _raise_as_ours(exc)

    def send_subscription(self, openid: str, template_id: str, message: Rendered, *, ref: int, now: dt.datetime) -> None:
        try:
            self.client.message.send_subscribe_message(openid, template_id, message.data(), page=message.url)
        except WeChatClientException as exc:
            _raise_as_ours(exc)


class WeChatAccount:
    """Tags and menus of the real account, as ``core.wechat_fake.FakeWeChat`` offers them."""

    def __init__(self, client: WeChatClient):
        self.client = client

    def tags(self) -> dict[str, int]:
        return {t["name"]: int(t["id"]) for t in self.client.tag.get()}

    def create_tag(self, name: str) -> int:
        return int(self.client.tag.create(name)["tag"]["id"])

    def tag_user(self, tag_id: int, openid: str) -> None:
        self.client.tag.tag_user(tag_id, openid)

    def untag_user(self, tag_id: int, openid: str) -> None:
        self.client.tag.untag_user(tag_id, openid)

    def create_menu(self, menu: dict) -> None:
        self.client.menu.create(menu)

    def add_conditional_menu(self, menu: dict) -> int:
        return int(self.client.menu.add_conditional(menu)["menuid"])

    def get_ticket(self) -> dict:
        return self.client.jsapi.get_ticket()
