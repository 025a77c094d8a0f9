"""Every notice kind rendered for each channel: what the phone shows fits and says what matters."""

from __future__ import annotations

import pytest

from core.wechat_fake import FakeWeChat
from models.notice_templates import KIND_TEMPLATE, TEMPLATES, moment, render_subscription, render_template, template_for
from models.notices import Facts, NoticeKind
from policy.display import fit_template, template_width, units
from tests.notices.samples import AT, SAMPLES

URL = "https://jzt.example.gov.cn/m/n/MTIz.abc"
ALL_TEMPLATES = {f"tpl-{n}": title for n, title in enumerate(TEMPLATES)}


def test_every_kind_has_one_template_and_a_sample():
    assert set(KIND_TEMPLATE) == set(NoticeKind) == set(SAMPLES)
    assert set(KIND_TEMPLATE.values()) == set(TEMPLATES)  # no template unused
    assert len(TEMPLATES) <= 25  # WeChat's limit of templates per account


def test_wechat_counts_a_run_of_letters_or_digits_as_one():
    assert template_width("FW20261207-0001") == 4  # FW, 20261207, -, 0001 (a mixed run counted as two: never more than WeChat)
    assert template_width("王**") == 3
    assert template_width("2026年12月7日 14:30") == 10
    assert units("T12 等3户") == ["T", "12", " ", "等", "3", "户"]
    long = "霍山县颐和养老服务有限责任公司会联系您，请保持电话畅通"
    assert fit_template(long).endswith("…") and template_width(fit_template(long)) == 20
    assert fit_template("第一行\n第二行") == "第一行 第二行"


@pytest.mark.parametrize("kind", list(NoticeKind), ids=lambda k: k.value)
def test_template_fields_fit_and_show_the_number_and_deadline(kind, ctx):
    facts = SAMPLES[kind]
    message = render_template(kind, facts, URL)
    template = template_for(kind)
    assert set(message.values) == {k.key for k in template.keywords} and message.url == URL
    for key, value in message.values.items():
        assert template_width(value) <= 20 and "\n" not in value, (key, value)
    shown = _sent(ctx, kind, message)
    assert shown["url"] == URL and shown["title"] == template.title
    on_phone = {f["label"]: f["value"] for f in shown["fields"]}
    assert list(on_phone.values()) == list(message.values.values())  # WeChat cut nothing
    if facts.number:
        assert facts.number in on_phone.values()
    if facts.deadline:
        assert moment(facts.deadline) in on_phone.values()
    assert all(v for v in on_phone.values()), on_phone  # no empty field


@pytest.mark.parametrize("kind", list(NoticeKind), ids=lambda k: k.value)
def test_subscription_fields_fit_every_character_counted(kind, ctx):
    facts = SAMPLES[kind]
    message = render_subscription(kind, facts, URL)
    assert all(len(v) <= 20 for v in message.values.values())
    fake = FakeWeChat(ctx.redis, subscriptions={"sub-1": template_for(kind).title})
    fake.subscribe("o_sub", "sub-1")
    fake.send_subscription("o_sub", "sub-1", message, ref=7, now=AT)
    assert fake.shown(7)["channel"] == "subscription"


def test_a_notice_without_facts_shows_the_start_of_its_text_and_when(ctx):
    from models.notice_templates import facts_or_text

    facts = facts_or_text(None, "【需要人工】一位群众在“主菜单”时请求人工帮助，请尽快联系。回复“待办”查看详情。", AT)
    message = render_template("handover", facts, URL)
    assert all(template_width(v) <= 20 for v in message.values.values())
    assert message.values["time2"] if "time2" in message.values else True


def test_the_fake_refuses_what_wechat_refuses(ctx):
    from core.messenger import Refused

    fake = FakeWeChat(ctx.redis, templates=ALL_TEMPLATES)
    good = render_template(NoticeKind.NEW_OFFER, SAMPLES[NoticeKind.NEW_OFFER], URL)
    tpl = next(i for i, t in ALL_TEMPLATES.items() if t == "派单提醒")
    with pytest.raises(Refused) as unknown:
        fake.send_template("o_x", "no-such-template", good, ref=1, now=AT)
    assert unknown.value.errcode == 40037
    chinese_number = type(good)(good.title, {**good.values, "character_string1": "服务单1"}, URL)
    with pytest.raises(Refused) as bad:
        fake.send_template("o_x", tpl, chinese_number, ref=2, now=AT)
    assert bad.value.errcode == 47003
    too_long = type(good)(good.title, {**good.values, "thing2": "一二三四五六七八九十一二三四五六七八九十二十一"}, URL)
    fake.send_template("o_x", tpl, too_long, ref=3, now=AT)  # WeChat cuts a template field without an error
    assert fake.shown(3)["fields"][1]["value"] == "一二三四五六七八九十一二三四五六七八九十…"


def _sent(ctx, kind, message) -> dict:
    fake = FakeWeChat(ctx.redis, templates=ALL_TEMPLATES)
    template_id = next(i for i, t in ALL_TEMPLATES.items() if t == template_for(kind).title)
    fake.send_template("o_phone", template_id, message, ref=99, now=AT)
    return fake.shown(99)


def test_facts_survive_storage():
    facts = SAMPLES[NoticeKind.NEW_OFFER]
    assert Facts.from_json(facts.to_json()) == facts
