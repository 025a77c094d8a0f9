"""What a job needs (database, Redis, messenger), built once per worker process.

Jobs take plain ids and call ``current()``; the worker process builds the context
from the environment on first use. The web app and the tests install theirs with
``install()``, so the in-process worker and test workers share the app's engine.
Nothing here is state: it is the process's connections and settings.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from redis import Redis
from rq import Queue
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from core.config import ConfigError, Settings
from core.links import notice_url
from core.messenger import Messenger
from db.crypto import DataCipher
from db.base import make_engine, make_sessionmaker, utcnow
from core.connection import connect, queues


@dataclass(frozen=True)
class Context:
    settings: Settings
    engine: Engine
    Session: sessionmaker
    redis: Redis
    queues: dict[str, Queue]
    cipher: DataCipher
    messenger: Messenger
    #: the time, for every business rule (tests install a fake clock)
    clock: Callable[[], dt.datetime] = utcnow
    #: the configured speech-to-text engine (``Settings.speech_to_text``), or None
    speech_to_text: Callable[[str], str | None] | None = None
    #: the Official Account's tags, menus and JS-SDK ticket (``core.wechat_api.WeChatAccount``,
    #: or the fake, which is also the messenger's transport outside production)
    account: Any = None

    def queue(self, name: str = "default") -> Queue:
        return self.queues[name]


def build(settings: Settings, engine: Engine | None = None, redis: Redis | None = None) -> Context:
    engine = engine or make_engine(settings.database_url)
    redis = redis if redis is not None else connect(settings.redis_url)
    cipher = DataCipher(settings.data_key)
    transport, account = make_transport(settings, redis)
    return Context(
        settings=settings,
        engine=engine,
        Session=make_sessionmaker(engine),
        redis=redis,
        queues=queues(redis),
        cipher=cipher,
        messenger=Messenger(
            cipher, transport, dict(settings.notice_templates), dict(settings.notice_subscriptions),
            link=partial(notice_url, settings.public_url, settings.secret_key),
        ),
        speech_to_text=load_callable(settings.speech_to_text) if settings.speech_to_text else None,
        account=account,
    )


def load_callable(path: str) -> Callable:
    """``package.module:function`` to the function; a ConfigError naming what is wrong."""
    module_name, _, name = path.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load {path}: {exc}") from None
    if not callable(found):
        raise ConfigError(f"{path} is not a function")
    return found


def make_transport(settings: Settings, redis: Redis):
    """The messenger's transport and the account's API: WeChat's (production) or the fake."""
    if settings.transport == "wechat":
        from core.wechat_api import SharedTokenClient, WeChatAccount, WeChatTransport

        client = SharedTokenClient(settings.wechat_app_id, settings.wechat_app_secret, redis)
        return WeChatTransport(client), WeChatAccount(client)
    from core.wechat_fake import FakeWeChat

    fake = FakeWeChat(redis, settings.wechat_app_id, {i: t for t, i in settings.notice_templates}, {i: t for t, i in settings.notice_subscriptions})
    return fake, fake


_current: list[Context] = []


def install(context: Context) -> Context:
    _current[:] = [context]
    return context


def current() -> Context:
    if not _current:
        install(build(Settings.from_env()))
    return _current[0]
