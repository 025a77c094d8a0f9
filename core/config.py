"""Settings from the environment, in one frozen object.

Production (``JZT_ENV=production``) refuses to start while any secret is missing and
names every one of them. Dev and test fall back to the documented defaults below,
which are printed at start-up; an environment variable always wins over a default.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace as _replace
from typing import Mapping

from models.notice_templates import TEMPLATES

#: Dev defaults. Never used in production. The AES key is 43 characters as WeChat
#: issues it; the data key is urlsafe base64 of 32 random bytes (every sub-key is derived from it).
DEV_DEFAULTS: dict[str, str] = {
    "DATABASE_URL": "sqlite:///var/jiuzhutong.db",
    "REDIS_URL": "",  # empty: the embedded in-process Redis (fakeredis) and queue
    "WECHAT_TOKEN": "devtoken",
    "WECHAT_APP_ID": "wxdev000000000000",
    "WECHAT_APP_SECRET": "devsecret",
    "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "DATA_KEY": "ZGV2LWtleS1kby1ub3QtdXNlLWluLXByb2R1Y3Rpb24=",
    "SECRET_KEY": "dev-session-key-do-not-use-in-production",
}

#: What production must be given explicitly.
REQUIRED_IN_PRODUCTION = (
    "DATABASE_URL",
    "REDIS_URL",
    "WECHAT_TOKEN",
    "WECHAT_APP_ID",
    "WECHAT_APP_SECRET",
    "WECHAT_ENCODING_AES_KEY",
    "DATA_KEY",
    "SECRET_KEY",
)

ENVIRONMENTS = ("dev", "test", "production")

#: the account's 消息加解密方式, as chosen in the WeChat console (``WECHAT_MESSAGE_MODE``):
#: safe 安全模式, compatible 兼容模式, plain 明文模式. See ``bot.wechat.MessageMode``.
MESSAGE_MODES = ("safe", "compatible", "plain")


def _dev_templates() -> str:
    return ";".join(f"{title}=dev-tpl-{n}" for n, title in enumerate(TEMPLATES, 1))


def parse_templates(raw: str) -> tuple[tuple[str, str], ...]:
    """``"派单提醒=id1;工单状态通知=id2"`` as pairs; a title WeChat's library (as this product
    fills it) does not have is a ConfigError."""
    pairs = []
    for part in filter(None, (p.strip() for p in raw.replace("\n", ";").split(";"))):
        title, sep, template_id = (x.strip() for x in part.partition("="))
        if not sep or not template_id or title not in TEMPLATES:
            raise ConfigError(f"WECHAT_TEMPLATES: {part!r} is not 「title=template id」 with a title of {', '.join(TEMPLATES)}")
        pairs.append((title, template_id))
    return tuple(pairs)


class ConfigError(RuntimeError):
    """The environment cannot make a working configuration."""




@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    redis_url: str | None
    wechat_token: str
    wechat_app_id: str
    wechat_app_secret: str
    wechat_encoding_aes_key: str
    data_key: str
    #: the account's message mode (``WECHAT_MESSAGE_MODE``; safe when an AES key is set and
    #: nothing is said, else plain): what ``/wechat`` accepts (``bot.wechat.MessageMode``)
    wechat_message_mode: str = "safe"
    #: seconds a signed request's timestamp may differ from our clock
    signature_window: int = 300
    #: largest request body accepted on /wechat
    max_body_bytes: int = 64 * 1024
    #: a reply later than this is sent again as a customer-service message
    reply_budget_seconds: float = 4.0
    #: longest passive reply, in characters (WeChat drops longer ones)
    max_reply_chars: int = 600
    #: the account's template messages for notices outside the 48-hour window, as (library
    #: title, template id) pairs (``WECHAT_TEMPLATES="派单提醒=id1;工单状态通知=id2"``; titles in
    #: ``models.notice_templates.TEMPLATES``); a kind whose template is missing is undeliverable
    notice_templates: tuple[tuple[str, str], ...] = ()
    #: the account's subscription messages (订阅通知), the same way (``WECHAT_SUBSCRIPTIONS``)
    notice_subscriptions: tuple[tuple[str, str], ...] = ()
    #: "record" keeps outbound messages in the database only; "wechat" sends them
    transport: str = "record"
    #: where the simulator and links point
    public_url: str = "http://127.0.0.1:5000"
    #: signs the back office's session cookies (``SECRET_KEY``)
    secret_key: str = ""
    #: "package.module:function" turning a voice message's media id into text, for voices WeChat
    #: sent without a recognition (``JZT_SPEECH_TO_TEXT``; "" = none: the user is asked again)
    speech_to_text: str = ""

    @property
    def is_dev(self) -> bool:
        return self.env in ("dev", "test")

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        environ = os.environ if environ is None else environ
        env = environ.get("JZT_ENV", "dev")
        if env not in ENVIRONMENTS:
            raise ConfigError(f"JZT_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
        values = {name: environ.get(name) for name in DEV_DEFAULTS}
        if env != "production":
            values = {name: (value if value is not None else DEV_DEFAULTS[name]) for name, value in values.items()}
        # safe when an AES key is set and nothing is said; production without a key must say plain
        mode = environ.get("WECHAT_MESSAGE_MODE") or ("safe" if values["WECHAT_ENCODING_AES_KEY"] or env == "production" else "plain")
        if env == "production":
            required = [name for name in REQUIRED_IN_PRODUCTION if not (name == "WECHAT_ENCODING_AES_KEY" and mode == "plain")]
            missing = [name for name in required if not values.get(name)]
            if missing:
                raise ConfigError("missing settings for production: " + ", ".join(missing))
        default_transport = "wechat" if env == "production" else "record"
        settings = cls(
            env=env,
            database_url=values["DATABASE_URL"],
            redis_url=values["REDIS_URL"] or None,
            wechat_token=values["WECHAT_TOKEN"],
            wechat_app_id=values["WECHAT_APP_ID"],
            wechat_app_secret=values["WECHAT_APP_SECRET"],
            wechat_encoding_aes_key=values["WECHAT_ENCODING_AES_KEY"] or "",
            wechat_message_mode=mode,
            data_key=values["DATA_KEY"],
            # dev has every template, so staff personas without a 48-hour window still see
            # theirs in the simulator as the phone would; test and production set them explicitly
            notice_templates=parse_templates(environ.get("WECHAT_TEMPLATES", _dev_templates() if env == "dev" else "")),
            notice_subscriptions=parse_templates(environ.get("WECHAT_SUBSCRIPTIONS", "")),
            transport=environ.get("JZT_TRANSPORT", default_transport),
            public_url=environ.get("JZT_PUBLIC_URL", "http://127.0.0.1:5000"),
            secret_key=values["SECRET_KEY"],
            speech_to_text=environ.get("JZT_SPEECH_TO_TEXT", ""),
        )
        if overrides:
            settings = settings.replace(**overrides)
        settings.validate()
        return settings

    def replace(self, **changes) -> "Settings":
        return _replace(self, **changes)

    def validate(self) -> None:
        problems = []
        if self.wechat_message_mode not in MESSAGE_MODES:
            problems.append(f"WECHAT_MESSAGE_MODE must be one of {', '.join(MESSAGE_MODES)} (as chosen in the WeChat console)")
        if (self.wechat_encoding_aes_key or self.wechat_message_mode != "plain") and len(self.wechat_encoding_aes_key) != 43:
            problems.append("WECHAT_ENCODING_AES_KEY must be 43 characters (as the WeChat console shows it)")
        if self.transport not in ("record", "wechat"):
            problems.append("JZT_TRANSPORT must be 'record' or 'wechat'")
        if self.env == "production" and self.transport != "wechat":
            problems.append("production sends through WeChat (JZT_TRANSPORT=wechat)")
        if self.speech_to_text and not re.fullmatch(r"[\w.]+:\w+", self.speech_to_text):
            problems.append("JZT_SPEECH_TO_TEXT must look like package.module:function")
        if self.env == "production" and len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be at least 32 characters in production")
        if problems:
            raise ConfigError("; ".join(problems))

    def describe(self) -> str:
        """A printable summary with secrets hidden, for the start-up banner."""
        secret = {"wechat_app_secret", "wechat_encoding_aes_key", "data_key", "wechat_token", "secret_key"}
        lines = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in secret and value:
                value = value[:3] + "…(hidden)"
            lines.append(f"  {f.name} = {value!r}")
        return "\n".join(lines)
