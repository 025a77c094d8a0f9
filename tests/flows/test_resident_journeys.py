"""Residents' journeys through /wechat, as scripts: bind, request, report, follow, rate."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from bot.demo import NEIGHBOUR, RESIDENT, SECRETARY
from models.catalogue.catalogue import ServiceItem
from models.leads import Lead, LeadReporter
from models.requests.requests import Referral, RequestStatus, ServiceRequest
from models.households.residents import Binding
from bot.delivery import DeliveryGuard
from tests.support import drain
from core import context as worker_context
from core.connection import connect, queues
from workers.dispatch import sweep_dispatch

NEW = "o_test_newcomer"
SON = "o_test_son"


def requests(ctx) -> list[ServiceRequest]:
    with ctx.Session() as db:
        return list(db.scalars(select(ServiceRequest).order_by(ServiceRequest.id)))


def test_request_a_service_end_to_end(chat, ctx, county):
    chat.run(RESIDENT, """
        > 求助
        < 需要哪一类帮助
        > 1
        < 请选择具体服务
        < 帮办代办
        > 帮办代办
        < 需要什么帮助
        🎤 嗯，帮我买点降压药。
        < 哪天上门
        > 明天
        < 上门地址是：霍山县衡山镇城北村3组12号
        > 对
        < 请核对
        < 帮办代办
        < 帮我买点降压药
        > 是
        < 已收到您的申请，编号FW
    """)
    [saved] = requests(ctx)
    assert saved.status == RequestStatus.RECEIVED.value and saved.relation == "本人"
    assert ctx.cipher.decrypt(saved.description_enc) == "帮我买点降压药"
    assert "降压药" not in saved.description_enc  # encrypted at rest
    chat.run(RESIDENT, f"> 进度\n< {saved.number}\n< 帮办代办")


def test_free_text_names_what_was_understood_and_prefills_the_item(chat, ctx, county):
    chat.run(RESIDENT, """
        > 我想找人帮我买药
        < 您是想找人帮忙买药、办事（帮办代办）吗
        > 是的
        < 需要什么帮助
    """)


def test_asking_for_an_ineligible_item_gives_the_reason(chat, county):
    chat.run(RESIDENT, """
        > 求助
        > 2
        > 集中养护
        < 集中养护
        <! 需要什么帮助
    """)


def test_an_item_the_county_switches_off_is_gone_from_the_next_turn(chat, ctx, county):
    chat.run(RESIDENT, "> 求助\n> 1\n< 帮办代办\n> 返回\n< 需要哪一类帮助")
    with ctx.Session.begin() as db:  # as the back office does, in this process
        db.get(ServiceItem, "errand").active = False
    chat.run(RESIDENT, "> 1\n< 请选择具体服务\n<! 帮办代办")


def test_unbound_user_is_led_through_consent_and_binding_with_the_intent_remembered(chat, ctx, county):
    chat.run(NEW, """
        > 家里没人做饭
        < 做饭
        > 是
        < 我们需要记录
        < 您同意吗
        > 同意
        < 给谁登记
        > 1
        < 姓名
        > 刘德海
        < 核对
        > 身份证
        > 342425194201080017
        < 对吗
        > 对
        < 绑定成功
        < 需要什么帮助
    """)
    with ctx.Session() as db:
        assert db.scalar(select(Binding).where(Binding.openid == NEW)).relation == "本人"


def test_proxy_binds_by_phone_and_requests_are_recorded_as_theirs(chat, ctx, county):
    chat.run(SON, """
        > 绑定
        > 同意
        > 2
        < 什么关系
        > 儿子
        < 姓名
        > 王桂英
        > 2
        < 手机号
        > 138 0564 0001
        < 对吗
        > 对
        < 绑定成功
        < 每次申请都会记录是您代办的
        > 求助
        > 1
        > 探访慰问
        > 去看看我妈
        > 尽快
        < 上门地址是：霍山县衡山镇城北村3组12号
        > 对
        > 是
        < 已收到您的申请
    """)
    [saved] = requests(ctx)
    assert saved.requested_by == SON and saved.relation == "子女"


def test_wrong_details_reveal_nothing_and_end_with_a_person(chat, ctx, county):
    replies = chat.run(NEW, """
        > 绑定
        > 同意
        > 1
        > 王桂英
        > 身份证
        > 342425194201080017
        < 没有找到对得上的登记信息
        <! 刘德海
        > 342425194201080017
        > 342425194201080017
        < 回复“人工”
    """)
    assert all("刘德海" not in r for r in replies)
    with ctx.Session() as db:
        assert db.scalar(select(func.count()).select_from(Binding).where(Binding.openid == NEW)) == 0


def test_refusing_consent_still_allows_an_anonymous_report(chat, ctx, county):
    chat.run(NEIGHBOUR, """
        > 求助
        > 不同意
        < 匿名报告
        > 报告
        <! 留名
        < 是谁需要帮助
        > 村东头独居的王奶奶
        < 哪个村
        > 城北村
        < 具体住在哪里
        > 3组桥头第二家
        < 是什么情况
        > 1
        > 好几天没见她开门了
        > 很急
        < 请核对
        < 匿名
        > 是
        < 编号BG
    """)
    with ctx.Session() as db:
        lead = db.scalar(select(Lead))
        assert lead.anonymous and lead.urgent
        assert db.scalar(select(LeadReporter)).openid_enc != NEIGHBOUR
    notices = chat.inbox(SECRETARY)
    assert any("新线索·紧急" in n and "村东头独居的王奶奶" in n for n in notices)
    assert all(NEIGHBOUR not in n and "陈" not in n for n in notices)


def test_reports_about_the_same_person_merge(chat, ctx, county):
    script = "> 报告\n> 匿名\n> {who}\n> 城北村\n> 3组桥头第二家\n> 2\n> 没有\n> 不急\n> 是\n"
    chat.run(NEIGHBOUR, script.format(who="独居的王奶奶"))
    replies = chat.run("o_other_neighbour", script.format(who="王奶奶"))
    assert "合并" in replies[-1]
    with ctx.Session() as db:
        assert db.scalar(select(func.count()).select_from(Lead)) == 1
        assert db.scalar(select(Lead.reports)) == 2


def test_emergency_in_the_middle_of_a_flow(chat, ctx, county):
    chat.run(RESIDENT, """
        > 求助
        > 1
        < 请选择具体服务
        > 救命，我摔倒了起不来
        < 120
        < 已经通知村里的书记
        < 填写的内容已经保存
        > 帮办代办
        < 需要什么帮助
    """)
    assert any("紧急求助" in n and "王桂英" in n for n in chat.inbox(SECRETARY))


def test_cancel_before_service(chat, ctx, county):
    chat.run(RESIDENT, "> 求助\n> 1\n> 帮办代办\n> 买药\n> 尽快\n> 对\n> 是\n< 已收到")
    chat.run(RESIDENT, "> 取消\n< 确定取消\n> 是\n< 已取消")
    assert requests(ctx)[0].status == RequestStatus.CANCELLED.value
    chat.run(RESIDENT, "> 取消\n< 没有可以取消的申请")


def test_unsatisfied_rating_reopens_for_the_secretary(chat, ctx, county):
    chat.run(RESIDENT, "> 求助\n> 1\n> 帮办代办\n> 买药\n> 尽快\n> 对\n> 是\n")
    with ctx.Session.begin() as db:
        db.scalar(select(ServiceRequest)).status = RequestStatus.COMPLETED.value
    chat.run(RESIDENT, """
        > 进度
        < 请回复“评价”
        > 评价
        < 满意吗
        > 不满意
        < 还有什么想说的
        🎤 等了一下午都没人来。
        < 重新安排
    """)
    assert requests(ctx)[0].status == RequestStatus.REOPENED.value
    assert any("服务不满意" in n and "等了一下午都没人来" in n for n in chat.inbox(SECRETARY))


def test_matters_of_another_department_become_a_referral(chat, ctx, county):
    chat.run(RESIDENT, """
        > 求助
        > 4
        > 转介服务
        < 哪个部门
        > 医保
        < 需要什么帮助
        > 住院费用报销不了
        < 请核对
        < 医保
        > 是
        < 1个工作日内
    """)
    with ctx.Session() as db:
        referral = db.scalar(select(Referral))
    assert referral.department == "医保" and referral.deadline > referral.created_at


def test_a_request_confirmed_while_redis_is_down_is_saved_and_dispatched_later(app, chat, ctx, county, wechat):
    chat.run(RESIDENT, "> 求助\n> 1\n> 帮办代办\n> 买药\n> 尽快\n> 对\n< 请核对")
    dead = connect("redis://127.0.0.1:1/0")  # nothing listens there
    down = dataclasses.replace(ctx, redis=dead, queues=queues(dead))
    guard = app.extensions["jzt.guard"]
    app.extensions.update({"jzt.context": down, "jzt.guard": DeliveryGuard(dead, ctx.cipher)})
    worker_context.install(down)
    try:
        reply = chat.say(RESIDENT, "是")
    finally:
        app.extensions.update({"jzt.context": ctx, "jzt.guard": guard})
        worker_context.install(ctx)
    assert "已收到您的申请" in reply
    [saved] = requests(ctx)
    assert saved.status == RequestStatus.RECEIVED.value
    sweep_dispatch(grace_seconds=0)  # Redis is back: the periodic sweeper queues it
    drain(ctx)
    assert requests(ctx)[0].status in (RequestStatus.OFFERED.value, RequestStatus.ESCALATED.value)
