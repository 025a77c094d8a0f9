"""Reviews through /wechat: 初审 by the village with two surveyors, then the town's A/B posts
approve, reject (the explanation reaches the applicant) or transfer (a referral due in one
working day); B takes over when A is late or absent; another town sees nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.demo import NEIGHBOUR, RESIDENT, SECRETARY, TOWN_A
from models.applications import Application, Decision, Outcome, Refused, create_from_lead, find_by_number, first_review, link_household, queue_for, town_decide
from models.areas import Village
from models.audit import trail
from models.households.households import Member
from models.leads import Lead, LeadStatus
from models.requests.requests import Referral
from models.staff.staff import Role, Staff, staff_by_openid
from tests.workers.builders import cst
from tests.workers.scene import run
from workers.clocks import run_clocks
from workers.notify import record_notices

MONDAY = cst("2026-12-07 09:00")
TOWN_B = "o_test_town_b_wu"
OTHER_A = "o_test_town_a_foziling"
OTHER_SECRETARY = "o_test_secretary_foziling"
COUNTY = "o_test_county"
REPORT = "> 报告\n< 是谁需要帮助\n> {who}\n> {village}\n> 3组桥头第二家\n> 5\n> 没有\n> 不急\n> 是\n< 编号BG"
FIRST_REVIEW = """
    > 初审
    < 初审 {number}
    < 第一位调查人
    > 李志强
    < 第二位调查人
    > 李志强
    < 不能是同一个人
    > 陈协理员
    < 上门调查看到的情况
    🎤 独居，七十八岁，腿脚不便，每月只有低保六百二十元，房子漏雨。
    < 村里的意见
    > 1
    < 请核对
    < 李志强、陈协理员
    < 建议通过
    > 是
    < 已提交乡镇审核：{number}
    < 12月9日 09:00
"""


@pytest.fixture
def town(chat, ctx, county):
    """The demo county at a known Monday, with 衡山镇's B post bound and 佛子岭's staff."""
    chat.clock.now = MONDAY
    with ctx.Session.begin() as db:
        db.scalar(select(Staff).where(Staff.name == "吴干事")).openid = TOWN_B
        foziling = db.scalar(select(Village).where(Village.name == "佛子岭村"))
        db.add(Staff(name="佛子岭A岗", role=Role.TOWN_A.value, town_id=foziling.town_id, openid=OTHER_A))
        db.add(Staff(name="佛子岭书记", role=Role.SECRETARY.value, town_id=foziling.town_id, village_id=foziling.id, openid=OTHER_SECRETARY))
        db.add(Staff(name="县民政局", role=Role.COUNTY.value, openid=COUNTY))
    return county


def application(chat, ctx, who="村东头独居的王奶奶", village="城北村", secretary=SECRETARY) -> str:
    """A neighbour's report, verified and turned into an application by the secretary (what the
    lead-review flow does); its notices recorded as the caller would."""
    chat.run(NEIGHBOUR, REPORT.format(who=who, village=village))
    with ctx.Session.begin() as db:
        lead = db.scalar(select(Lead).order_by(Lead.id.desc()))
        lead.status = LeadStatus.VERIFIED.value
        app, notices = create_from_lead(db, ctx.cipher, lead.id, staff_by_openid(db, secretary).id, ctx.clock())
        record_notices(ctx, db, notices)
        return app.number


def reviewed(chat, ctx) -> str:
    number = application(chat, ctx)
    chat.run(SECRETARY, FIRST_REVIEW.format(number=number))
    return number


def told(chat, number: str) -> int:
    """Notices about ``number`` to the village, the town and the county (the clocks also send
    the county the weekly reminder that 2027's holidays are missing: not counted here)."""
    return sum(number in n for openid in (SECRETARY, TOWN_A, TOWN_B, COUNTY) for n in chat.inbox(openid))


def row(ctx, number: str) -> Application:
    with ctx.Session() as db:
        return find_by_number(db, number)


def test_first_review_needs_two_different_surveyors_and_goes_to_the_a_post(chat, ctx, town):
    number = application(chat, ctx)
    assert not any("【待初审】" in n for n in chat.inbox(SECRETARY))  # the secretary converted it: not told again
    assert any(number in n and "村里会上门调查" in n for n in chat.inbox(NEIGHBOUR))
    chat.run(SECRETARY, FIRST_REVIEW.format(number=number))
    saved = row(ctx, number)
    assert (saved.status, saved.surveyor_1, saved.surveyor_2, saved.village_recommends, saved.assigned_post) == ("town_review", "李志强", "陈协理员", True, "town_a")
    assert saved.deadline == cst("2026-12-09 09:00")  # 2 working days
    assert "腿脚不便" in ctx.cipher.decrypt(saved.findings_enc) and "腿脚不便" not in saved.findings_enc
    [notice] = [n for n in chat.inbox(TOWN_A) if number in n]
    assert "【待审核】" in notice and "建议通过" in notice and "王奶奶" not in notice  # masked for the notice
    assert chat.inbox(TOWN_B) == []  # the B post is not told while the A post is there
    with ctx.Session() as db:
        assert [e.action for e in trail(db, "application", saved.id)] == ["created", "first_review"]
    chat.run(SECRETARY, "> 初审\n< 没有待初审的申请")
    chat.run(RESIDENT, "> 初审\n< 只有村里的书记和协理员")


def test_town_a_sees_the_countdown_and_approves_once(chat, ctx, town):
    number = reviewed(chat, ctx)
    chat.run(TOWN_A, f"""
        > 审核
        < 待审核的救助申请
        < {number} 城北村
        < 剩2个工作日
        <! 王奶奶
        > 审核 {number}
        < 村东头独居的王奶奶
        < 调查人：李志强、陈协理员
        < 腿脚不便
        > 通过
        < 请带上申请编号
    """)
    chat.clock.advance(days=1)
    chat.run(TOWN_A, f"> 审核\n< 剩1个工作日\n> 通过 {number}\n< 已通过：{number}\n> 通过 {number}\n< 已经是“已通过”了")
    assert row(ctx, number).status == "approved"
    assert sum("已审核通过" in n for n in chat.inbox(NEIGHBOUR)) == 1  # the reporter, once
    assert any("【审核结果】" in n and "已通过" in n for n in chat.inbox(SECRETARY))
    chat.run(TOWN_A, "> 审核\n< 没有待审核的申请")


def test_a_rejection_needs_a_policy_explanation_which_reaches_the_resident(chat, ctx, town):
    number = reviewed(chat, ctx)
    with ctx.Session.begin() as db:
        wang = db.scalar(select(Member).where(Member.name == "王桂英"))
        assert link_household(db, find_by_number(db, number), wang.household_id, wang.id, staff_by_openid(db, SECRETARY), ctx.clock())
    chat.run(TOWN_A, f"""
        > 驳回 {number}
        < 驳回要写明政策原因
        > 驳回 {number} 家庭人均月收入高于本县低保标准
        < 已驳回：{number}
        > 通过 {number}
        < 现在是“未通过”
    """)
    [told] = [n for n in chat.inbox(RESIDENT) if number in n]
    assert "您的救助申请" in told and "家庭人均月收入高于本县低保标准" in told and "人工" in told
    assert not any("高于本县低保标准" in n for n in chat.inbox(NEIGHBOUR))  # the household is told, not the neighbour
    assert ctx.cipher.decrypt(row(ctx, number).explanation_enc) == "家庭人均月收入高于本县低保标准"


def test_a_transfer_makes_a_referral_due_in_one_working_day_and_handing_it_over_tells_the_applicant(chat, ctx, town):
    number = reviewed(chat, ctx)
    chat.run(TOWN_A, f"> 转介 {number} 找人帮忙\n< 请写明转给哪个部门\n< 卫健")
    replies = chat.run(TOWN_A, f"> 转介 {number} 卫健委\n< 已转介：{number} → 卫健\n< 转介编号 ZJ\n< 12月8日 09:00")
    with ctx.Session() as db:
        referral = db.scalar(select(Referral))
        assert (referral.department, referral.status, referral.village_id) == ("卫健", "pending", row(ctx, number).village_id)
        assert referral.deadline == cst("2026-12-08 09:00")
        assert referral.number in replies[-1]
    assert any("需要由卫健办理" in n and referral.number in n for n in chat.inbox(NEIGHBOUR))
    chat.run(TOWN_A, f"""
        > 审核
        < 待转交的转介事项
        < {referral.number} 城北村 转卫健
        < 剩1个工作日
        > 转交 {referral.number}
        < 已转交卫健
        > 转交 {referral.number}
        < 之前已经转交过了
    """)
    assert any("已转交卫健" in n for n in chat.inbox(NEIGHBOUR))
    with ctx.Session() as db:
        assert [e.action for e in trail(db, "referral", referral.id)] == ["created", "from_application", "transferred"]


def test_b_takes_over_once_a_is_past_half_time(chat, ctx, town):
    number = reviewed(chat, ctx)
    chat.run(TOWN_B, f"> 审核\n< 没有待审核的申请\n> 通过 {number}\n< 现在由A岗办理")
    chat.clock.now = cst("2026-12-08 08:59")  # half of the 18 office hours comes at 09:00 on Tuesday
    chat.run(TOWN_B, "> 审核\n< 没有待审核的申请")
    chat.clock.now = cst("2026-12-08 09:00")
    run(ctx, run_clocks, queue="low")
    assert told(chat, number) == 3  # 【待审核】 to A, then the half-time warnings to A and B
    assert "【B岗提醒】" in chat.inbox(TOWN_B)[-1] and "已过一半时限" in chat.inbox(TOWN_A)[-1]
    chat.run(TOWN_B, f"""
        > 审核
        < {number}
        < 您可以接手
        > 通过 {number}
        < 已通过：{number}
        < 已由您接手
    """)
    saved = row(ctx, number)
    assert (saved.status, saved.assigned_post) == ("approved", "town_b")
    assert "【B岗已接手】" in chat.inbox(TOWN_A)[-1] and "吴干事" in chat.inbox(TOWN_A)[-1]
    with ctx.Session() as db:
        assert [e.action for e in trail(db, "application", saved.id)][-2:] == ["taken_over", "approved"]


def test_b_holds_the_review_at_once_when_the_town_has_no_a_post(chat, ctx, town):
    with ctx.Session.begin() as db:
        staff_by_openid(db, TOWN_A).active = False
    number = reviewed(chat, ctx)
    assert any("【待审核】" in n and number in n for n in chat.inbox(TOWN_B))
    chat.run(TOWN_B, f"> 审核\n< {number}\n<! 您可以接手\n> 驳回 {number} 已享受特困供养，不重复救助\n< 已驳回")
    assert row(ctx, number).assigned_post == "town_b"
    chat.run(TOWN_A, "> 审核\n<! 待审核")  # unbound: no longer a town post


def test_the_clocks_chase_a_first_review_from_the_village_to_the_town_to_the_county(chat, ctx, town):
    number = application(chat, ctx)
    for moment, expected in (("2026-12-08 08:59", 0), ("2026-12-08 09:00", 1), ("2026-12-08 12:00", 1), ("2026-12-09 09:00", 2), ("2026-12-10 09:00", 3), ("2026-12-14 09:00", 3)):
        chat.clock.now = cst(moment)
        run(ctx, run_clocks, queue="low")
        assert told(chat, number) == expected, moment
    assert any("已过一半时限" in n and number in n for n in chat.inbox(SECRETARY))
    assert any("请乡镇督办" in n and number in n for n in chat.inbox(TOWN_A))
    assert any("请县民政局督办" in n and number in n for n in chat.inbox(COUNTY))


def test_another_town_and_another_village_see_nothing(chat, ctx, town):
    number = reviewed(chat, ctx)
    chat.run(TOWN_A, f"> 转介 {number} 教育")
    with ctx.Session() as db:
        referral = db.scalar(select(Referral)).number
    chat.run(OTHER_A, f"""
        > 审核
        < 没有待审核的申请
        > 审核 {number}
        < 没有找到
        > 通过 {number}
        < 没有找到
        > 转交 {referral}
        < 没有找到
    """)
    foziling = application(chat, ctx, who="佛子岭的独居老人", village="佛子岭村", secretary=OTHER_SECRETARY)
    chat.run(SECRETARY, "> 初审\n< 没有待初审的申请")
    chat.run(OTHER_SECRETARY, f"> 初审\n< 初审 {foziling}\n> 取消")
    with ctx.Session() as db:  # the functions beneath the bot refuse too (rolled back at the end)
        mine, theirs = find_by_number(db, foziling), staff_by_openid(db, OTHER_A)
        assert queue_for(db, theirs, ctx.clock()) == [] and queue_for(db, staff_by_openid(db, SECRETARY), ctx.clock()) == []
        assert town_decide(db, ctx.cipher, find_by_number(db, number), theirs, Decision.APPROVE, None, ctx.clock()).outcome is Outcome.NOT_ALLOWED
        assert first_review(db, ctx.cipher, mine, staff_by_openid(db, SECRETARY), surveyors=("甲", "乙"), findings="看过了", recommend=True, now=ctx.clock()).outcome is Outcome.NOT_ALLOWED
        with pytest.raises(Refused):
            _convert_foreign(db, ctx)


def _convert_foreign(db, ctx):
    """城北村's secretary converting a 佛子岭 lead that has no application yet."""
    foziling = db.scalar(select(Village).where(Village.name == "佛子岭村"))
    lead = Lead(number="BG-TEST-1", village_id=foziling.id, subject_enc=ctx.cipher.encrypt("某人"), address_enc=ctx.cipher.encrypt("佛子岭村"),
                status=LeadStatus.VERIFIED.value, deadline=ctx.clock(), updated_at=ctx.clock())
    db.add(lead)
    db.flush()
    create_from_lead(db, ctx.cipher, lead.id, staff_by_openid(db, SECRETARY).id, ctx.clock())


def test_converting_a_lead_twice_gives_the_same_application(chat, ctx, town):
    number = application(chat, ctx)
    with ctx.Session.begin() as db:
        lead_id = find_by_number(db, number).lead_id
        again, notices = create_from_lead(db, ctx.cipher, lead_id, staff_by_openid(db, SECRETARY).id, ctx.clock())
        assert (again.number, notices) == (number, ())
