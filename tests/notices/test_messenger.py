"""The messenger against the WeChat fake: the window as WeChat counts it, and what falls back."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from core.messenger import Messenger
from core.wechat_fake import FakeWeChat
from models.messages import Channel, OutboundMessage, OutboundStatus
from models.notice_templates import TEMPLATES
from models.notices import Notice, NoticeKind
from tests.notices.samples import SAMPLES
from workers.message_log import flush_message_log

TEMPLATE_IDS = {title: f"tpl-{n}" for n, title in enumerate(TEMPLATES)}
OFFER = SAMPLES[NoticeKind.NEW_OFFER]


@pytest.fixture
def fake(ctx):
    return FakeWeChat(ctx.redis, templates={i: t for t, i in TEMPLATE_IDS.items()}, subscriptions={"sub-offer": "派单提醒"})


def _messenger(ctx, fake, templates=TEMPLATE_IDS, subscriptions=None):
    return Messenger(ctx.cipher, fake, templates, subscriptions or {}, link=lambda i: f"https://jzt.example/m/n/{i}")


def _send(ctx, messenger, openid, now, text="【新派单】服务单 FW20261207-0001 ……", kind=NoticeKind.NEW_OFFER, facts=OFFER):
    with ctx.Session.begin() as db:
        row = messenger.queue(db, Notice(openid, text, kind.value, facts))
    with ctx.Session.begin() as db:
        status = messenger.deliver(db, row.id, now)
    with ctx.Session() as db:
        return status, db.get(OutboundMessage, row.id).channel


def _said(chat, openid, text="你好"):
    chat.say(openid, text)
    flush_message_log()  # the send job writes the log before it looks at the window


def test_five_customer_service_messages_after_a_message_then_the_template(chat, ctx, fake):
    ctx = dataclasses.replace(ctx, messenger=_messenger(ctx, fake))
    _said(chat, "o_window")
    now = ctx.clock()
    channels = [_send(ctx, ctx.messenger, "o_window", now)[1] for _ in range(6)]
    assert channels == [Channel.CUSTOMER_SERVICE.value] * 5 + [Channel.TEMPLATE.value]
    assert _send(ctx, ctx.messenger, "o_window", now + dt.timedelta(hours=48, seconds=1))[1] == Channel.TEMPLATE.value
    chat.clock.advance(hours=50)
    _said(chat, "o_window", "在吗")  # a new message opens the window afresh
    assert _send(ctx, ctx.messenger, "o_window", ctx.clock())[1] == Channel.CUSTOMER_SERVICE.value


def test_a_menu_click_opens_three_messages_within_a_minute(chat, ctx, fake, wechat):
    messenger = _messenger(ctx, fake)
    chat.post(wechat.event("o_click", "CLICK", key="MENU_PROGRESS"))
    flush_message_log()
    now = ctx.clock()
    assert [_send(ctx, messenger, "o_click", now)[1] for _ in range(4)] == ["customer_service"] * 3 + ["template"]
    chat.post(wechat.event("o_click", "CLICK", key="MENU_HELP"))
    flush_message_log()
    assert _send(ctx, messenger, "o_click", ctx.clock() + dt.timedelta(seconds=61))[1] == "template"


def test_wechat_refusing_a_customer_service_message_falls_back_to_the_template(chat, ctx, fake):
    """Our count says the window is open (a message we logged), WeChat's does not (45015): the
    template goes, as WeChat allows."""
    _said(chat, "o_refused")
    fake.redis.delete("jzt:fake:window:o_refused")  # WeChat never saw it (or it expired there)
    status, channel = _send(ctx, _messenger(ctx, fake), "o_refused", ctx.clock())
    assert (status, channel) == (OutboundStatus.SENT, "template")
    with ctx.Session() as db:
        [row] = db.scalars(select(OutboundMessage).where(OutboundMessage.openid == "o_refused", OutboundMessage.channel == "template"))
        assert row.payload_enc and "FW20261207-0001" in ctx.cipher.decrypt(row.payload_enc)


def test_what_the_phone_shows_of_a_template(chat, ctx, fake):
    messenger = _messenger(ctx, fake)
    with ctx.Session.begin() as db:
        row = messenger.queue(db, Notice("o_phone", "全文", NoticeKind.NEW_OFFER.value, OFFER))
    with ctx.Session.begin() as db:
        messenger.deliver(db, row.id, ctx.clock())
    shown = fake.shown(row.id)
    assert shown["channel"] == "template" and shown["url"] == f"https://jzt.example/m/n/{row.id}"
    assert [f["label"] for f in shown["fields"]] == ["工单编号", "服务项目", "服务地点", "接单截止", "办理方式"]
    assert shown["fields"][0]["value"] == "FW20261207-0001" and shown["fields"][3]["value"] == "2026年12月8日 17:30"


def test_no_template_is_undeliverable_and_kept_with_the_reason(ctx, fake):
    status, _ = _send(ctx, _messenger(ctx, fake, templates={}), "o_silent", ctx.clock())
    assert status is OutboundStatus.UNDELIVERABLE
    with ctx.Session() as db:
        row = db.scalar(select(OutboundMessage).where(OutboundMessage.openid == "o_silent"))
        assert row.status == "undeliverable" and "45015" in row.error and "派单提醒" in row.error


def test_a_subscription_message_goes_only_to_a_subscriber(ctx, fake):
    messenger = _messenger(ctx, fake, templates={}, subscriptions={"派单提醒": "sub-offer"})
    assert _send(ctx, messenger, "o_sub", ctx.clock())[0] is OutboundStatus.UNDELIVERABLE  # 43101
    fake.subscribe("o_sub", "sub-offer")
    assert _send(ctx, messenger, "o_sub", ctx.clock()) == (OutboundStatus.SENT, "subscription")


def test_delivery_is_idempotent(chat, ctx, fake):
    messenger = _messenger(ctx, fake)
    _said(chat, "o_twice")
    with ctx.Session.begin() as db:
        row = messenger.queue_text(db, "o_twice", "一次")
    for _ in range(3):
        with ctx.Session.begin() as db:
            messenger.deliver(db, row.id, ctx.clock())
    assert fake.window("o_twice").sent_since_message == 1
