"""The /wechat webhook: verification, both modes, each message type, delivery rules, bad input."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from conversations import menu
from models.messages import InboundMessage, OutboundMessage
from workers.message_log import flush_message_log


def count(ctx, model) -> int:
    """Rows in the database once the batched message log is written."""
    flush_message_log()
    with ctx.Session() as db:
        return db.scalar(select(func.count()).select_from(model))


# -- verification ---------------------------------------------------------------------


def test_console_verification_echoes_echostr(client, wechat):
    query = wechat.verification("hello-4321")
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 200
    assert response.data == b"hello-4321"


def test_verification_with_wrong_signature_is_refused(client, wechat):
    query = wechat.verification() | {"signature": "0" * 40}
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 403
    assert b"hello" not in response.data


# -- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["safe", pytest.param("plain", marks=pytest.mark.message_mode("plain"))])
def test_text_round_trip_answers_with_menu(client, wechat, plain_wechat, ctx, mode):
    server = wechat if mode == "safe" else plain_wechat
    delivery = server.text("o_user_1", "你好")
    response = client.post(delivery.url, data=delivery.body)
    assert response.status_code == 200
    raw = response.data.decode()
    if mode == "safe":
        assert "<Encrypt>" in raw and "你好" not in raw and "救助通" not in raw
    reply = server.read_reply(response.data)
    assert reply["ToUserName"] == "o_user_1"
    assert "求助" in reply["Content"]
    assert count(ctx, InboundMessage) == 1
    assert count(ctx, OutboundMessage) == 1


def test_compatible_mode_body_with_clear_and_encrypted_fields_is_read_from_the_encrypted_part(client, wechat):
    import xmltodict

    delivery = wechat.text("o_user_2", "你好")
    envelope = xmltodict.parse(delivery.body)["xml"]
    envelope.update({"FromUserName": "o_user_2", "MsgType": "text", "Content": "你好"})
    body = xmltodict.unparse({"xml": envelope}, full_document=False).encode()
    response = client.post(delivery.url, data=body)
    assert response.status_code == 200
    assert "<Encrypt>" in response.data.decode()
    assert "求助" in wechat.read_reply(response.data)["Content"]


def test_stored_message_body_is_encrypted(client, wechat, ctx):
    delivery = wechat.text("o_user_3", "我的身份证号是341525195001011234")
    client.post(delivery.url, data=delivery.body)
    with ctx.Session() as db:
        row = db.scalars(select(InboundMessage)).one()
    assert "341525" not in row.body_enc
    assert "341525195001011234" in ctx.cipher.decrypt(row.body_enc)


# -- each message type ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, expect",
    [
        (lambda s: s.voice("o_t", "你好"), "求助"),
        (lambda s: s.voice("o_t", ""), "没听清"),
        (lambda s: s.location("o_t", 31.39, 116.33, "霍山县衡山镇"), "求助"),
        (lambda s: s.image("o_t"), "暂时处理不了"),
        (lambda s: s.link("o_t"), "暂时处理不了"),
        (lambda s: s.message("o_t", "shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}), "暂时处理不了"),
        (lambda s: s.message("o_t", "somethingnew", {}), "暂时处理不了"),
        (lambda s: s.event("o_t", "subscribe"), "欢迎关注"),
        (lambda s: s.event("o_t", "subscribe", key="qrscene_42", extra={"Ticket": "t"}), "欢迎关注"),
        (lambda s: s.event("o_t", "SCAN", key="42", extra={"Ticket": "t"}), "欢迎关注"),
        (lambda s: s.event("o_t", "CLICK", key="UNKNOWN_KEY"), "求助"),
        (lambda s: s.event("o_t", "VIEW", key="http://example.invalid/"), None),
        (lambda s: s.event("o_t", "unsubscribe"), None),
        (lambda s: s.event("o_t", "LOCATION", extra={"Latitude": "31.39", "Longitude": "116.33", "Precision": "30"}), None),
    ],
    ids=["voice", "voice-empty", "location", "image", "link", "shortvideo", "unknown", "subscribe", "subscribe-qr", "scan", "click", "view", "unsubscribe", "location-event"],
)
def test_every_message_type_gets_a_polite_answer(chat, wechat, ctx, make, expect):
    response = chat.post(make(wechat))
    assert response.status_code == 200
    reply = wechat.read_reply(response.data)
    if expect is None:
        assert reply is None and response.data == b"success"
    else:
        assert expect in reply["Content"]
    assert count(ctx, InboundMessage) == 1


# -- delivery rules -------------------------------------------------------------------


def test_a_retry_gets_the_same_reply_and_is_processed_once(client, wechat, ctx):
    delivery = wechat.text("o_retry", "你好", msg_id=777)
    first = client.post(delivery.url, data=delivery.body)
    second = client.post(delivery.url, data=delivery.body)
    assert wechat.read_reply(first.data)["Content"] == wechat.read_reply(second.data)["Content"]
    assert count(ctx, InboundMessage) == 1
    assert count(ctx, OutboundMessage) == 1


def test_same_msgid_from_two_users_is_two_messages(client, wechat, ctx):
    for openid in ("o_a", "o_b"):
        delivery = wechat.text(openid, "你好", msg_id=4242)
        client.post(delivery.url, data=delivery.body)
    assert count(ctx, InboundMessage) == 2


def test_three_concurrent_deliveries_are_processed_once(app, wechat, ctx):
    delivery = wechat.text("o_concurrent", "你好", msg_id=99001)
    results: list = []
    barrier = threading.Barrier(3)

    def deliver():
        with app.test_client() as client:
            barrier.wait()
            results.append(client.post(delivery.url, data=delivery.body))

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200, 200, 200]
    answered = [wechat.read_reply(r.data) for r in results]
    assert any(a and "求助" in a["Content"] for a in answered)
    assert all(a is None or "求助" in a["Content"] for a in answered)  # others: same reply or success
    assert count(ctx, InboundMessage) == 1
    assert count(ctx, OutboundMessage) == 1


def test_database_catches_a_duplicate_turn_that_changed_data_when_redis_forgot(client, wechat, ctx):
    delivery = wechat.text("o_forgot", "求助", msg_id=31337)  # starts a flow: a draft is written
    client.post(delivery.url, data=delivery.body)
    ctx.redis.flushdb()  # Redis lost its memory (restart without persistence)
    again = client.post(delivery.url, data=delivery.body)
    assert again.status_code == 200 and again.data == b"success"
    assert count(ctx, InboundMessage) == 1


def test_a_read_only_turn_repeated_after_redis_forgot_is_logged_once(client, wechat, ctx):
    delivery = wechat.text("o_forgot", "你好", msg_id=31338)
    first = client.post(delivery.url, data=delivery.body)
    ctx.redis.flushdb()
    again = client.post(delivery.url, data=delivery.body)
    assert wechat.read_reply(first.data)["Content"] == wechat.read_reply(again.data)["Content"]
    assert count(ctx, InboundMessage) == 1


def test_a_duplicate_found_by_the_database_leaves_the_user_free_to_go_on(client, wechat, ctx):
    delivery = wechat.text("o_forgot", "求助", msg_id=31339)
    client.post(delivery.url, data=delivery.body)
    ctx.redis.flushdb()
    assert client.post(delivery.url, data=delivery.body).data == b"success"
    assert ctx.redis.get("jzt:lock:o_forgot") is None  # not held until it times out
    started = time.monotonic()
    following = wechat.text("o_forgot", "1")
    reply = wechat.read_reply(client.post(following.url, data=following.body).data)
    assert time.monotonic() - started < 1.0 and "给谁登记" in reply["Content"]  # the dialogue goes on


def test_a_message_waits_for_the_same_users_turn_in_progress(client, wechat, ctx):
    ctx.redis.set("jzt:lock:o_busy", "a-turn-on-another-worker", px=1_200)
    started = time.monotonic()
    delivery = wechat.text("o_busy", "你好")
    reply = wechat.read_reply(client.post(delivery.url, data=delivery.body).data)
    assert time.monotonic() - started >= 1.0
    assert "求助" in reply["Content"]
    assert count(ctx, InboundMessage) == 1
    assert ctx.redis.get("jzt:lock:o_busy") is None


def test_a_turn_that_failed_is_retried_in_full_by_wechats_next_delivery(app, client, wechat, ctx, monkeypatch):
    from bot import inbound

    real_route = inbound.route
    monkeypatch.setattr(inbound, "route", lambda turn: 1 / 0)
    delivery = wechat.text("o_fails", "你好", msg_id=5150)
    first = wechat.read_reply(client.post(delivery.url, data=delivery.body).data)
    assert menu.SYSTEM_ERROR[:8] in first["Content"]
    assert ctx.redis.get("jzt:lock:o_fails") is None
    monkeypatch.setattr(inbound, "route", real_route)
    again = wechat.read_reply(client.post(delivery.url, data=delivery.body).data)
    assert "求助" in again["Content"]
    assert count(ctx, InboundMessage) == 1


def test_redis_failing_after_the_claim_still_logs_the_message_and_answers(app, client, wechat, ctx):
    from redis.exceptions import ConnectionError as RedisConnectionError

    guard = app.extensions["jzt.guard"]
    real_eval = guard._eval

    def down_when_closing(script, keys, args):
        if script is guard._close:
            raise RedisConnectionError("Redis went away")
        return real_eval(script, keys, args)

    object.__setattr__(guard, "_eval", down_when_closing)
    try:
        delivery = wechat.text("o_closing", "你好")
        reply = wechat.read_reply(client.post(delivery.url, data=delivery.body).data)
    finally:
        object.__delattr__(guard, "_eval")
    assert "求助" in reply["Content"]
    with ctx.Session() as db:  # written directly, not waiting in Redis
        assert db.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_a_redis_that_lost_its_scripts_still_dedups(client, wechat, ctx):
    delivery = wechat.text("o_scripts", "你好", msg_id=60601)
    first = client.post(delivery.url, data=delivery.body)
    ctx.redis.script_flush()  # as after a Redis restart
    again = client.post(delivery.url, data=delivery.body)
    assert wechat.read_reply(first.data)["Content"] == wechat.read_reply(again.data)["Content"]
    assert count(ctx, InboundMessage) == 1


def test_events_are_deduplicated_by_sender_and_create_time(client, wechat, ctx):
    delivery = wechat.event("o_ev", "subscribe", create_time=1_700_000_000 + int(time.time()) % 1000)
    client.post(delivery.url, data=delivery.body)
    client.post(delivery.url, data=delivery.body)
    assert count(ctx, InboundMessage) == 1


# -- bad input ------------------------------------------------------------------------


def test_wrong_signature_is_403_and_stores_nothing(client, wechat, ctx):
    delivery = wechat.text("o_bad", "你好")
    query = dict(delivery.query, signature="f" * 40)
    response = client.post("/wechat", query_string=query, data=delivery.body)
    assert response.status_code == 403
    assert count(ctx, InboundMessage) == 0


def test_wrong_msg_signature_is_403(client, wechat, ctx):
    delivery = wechat.text("o_bad", "你好")
    response = client.post("/wechat", query_string=dict(delivery.query, msg_signature="0" * 40), data=delivery.body)
    assert response.status_code == 403
    assert count(ctx, InboundMessage) == 0


@pytest.mark.parametrize("skew", [-3600, -301, 301, 86400])
def test_stale_or_future_timestamp_is_403(client, settings, ctx, skew):
    from bot.simclient import WeChatServer

    server = WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key, clock=lambda: time.time() + skew)
    delivery = server.text("o_old", "你好")
    assert client.post(delivery.url, data=delivery.body).status_code == 403
    assert count(ctx, InboundMessage) == 0


@pytest.mark.message_mode("plain")
def test_plain_mode_query_replayed_with_another_body_is_403(client, plain_wechat, ctx):
    first = plain_wechat.text("o_victim", "你好")
    assert client.post(first.url, data=first.body).status_code == 200
    forged = plain_wechat.text("o_attacker", "取消我的申请")
    response = client.post(first.url, data=forged.body)  # captured query, new body
    assert response.status_code == 403
    assert count(ctx, InboundMessage) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName>a</ToUserName>",  # truncated
        b"not xml at all",
        b"\xff\xfe\x00garbage",  # invalid UTF-8
        b"<xml></xml>",  # no sender
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>',
        b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><FromUserName>&xxe;</FromUserName></xml>',
        b"<xml>" + b"<a>" * 200_00 + b"</a>" * 200_00 + b"</xml>",  # deep nesting, but over the size cap too
        b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</xml>",
        b"<xml>" + b"x" * (70 * 1024) + b"</xml>",  # over 64 KB
    ],
    ids=["truncated", "not-xml", "bad-utf8", "no-sender", "billion-laughs", "xxe", "huge-nesting", "nesting", "oversized"],
)
@pytest.mark.message_mode("plain")
def test_malformed_or_hostile_plain_bodies_are_400_and_store_nothing(client, plain_wechat, ctx, body):
    delivery = plain_wechat.text("o_x", "x")
    response = client.post(delivery.url, data=body)
    assert response.status_code == 400
    assert b"Traceback" not in response.data
    assert count(ctx, InboundMessage) == 0


def test_deeply_nested_encrypted_xml_is_400(client, wechat, ctx):
    nested = "<xml><ToUserName>a</ToUserName>" + "<a>" * 50_000 + "</a>" * 50_000 + "</xml>"
    delivery = wechat.deliver(nested)
    response = client.post(delivery.url, data=delivery.body)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "encrypt",
    ["!!!notbase64!!!", "QUJD", "A" * 64, ""],
    ids=["not-base64", "short", "garbage-blocks", "empty"],
)
def test_garbage_ciphertext_is_400_or_403(client, wechat, ctx, encrypt):
    from bot.wechat import sign

    delivery = wechat.text("o_x", "x")
    query = dict(delivery.query)
    query["msg_signature"] = sign(wechat.token, query["timestamp"], query["nonce"], encrypt)
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()
    response = client.post("/wechat", query_string=query, data=body)
    assert response.status_code == 400
    assert count(ctx, InboundMessage) == 0


def test_wrong_aes_key_is_400(client, settings, ctx):
    from bot.simclient import WeChatServer

    other = WeChatServer(settings.wechat_token, settings.wechat_app_id, "Z" * 43)
    delivery = other.text("o_x", "你好")
    response = client.post(delivery.url, data=delivery.body)
    assert response.status_code == 400
    assert count(ctx, InboundMessage) == 0


def test_cdata_breakout_in_echoed_text_cannot_inject_elements(settings):
    from wechatpy import parse_message

    from bot.wechat import WeChatProtocol

    protocol = WeChatProtocol(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key)
    message = parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>")
    evil = "您说的是：]]></Content><MsgType><![CDATA[music]]></MsgType><Content><![CDATA["
    xml = protocol.render_text(message, evil)
    import xmltodict

    parsed = xmltodict.parse(xml)["xml"]
    assert parsed["MsgType"] == "text"
    assert parsed["Content"] == evil


def test_long_replies_are_split_under_the_limit():
    from bot.inbound import split_long
    from handlers.turn import Answer

    answer = split_long(Answer.say("第一行\n" + "很长的内容。" * 300), 600)
    assert len(answer.texts) > 1
    assert all(len(t) <= 600 for t in answer.texts)
    assert "随后" in answer.texts[0]
    assert "".join(answer.texts).count("很长的内容。") == 300


def test_menu_text_fits_a_single_reply():
    assert len(menu.WELCOME) < 600
