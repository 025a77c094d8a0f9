"""Forged senders: what someone who has read one signed query (an access log, a proxy) can do.

A query's ``signature`` covers (token, timestamp, nonce) and nothing else. The attacker below
has such a query and wants to speak as a provider (whose 任务 lists residents' addresses), a
secretary or town staff. Each test is one way in, and shows it closed: a 403 (or a 503 when no
store can say whether the query was used), nothing stored, no reply.
"""

from __future__ import annotations

import dataclasses
import time
from contextlib import contextmanager

import pytest
import xmltodict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.config import ConfigError, Settings
from bot.delivery import DeliveryGuard
from bot.demo import PROVIDER, RESIDENT, SECRETARY
from bot.simclient import WeChatServer
from db.base import make_engine, make_sessionmaker
from models.messages import InboundMessage, OutboundMessage
from models.requests.requests import ServiceRequest
from models.spent_queries import SpentQuery
from tests.support import drain
from tests.web.hostile_corpus import TEXTS
from core import context as worker_context
from core.connection import connect, queues
from workers.message_log import flush_message_log

ADDRESS = "3组12号"  # 王桂英's home, shown to the provider once the order is accepted


@pytest.fixture
def county(ctx):
    from bot import demo

    with ctx.Session.begin() as db:
        demo.seed(db, ctx.cipher)
    return demo


@pytest.fixture
def accepted_order(chat, ctx, county):
    """王桂英 asked for cleaning and 康乐家政 accepted: the provider's 任务 shows her address."""
    chat.run(RESIDENT, "> 求助\n> 1\n> 助洁助行\n> 帮忙打扫一下屋子\n> 明天\n> 对\n> 是\n< 已收到")
    drain(ctx)
    chat.run(PROVIDER, f"> 接单\n< 接单成功\n> 任务\n< {ADDRESS}")


def rows(ctx, flush: bool = True) -> tuple[int, int, int]:
    if flush:  # (with Redis away, turns log directly)
        flush_message_log()
    with ctx.Session() as db:
        return tuple(db.scalar(select(func.count()).select_from(t)) for t in (InboundMessage, OutboundMessage, ServiceRequest))


def plain_body(server: WeChatServer, openid: str, text: str) -> bytes:
    """A message as the attacker writes it: clear XML naming whoever they like."""
    return dataclasses.replace(server, safe_mode=False).text(openid, text).body


def refused(response, status: int | tuple = 403) -> None:
    assert response.status_code in (status if isinstance(status, tuple) else (status,)), (response.status_code, response.data[:200])
    assert response.data in (b"forbidden", b"unavailable", b"bad request")
    assert ADDRESS.encode() not in response.data and "王".encode() not in response.data


# -- the forged plain delivery --------------------------------------------------------


def test_a_safe_mode_query_sent_again_without_encrypt_type_and_a_plain_body_is_refused(client, chat, wechat, ctx, accepted_order):
    captured = wechat.text(RESIDENT, "进度")  # a real delivery: its query lands in an access log
    assert chat.post(captured).status_code == 200
    before = rows(ctx)
    forged = {k: v for k, v in captured.query.items() if k not in ("encrypt_type", "msg_signature")}
    for query in (forged, dict(forged, encrypt_type="raw")):
        refused(client.post("/wechat", query_string=query, data=plain_body(wechat, PROVIDER, "任务"), content_type="text/xml"))
    # with its msg_signature kept, the plain body has nothing to decrypt: a 400
    refused(client.post("/wechat", query_string=dict(captured.query, encrypt_type="raw"), data=plain_body(wechat, PROVIDER, "任务")), (400, 403))
    assert rows(ctx) == before


@pytest.mark.parametrize("mode", ["safe", pytest.param("compatible", marks=pytest.mark.message_mode("compatible"))])
def test_a_fresh_plain_delivery_is_refused_in_safe_and_compatible_mode(client, plain_wechat, ctx, county, mode):
    # even a never-used query (the attacker saw it before WeChat's delivery arrived) gets nowhere
    for openid, text in ((PROVIDER, "任务"), (SECRETARY, "待办")):
        delivery = plain_wechat.text(openid, text)
        refused(client.post(delivery.url, data=delivery.body))
    assert rows(ctx) == (0, 0, 0)


@pytest.mark.message_mode("compatible")
def test_compatible_mode_reads_the_signed_part_and_ignores_clear_fields_naming_someone_else(client, wechat, ctx, county):
    delivery = wechat.text(RESIDENT, "你好")
    envelope = xmltodict.parse(delivery.body)["xml"]
    envelope.update({"FromUserName": PROVIDER, "MsgType": "text", "Content": "任务", "MsgId": "1"})
    response = client.post(delivery.url, data=xmltodict.unparse({"xml": envelope}, full_document=False).encode())
    reply = wechat.read_reply(response.data)
    assert reply["ToUserName"] == RESIDENT and ADDRESS not in reply["Content"]
    flush_message_log()
    with ctx.Session() as db:
        assert db.scalars(select(InboundMessage.openid)).all() == [RESIDENT]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.sampled_from(TEXTS), st.text(max_size=200)), sender=st.sampled_from([PROVIDER, SECRETARY, RESIDENT, "o_any"]),
       encrypt_type=st.sampled_from([None, "raw", "aes", "", "AES"]))
def test_fuzz_plain_deliveries_in_safe_mode(client, ctx, plain_wechat, text, sender, encrypt_type):
    delivery = plain_wechat.text(sender, text)
    query = delivery.query if encrypt_type is None else dict(delivery.query, encrypt_type=encrypt_type)
    response = client.post("/wechat", query_string=query, data=delivery.body)
    assert response.status_code in (400, 403), response.status_code  # 400: not even XML
    assert rows(ctx) == (0, 0, 0)


# -- one body per signed query ----------------------------------------------------------


def test_two_bodies_signed_with_one_timestamp_and_nonce_are_one_too_many(client, wechat, ctx, county):
    # WeChat never signs two messages with one (timestamp, nonce); whoever does holds the token
    # or replays: the second is refused even with a valid msg_signature
    timestamp, nonce = str(int(time.time())), "n-once"
    first = wechat.deliver(wechat.envelope(RESIDENT, "text", {"Content": "你好", "MsgId": "9101"}), timestamp, nonce)
    second = wechat.deliver(wechat.envelope(PROVIDER, "text", {"Content": "任务", "MsgId": "9102"}), timestamp, nonce)
    assert client.post(first.url, data=first.body).status_code == 200
    before = rows(ctx)
    refused(client.post(second.url, data=second.body))
    assert rows(ctx) == before
    # and WeChat's retry of the first (same query, same body) is still answered, once
    assert wechat.read_reply(client.post(first.url, data=first.body).data)["ToUserName"] == RESIDENT
    assert rows(ctx) == before


@pytest.mark.message_mode("plain")
def test_plain_mode_a_query_from_the_consoles_url_check_cannot_carry_a_message(client, plain_wechat, ctx, county):
    check = plain_wechat.verification("echo-1")
    assert client.get("/wechat", query_string=check).data == b"echo-1"
    assert client.get("/wechat", query_string=check).data == b"echo-1"  # the console trying again
    query = {k: v for k, v in check.items() if k != "echostr"}
    refused(client.post("/wechat", query_string=query, data=plain_body(plain_wechat, PROVIDER, "任务")))
    assert rows(ctx) == (0, 0, 0)


@pytest.mark.message_mode("plain")
def test_plain_mode_keeps_every_spend_in_the_database_so_a_redis_that_forgot_changes_nothing(client, plain_wechat, ctx, county):
    delivery = plain_wechat.text(RESIDENT, "你好")
    assert client.post(delivery.url, data=delivery.body).status_code == 200
    ctx.redis.flushdb()  # restarted without persistence
    refused(client.post(delivery.url, data=plain_body(plain_wechat, PROVIDER, "任务")))
    with ctx.Session() as db:
        assert db.scalar(select(func.count()).select_from(SpentQuery)) == 1


# -- the sender named by the query ------------------------------------------------------


@pytest.mark.parametrize("mode", ["safe", pytest.param("plain", marks=pytest.mark.message_mode("plain"))])
def test_the_querys_openid_must_be_the_sender(client, wechat, plain_wechat, ctx, county, mode):
    server = wechat if mode == "safe" else plain_wechat
    other = server.text(PROVIDER, "任务")
    refused(client.post("/wechat", query_string=dict(other.query, openid=RESIDENT), data=other.body))
    assert rows(ctx) == (0, 0, 0)
    mine = server.text(RESIDENT, "你好")
    assert client.post("/wechat", query_string=dict(mine.query, openid=RESIDENT), data=mine.body).status_code == 200


# -- when Redis, or Redis and the database, are away -----------------------------------


@contextmanager
def stores_down(app, ctx, *, database: bool = False):
    """Redis unreachable for the app (and, with ``database``, PostgreSQL too)."""
    dead = connect("redis://127.0.0.1:1/0")
    down = dataclasses.replace(ctx, redis=dead, queues=queues(dead))
    if database:
        engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
        down = dataclasses.replace(down, engine=engine, Session=make_sessionmaker(engine))
    guard = app.extensions["jzt.guard"]
    app.extensions.update({"jzt.context": down, "jzt.guard": DeliveryGuard(dead, ctx.cipher)})
    worker_context.install(down)
    try:
        yield
    finally:
        app.extensions.update({"jzt.context": ctx, "jzt.guard": guard})
        worker_context.install(ctx)


def test_with_redis_down_the_database_spends_the_query(app, client, wechat, ctx, county):
    timestamp, nonce = str(int(time.time())), "n-down"
    first = wechat.deliver(wechat.envelope(RESIDENT, "text", {"Content": "你好", "MsgId": "9201"}), timestamp, nonce)
    second = wechat.deliver(wechat.envelope(PROVIDER, "text", {"Content": "任务", "MsgId": "9202"}), timestamp, nonce)
    with stores_down(app, ctx):
        assert wechat.read_reply(client.post(first.url, data=first.body).data)["ToUserName"] == RESIDENT
        before = rows(ctx, flush=False)
        refused(client.post(second.url, data=second.body))
        assert rows(ctx, flush=False) == before


def test_with_redis_and_the_database_down_nothing_gets_through(app, client, wechat, plain_wechat, ctx, county):
    delivery = wechat.text(PROVIDER, "任务")
    with stores_down(app, ctx, database=True):
        refused(client.post(delivery.url, data=delivery.body), status=503)
    # fail closed, not open: the same delivery is processed once the stores are back
    assert wechat.read_reply(client.post(delivery.url, data=delivery.body).data)["ToUserName"] == PROVIDER


# -- the setting -------------------------------------------------------------------------


def test_the_mode_is_a_setting_safe_unless_said():
    dev = Settings.from_env({"JZT_ENV": "dev"})
    assert dev.wechat_message_mode == "safe"
    assert Settings.from_env({"JZT_ENV": "dev", "WECHAT_ENCODING_AES_KEY": ""}).wechat_message_mode == "plain"
    with pytest.raises(ConfigError, match="WECHAT_MESSAGE_MODE"):
        Settings.from_env({"JZT_ENV": "dev", "WECHAT_MESSAGE_MODE": "aes"})
    with pytest.raises(ConfigError, match="WECHAT_ENCODING_AES_KEY"):
        Settings.from_env({"JZT_ENV": "dev", "WECHAT_MESSAGE_MODE": "safe", "WECHAT_ENCODING_AES_KEY": ""})
