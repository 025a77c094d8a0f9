"""Staff by message: invite binding, and a provider taking a request from offer to done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.demo import PROVIDER, RESIDENT, SECRETARY
from models.invites import create_invite
from models.requests import RequestStatus, ServiceRequest
from models.staff import Role, Staff
from tests.support import drain

NEWBIE = "o_test_new_volunteer"


def invite(ctx, role=Role.VOLUNTEER, name="赵红") -> str:
    with ctx.Session.begin() as db:
        chengbei = db.scalar(select(Staff).where(Staff.role == Role.SECRETARY.value)).village
        staff = Staff(name=name, role=role.value, town_id=chengbei.town_id, village_id=chengbei.id, active=False)
        db.add(staff)
        db.flush()
        return create_invite(db, ctx.cipher, staff, ctx.clock())


def test_invite_binds_once_and_is_refused_after(chat, ctx, county):
    code = invite(ctx)
    chat.run(NEWBIE, f"> {code}\n< 绑定成功\n< 城北村的红马夹志愿者赵红\n< 任务")
    chat.run("o_someone_else", f"> 邀请码{code}\n< 已经用过了")
    with ctx.Session() as db:
        assert db.scalar(select(Staff).where(Staff.name == "赵红")).openid == NEWBIE


def test_expired_and_wrong_codes_are_refused_and_wrong_ones_throttled(chat, ctx, county):
    code = invite(ctx)
    chat.clock.advance(days=8)
    chat.run(NEWBIE, f"> {code}\n< 已过期")
    for _ in range(5):
        chat.run(NEWBIE, "> 12345678\n< 邀请码不对")
    chat.run(NEWBIE, "> 87654321\n< 次数太多")


def test_cli_prints_a_code_on_its_last_line(app, ctx, county):
    result = app.test_cli_runner().invoke(args=["staff", "invite", "--role", "volunteer", "--area", "衡山镇/城北村", "--name", "钱多多"])
    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[-1]
    assert code.isdigit() and len(code) == 8


def test_request_offered_accepted_done_and_rated(chat, ctx, county):
    chat.run(RESIDENT, "> 求助\n> 1\n> 助洁助行\n> 帮忙打扫一下屋子\n> 明天\n> 对\n> 是\n< 已收到")
    drain(ctx)  # the dispatch job offers it to 康乐家政
    [request] = list(ctx.Session().scalars(select(ServiceRequest)))
    assert any(request.number in n for n in chat.inbox(PROVIDER))
    chat.run(PROVIDER, f"""
        > 任务
        < 待接单
        < {request.number}
        < 王**
        <! 3组12号
        > 接单
        < 接单成功
        > 任务
        < 进行中的服务
        < 霍山县衡山镇城北村3组12号
        < 帮忙打扫一下屋子
    """)
    assert any("服务人员已接单" in n for n in chat.inbox(RESIDENT))
    assert any("派单通知" in n for n in chat.inbox(SECRETARY))
    chat.run(PROVIDER, f"> 上门\n< 已记录上门\n> 完成 {request.number}\n< 已记录完成")
    assert any("已完成" in n and "评价" in n for n in chat.inbox(RESIDENT))
    chat.run(RESIDENT, "> 评价\n> 满意\n> 很好\n< 谢谢您的评价")
    with ctx.Session() as db:
        done = db.get(ServiceRequest, request.id)
        assert done.status == RequestStatus.COMPLETED.value and done.rating == "satisfied"


def test_provider_declines_and_the_request_moves_on(chat, ctx, county):
    chat.run(RESIDENT, "> 求助\n> 1\n> 助洁助行\n> 打扫\n> 尽快\n> 对\n> 是\n")
    drain(ctx)
    chat.run(PROVIDER, "> 拒单 人手不够\n< 已拒单")
    drain(ctx)
    with ctx.Session() as db:
        assert db.scalar(select(ServiceRequest)).status in (RequestStatus.OFFERED.value, RequestStatus.ESCALATED.value)
