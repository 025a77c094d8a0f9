"""A stand-in for WeChat's HTTP API that enforces WeChat's rules (dev, tests, the simulator).

It is the transport when ``JZT_TRANSPORT=record`` (every environment but production) and keeps
its state in Redis, so the web processes, the workers and the tests see one WeChat:

- the customer-service window as WeChat counts it, from what the phone did (``user_acted``,
  called by whoever delivers a message to ``/wechat`` on the user's behalf: the simulator and
  the tests' chat harness): 48 hours and 5 messages after a message, 1 minute and 3 after a
  menu click or follow; outside it 45015 / 45047, as WeChat answers;
- templates as the account added them: an unknown template id is 40037; a ``character_string``
  with Chinese, a ``phrase`` over 5 Chinese characters or a ``time`` not shaped as a time is
  47003; every field is shown on one line and cut to 20 characters as WeChat cuts it (no error);
  ``first`` and ``remark`` are not shown;
- subscription messages only to users who subscribed (else 43101), a ``thing`` over 20
  characters refused (47003);
- the JS-SDK ticket (each fetch counted), OAuth codes (single use, 5 minutes), tags and the
  personalised menus (checked against WeChat's limits, ``core.menus.problems``).

``shown(ref)`` is what the phone shows of an outbound message: ``channel``, ``title``,
``fields`` as displayed and ``url``; the dev inbox returns it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Mapping

from redis import Redis

from core.menus import problems
from core.messenger import NotSubscribed, OutsideWindow, Refused
from models.notice_templates import CHARACTER_STRING, PHRASE, TEMPLATES, Rendered
from policy.display import FIELD_LIMIT, shown_in_template
from policy.window import Window, opens_event_window

PREFIX = "jzt:fake"
SHOWN_TTL = 7 * 86400
TIME = re.compile(r"^(\d{4}年)?\d{1,2}月\d{1,2}日( \d{2}:\d{2})?$|^\d{2}:\d{2}$")


class FakeError(Exception):
    """A WeChat API error as the fake raises it for calls that are not messages."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(errcode, errmsg)
        self.errcode, self.errmsg = errcode, errmsg


@dataclass
class FakeWeChat:
    redis: Redis
    app_id: str = "wxdev"
    #: template id → library title, as the account added them in the console
    templates: Mapping[str, str] = field(default_factory=dict)
    subscriptions: Mapping[str, str] = field(default_factory=dict)

    def _key(self, *parts) -> str:
        return ":".join((PREFIX, *map(str, parts)))

    # -- what the phone did ---------------------------------------------------------------------

    def user_acted(self, openid: str, act: str, now: dt.datetime) -> None:
        """``act``: ``message`` (text, voice, location …) or ``event:<name>`` (click, subscribe …)."""
        if act == "event:unsubscribe":
            self.redis.delete(self._key("window", openid))
            return
        if act == "message":
            self.redis.hset(self._key("window", openid), mapping={"message": now.timestamp(), "since_message": 0})
        elif opens_event_window(act):
            self.redis.hset(self._key("window", openid), mapping={"event": now.timestamp(), "since_event": 0})

    def window(self, openid: str) -> Window:
        raw = {k.decode(): float(v) for k, v in self.redis.hgetall(self._key("window", openid)).items()}

        def at(name):
            return dt.datetime.fromtimestamp(raw[name], dt.timezone.utc) if name in raw else None

        return Window(at("message"), int(raw.get("since_message", 0)), at("event"), int(raw.get("since_event", 0)))

    def subscribe(self, openid: str, template_id: str) -> None:
        """The user accepted a (long-term) subscription to ``template_id``."""
        self.redis.sadd(self._key("subs", openid), template_id)

    # -- messages ---------------------------------------------------------------------------------

    def send_text(self, openid: str, text: str, *, ref: int, now: dt.datetime) -> None:
        refusal = self.window(openid).refusal(now)
        if refusal is not None:
            raise OutsideWindow(refusal)
        key = self._key("window", openid)
        self.redis.hincrby(key, "since_message", 1)
        self.redis.hincrby(key, "since_event", 1)
        self._show(ref, openid, {"channel": "customer_service"})

    def send_template(self, openid: str, template_id: str, message: Rendered, *, ref: int, now: dt.datetime) -> None:
        title = self.templates.get(template_id)
        if title is None:
            raise Refused(40037, "invalid template_id")
        template = TEMPLATES[title]
        for keyword in template.keywords:
            self._check(keyword.key, message.values.get(keyword.key, ""), subscription=False)
        fields = [{"label": k.label, "value": shown_in_template(message.values.get(k.key, ""))} for k in template.keywords]
        self._show(ref, openid, {"channel": "template", "title": title, "fields": fields, "url": message.url})

    def send_subscription(self, openid: str, template_id: str, message: Rendered, *, ref: int, now: dt.datetime) -> None:
        title = self.subscriptions.get(template_id)
        if title is None:
            raise Refused(40037, "invalid template_id")
        if not self.redis.sismember(self._key("subs", openid), template_id):
            raise NotSubscribed()
        template = TEMPLATES[title]
        for keyword in template.keywords:
            self._check(keyword.key, message.values.get(keyword.key, ""), subscription=True)
        fields = [{"label": k.label, "value": message.values.get(k.key, "")} for k in template.keywords]
        self._show(ref, openid, {"channel": "subscription", "title": title, "fields": fields, "url": message.url})

    @staticmethod
    def _check(key: str, value: str, *, subscription: bool) -> None:
        kind = key.rstrip("0123456789")
        ok = {
            "character_string": lambda v: bool(CHARACTER_STRING.match(v)),
            "phrase": lambda v: bool(PHRASE.match(v)),
            "time": lambda v: bool(TIME.match(v)),
            "thing": lambda v: (len(v) <= FIELD_LIMIT) if subscription else True,
        }.get(kind, lambda v: True)(value)
        if not ok or "\n" in value and subscription:
            raise Refused(47003, f"argument invalid! data.{key}.value invalid")

    def _show(self, ref: int, openid: str, shown: dict) -> None:
        shown = {**shown, "openid": openid}
        self.redis.set(self._key("shown", ref), json.dumps(shown, ensure_ascii=False), ex=SHOWN_TTL)

    def shown(self, ref: int) -> dict | None:
        raw = self.redis.get(self._key("shown", ref))
        return json.loads(raw) if raw else None

    # -- the JS-SDK, OAuth, tags and menus ------------------------------------------------------------

    def get_ticket(self) -> dict:
        self.redis.incr(self._key("ticket_fetches"))
        ticket = "dev-jsapi-" + secrets.token_hex(8)
        self.redis.set(self._key("ticket"), ticket, ex=7200)
        return {"errcode": 0, "ticket": ticket, "expires_in": 7200}

    def issue_code(self, openid: str) -> str:
        code = secrets.token_urlsafe(16)
        self.redis.set(self._key("oauth", code), openid, ex=300)
        return code

    def exchange_code(self, code: str) -> dict:
        """``sns/oauth2/access_token`` for snsapi_base: a code works once, for 5 minutes."""
        openid = self.redis.getdel(self._key("oauth", code))
        if openid is None:
            used = self.redis.set(self._key("oauth-used", code), 1, nx=True, ex=600)
            return {"errcode": 40029 if used else 40163, "errmsg": "invalid code" if used else "code been used"}
        self.redis.set(self._key("oauth-used", code), 1, ex=600)
        return {"access_token": "dev-" + secrets.token_hex(8), "expires_in": 7200, "refresh_token": "dev-r", "openid": openid.decode(), "scope": "snsapi_base"}

    def create_tag(self, name: str) -> int:
        tags = self.tags()
        if name in tags:
            raise FakeError(45157, "invalid tag name: duplicated")
        if len(name.encode()) > 30:
            raise FakeError(45158, "tag name too long")
        tag_id = 100 + len(tags)
        self.redis.hset(self._key("tags"), name, tag_id)
        return tag_id

    def tags(self) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self._key("tags")).items()}

    def tag_user(self, tag_id: int, openid: str) -> None:
        if tag_id not in self.tags().values():
            raise FakeError(45159, "invalid tag id")
        self.redis.sadd(self._key("user-tags", openid), tag_id)

    def untag_user(self, tag_id: int, openid: str) -> None:
        self.redis.srem(self._key("user-tags", openid), tag_id)

    def user_tags(self, openid: str) -> set[int]:
        return {int(t) for t in self.redis.smembers(self._key("user-tags", openid))}

    def create_menu(self, menu: dict) -> None:
        found = problems(menu)
        if found:
            raise FakeError(40016, "; ".join(found))
        self.redis.set(self._key("menu"), json.dumps(menu, ensure_ascii=False))
        self.redis.delete(self._key("conditional"))

    def add_conditional_menu(self, menu: dict) -> int:
        if not self.redis.exists(self._key("menu")):
            raise FakeError(65303, "there is no default menu")
        found = problems(menu, conditional=True)
        if found:
            raise FakeError(40016, "; ".join(found))
        tag = str(menu["matchrule"]["tag_id"])
        if int(tag) not in self.tags().values():
            raise FakeError(45159, "invalid tag id")
        self.redis.hset(self._key("conditional"), tag, json.dumps(menu, ensure_ascii=False))
        return int(tag) + 1000

    def menu_for(self, openid: str) -> dict | None:
        """The menu this user's phone shows (``trymatch``): their tag's menu, else the default."""
        for tag in sorted(self.user_tags(openid)):
            raw = self.redis.hget(self._key("conditional"), str(tag))
            if raw:
                return json.loads(raw)
        raw = self.redis.get(self._key("menu"))
        return json.loads(raw) if raw else None


def phone_text(shown: dict) -> str:
    """One line per field, as the phone shows a notice (for the terminal chat and logs)."""
    if shown.get("channel") == "customer_service":
        return "（客服消息，全文见聊天）"
    lines = [f"［{shown.get('title', '')}］"] + [f"{f['label']}：{f['value']}" for f in shown.get("fields", [])]
    return "\n".join(lines + ([f"→ {shown['url']}"] if shown.get("url") else []))


__all__ = ["FakeError", "FakeWeChat", "phone_text"]
