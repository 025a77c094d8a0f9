"""Staff by message: invite binding, and a provider taking a request from offer to done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.demo import NEIGHBOUR, PROVIDER, RESIDENT, SECRETARY, VOLUNTEER
from models.households.households import Member
from models.staff.invites import create_invite
from models.leads import Lead
from models.requests.requests import RequestStatus, ServiceRequest
from models.staff.staff import Role, Staff
from models.visits.visits import Visit
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
    with ctx.Session() as db:
        [request] = list(db.scalars(select(ServiceRequest)))
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
    chat.run(RESIDENT, f"> 进度\n< {request.number} 助洁助行：服务人员已接单，康乐家政服务有限公司负责")
    chat.run(PROVIDER, f"> 上门\n< 已记录上门\n> 完成 {request.number}\n< 已记录完成")
    assert any("已完成" in n and "评价" in n for n in chat.inbox(RESIDENT))
    chat.run(RESIDENT, "> 进度\n< 已完成，康乐家政服务有限公司负责（请回复“评价”）")
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


# -- volunteers ----------------------------------------------------------------------------


def due_visit(ctx, member_name="王桂英", kind="routine"):
    with ctx.Session.begin() as db:
        member = db.scalar(select(Member).where(Member.name == member_name))
        volunteer = db.scalar(select(Staff).where(Staff.openid == VOLUNTEER))
        visit = Visit(member_id=member.id, village_id=member.household.village_id, staff_id=volunteer.id, kind=kind,
                      due_date=ctx.clock().date() + dt.timedelta(days=2), photos=[], created_at=ctx.clock())
        db.add(visit)
        db.flush()
        return visit.id


def test_volunteer_sees_masked_tasks_accepts_checks_in_near_and_completes(chat, ctx, county, wechat):
    visit_id = due_visit(ctx)
    chat.run(VOLUNTEER, f"""
        > 任务
        < T{visit_id}
        < 王**
        <! 3组12号
        > 接受 T{visit_id}
        < 已接受
        < 霍山县衡山镇城北村3组12号
        > 签到
        < 是哪一家
        > T{visit_id}
        < 发送您现在的位置
    """)
    assert "约" in chat.send(VOLUNTEER, wechat.location(VOLUNTEER, 31.4025, 116.3338, "城北村"))
    chat.run(VOLUNTEER, "> 完成\n< 情况怎么样\n> 1\n< 看望的情况\n🎤 老人精神不错，药还够吃。\n< 拍照\n> 不拍\n< 已记录完成")
    with ctx.Session() as db:
        visit = db.get(Visit, visit_id)
        assert visit.status == "done" and not visit.far and visit.distance_m < 100


def test_check_in_far_away_is_kept_but_flagged(chat, ctx, county, wechat):
    visit_id = due_visit(ctx)
    chat.run(VOLUNTEER, f"> 签到\n> T{visit_id}")
    reply = chat.send(VOLUNTEER, wechat.location(VOLUNTEER, 31.4300, 116.3335, "别处"))
    assert "超过500米" in reply
    with ctx.Session() as db:
        assert db.get(Visit, visit_id).far


def test_a_visit_without_check_in_cannot_be_completed(chat, ctx, county):
    due_visit(ctx)
    chat.run(VOLUNTEER, "> 完成\n< 还没有签到")


def test_problem_found_on_a_visit_becomes_an_urgent_lead_and_a_request(chat, ctx, county, wechat):
    visit_id = due_visit(ctx)
    chat.run(VOLUNTEER, f"> 签到\n> T{visit_id}")
    chat.send(VOLUNTEER, wechat.location(VOLUNTEER, 31.4021, 116.3335))
    chat.run(VOLUNTEER, """
        > 完成
        > 2
        < 什么困难
        > 没有吃的
        > 冰箱是空的，两天没吃饭了
        > 不拍
        < 已记录完成
        < 紧急报给村书记
        < 膳食供应
    """)
    assert any("探访发现·紧急" in n for n in chat.inbox(SECRETARY))
    with ctx.Session() as db:
        assert db.scalar(select(ServiceRequest)).item_code == "meals"


def test_secretary_todo_lists_only_their_village(chat, ctx, county):
    chat.run(RESIDENT, "> 求助\n> 1\n> 帮办代办\n> 买药\n> 尽快\n> 对\n> 是\n")
    chat.run(SECRETARY, "> 待办\n< 城北村待办\n< 王桂英\n< 帮办代办")
    chat.run(RESIDENT, "> 待办\n<! 城北村待办")


def test_secretary_verifies_a_lead_into_an_application_and_closes_another(chat, ctx, county):
    script = "> 报告\n> 2\n> {who}\n> 城北村\n> {where}\n> 2\n> 没有\n> 不急\n> 是\n"
    chat.run("o_named_reporter", "> 同意\n> 同意\n")  # consented, so they may leave their name
    chat.run("o_named_reporter", script.format(who="村西头的李大爷", where="5组路口"))
    chat.run(NEIGHBOUR, "> 报告\n> 桥边的周奶奶\n> 城北村\n> 桥边第二家\n> 1\n> 没有\n> 不急\n> 是\n< 编号BG")
    chat.run(SECRETARY, """
        > 待办
        < 群众报告的线索
        > 核实
        < 核实哪一条
        > 1
        < 李大爷
        > 1
        < 已转为救助申请 SQ
        > 核实
        < 周奶奶
        > 3
        < 说明情况
        > 上门看过，家人已接回照顾
        < 已关闭线索
        > 待办
        < 待初审的救助申请
    """)
    with ctx.Session() as db:
        statuses = sorted(lead.status for lead in db.scalars(select(Lead)))
    assert statuses == ["closed", "converted"]
    assert any("登记为救助申请" in n or "SQ" in n for n in chat.inbox("o_named_reporter"))
    assert chat.inbox(NEIGHBOUR) == []  # anonymous reporters are never contacted


def test_volunteer_runs_the_ten_indicator_assessment_by_chat(chat, ctx, county):
    replies = chat.run(VOLUNTEER, """
        > 评估
        < 评估哪一户
        > 王桂英
        < 每月总收入
        > 六百二十元
        < 620元
        > 对
        < 刚性支出
        > 400
        > 对
        < 几处住房
        > 1
        < 面积
        > 45平方米
        < 家庭结构
        > 留守
        < 社会保障
        > 有
        < 社会活动
        > 0
        < 儿童、青少年
        > 0
        < 和登记的一样吗
        > 一样
        < 王桂英家评估完成
        < 收入：困境
        < 家庭结构：困境
        < 建议服务
    """)
    from models.households.households import Assessment

    with ctx.Session() as db:
        stored = db.scalar(select(Assessment).order_by(Assessment.id.desc()))
    assert stored.assessor.startswith("staff:") and stored.result["indicators"]["income"]["distressed"]
    assert "困境程度【" in replies[-1] and "服务目标" in replies[-1]


def test_secretary_reassigns_a_request_and_the_first_provider_is_told(chat, ctx, county):
    from models.requests.requests import Offer

    chat.run(RESIDENT, "> 求助\n> 1\n> 膳食供应\n> 每天送午饭\n> 尽快\n> 对\n> 是\n< 已收到")
    drain(ctx)  # offered to one of the two meal providers of 城北村
    with ctx.Session() as db:
        first = db.scalar(select(Offer)).provider_id
    chat.run(SECRETARY, """
        > 改派
        < 派给哪家
        > 1
        < 确认把
        > 是
        < 已改派
    """)
    with ctx.Session() as db:
        offers = {o.provider_id: o.status for o in db.scalars(select(Offer))}
        persona_provider = db.scalar(select(Staff.provider_id).where(Staff.openid == PROVIDER))
    assert offers[first] == "withdrawn" and list(offers.values()).count("open") == 1
    told = [n for n in chat.inbox(PROVIDER) if "无需上门" in n]
    assert told if first == persona_provider else not told
