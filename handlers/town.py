"""Town A/B posts by message: 审核 (the queue with its working-day countdown), 审核 SQ… (one
application in full), 通过 SQ…, 驳回 SQ… 原因, 转介 SQ… 部门, 转交 ZJ….

Each post sees only its own town. The B post sees, and by acting takes over, the A post's
items when the town has no A post present or an item is past half time; the rule and every
change live in ``models.applications``, this module only reads the message and answers.
"""

from __future__ import annotations

import re

from conversations.flows.request import DEPARTMENTS
from handlers.staff import staff_of
from handlers.turn import Answer, Turn
from models.applications import (
    TOWN_ROLES, Application, ApplicationStatus, Decision, Outcome, Problem, QueueItem, find_by_number, find_referral, hand_over_referral,
    queue_for, rules, town_decide, town_referrals,
)
from models.areas import Village
from models.calendar import local
from models.households.households import mask_name
from models.leads import Lead
from models.notices import when
from policy.workdays import WorkCalendar
from models.requests.requests import Referral
from models.staff.staff import Role

COMMAND = re.compile(r"^(审核|待审核|通过|批准|驳回|不通过|转介|转交)\s*((?:SQ|ZJ)\d{8}-\d{4})?\s*(.*)$", re.DOTALL | re.IGNORECASE)
ACTIONS = {"审核": "show", "待审核": "show", "通过": "approve", "批准": "approve", "驳回": "reject", "不通过": "reject", "转介": "transfer", "转交": "hand_over"}

FOOTER = "办理：回复“通过 编号”“驳回 编号 原因”“转介 编号 部门”；转介事项转交后回复“转交 编号”。回复“菜单”返回，“人工”找人帮忙。"
NOTHING = "本镇现在没有待审核的申请，也没有待转交的转介事项。有新事项会通知您。回复“菜单”返回。"
QUEUE = "待审核的救助申请（回复“审核 编号”看详情）："
QUEUE_LINE = "· {number} {village} {who}：村初审{advice}，{countdown}{takeover}"
TAKEOVER = "（A岗未及时办理，您可以接手）"
REFERRALS = "待转交的转介事项："
REFERRAL_LINE = "· {number} {village} 转{department}：{countdown}"
COUNTDOWN_LEFT = "剩{n}个工作日（{deadline}前）"
COUNTDOWN_TODAY = "今天到期（{deadline}前）"
COUNTDOWN_OVER = "已超期（{deadline}到期）"
DETAIL = (
    "{number}（{status}）\n申请人：{who}\n地址/联系：{contact}\n来源：{source}\n"
    "村初审：{advice}，调查人：{team}（{reviewed}）\n调查情况：{findings}\n期限：{countdown}\n"
    "办理：通过 {number} ／ 驳回 {number} 原因 ／ 转介 {number} 部门"
)
SOURCE_LEAD = "邻里报告线索 {lead}"
SOURCE_RESIDENT = "居民申请"
ADVICE = {True: "建议通过", False: "建议不通过", None: "未填写"}
WHICH = "请带上申请编号，比如“{example}”。回复“审核”查看编号。"
EXAMPLES = {"approve": "通过 SQ20261207-0001", "reject": "驳回 SQ20261207-0001 家庭人均收入高于低保标准",
            "transfer": "转介 SQ20261207-0001 卫健", "hand_over": "转交 ZJ20261207-0001"}
NOT_FOUND = "没有找到 {number}，或者不是本镇的事项。回复“审核”查看。"
ANSWERS = {
    Decision.APPROVE: "已通过：{number}。已通知申请人和村里。",
    Decision.REJECT: "已驳回：{number}。政策说明已发给申请人：{note}",
    Decision.TRANSFER: "已转介：{number} → {note}，转介编号 {referral}。请在 {deadline} 前转给{note}，办好后回复“转交 {referral}”。",
}
TOOK_OVER = "（A岗未及时办理，已由您接手，并告知A岗。）"
ALREADY = "{number} 已经是“{status}”了，不用重复办理。"
CLOSED = "{number} 现在是“{status}”，不能这样办理。"
NOT_YET = "{number} 现在由A岗办理。A岗不在岗，或超过一半审核时限后，您才能接手。"
NEED_EXPLANATION = "驳回要写明政策原因，申请人会收到这段说明。比如：驳回 {number} 家庭人均月收入高于低保标准。"
NEED_DEPARTMENT = "请写明转给哪个部门：{departments}。比如：转介 {number} 卫健"
HANDED_OVER = "已记录：{number} 已转交{department}，已告诉申请人。"
HANDED_ALREADY = "{number} 之前已经转交过了。"


def on_town(turn: Turn) -> Answer | None:
    found = COMMAND.match(turn.said) if turn.said else None
    if found is None:
        return None
    staff = staff_of(turn)
    if staff is None or staff.role not in TOWN_ROLES or staff.town_id is None:
        return None
    action, number, rest = ACTIONS[found.group(1)], (found.group(2) or "").upper(), found.group(3).strip()
    if action == "show":
        return Answer.say(_detail(turn, staff, number) if number else _queue(turn, staff))
    if not number:
        return Answer.say(WHICH.format(example=EXAMPLES[action]))
    if action == "hand_over":
        return Answer.say(_hand_over(turn, staff, number))
    return Answer.say(_decide(turn, staff, number, action, rest))


# -- reading ---------------------------------------------------------------------------------------


def _queue(turn: Turn, staff) -> str:
    calendar, _ = rules(turn.db)
    items, referrals = queue_for(turn.db, staff, turn.now), town_referrals(turn.db, staff.town_id)
    if not items and not referrals:
        return NOTHING
    lines = [QUEUE, *(_queue_line(turn, staff, item, calendar) for item in items)] if items else []
    if referrals:
        lines += [REFERRALS, *(_referral_line(turn, r, calendar) for r in referrals)]
    return "\n".join([*lines, FOOTER])


def _queue_line(turn: Turn, staff, item: QueueItem, calendar: WorkCalendar) -> str:
    app = item.application
    takeover = TAKEOVER if item.takeover and staff.role == Role.TOWN_B.value else ""
    return QUEUE_LINE.format(number=app.number, village=_village(turn, app.village_id), who=mask_name(_decrypt(turn, app.subject_enc)),
                             advice=ADVICE[app.village_recommends], countdown=_countdown(app.deadline, turn.now, calendar), takeover=takeover)


def _referral_line(turn: Turn, referral: Referral, calendar: WorkCalendar) -> str:
    return REFERRAL_LINE.format(number=referral.number, village=_village(turn, referral.village_id), department=referral.department,
                                countdown=_countdown(referral.deadline, turn.now, calendar))


def _detail(turn: Turn, staff, number: str) -> str:
    if number.startswith("ZJ"):
        return NOT_FOUND.format(number=number)
    item = next((i for i in queue_for(turn.db, staff, turn.now) if i.application.number == number), None)
    if item is None:
        return NOT_FOUND.format(number=number)
    app, calendar = item.application, rules(turn.db)[0]
    lead = turn.db.get(Lead, app.lead_id) if app.lead_id else None
    return DETAIL.format(
        number=app.number, status=app.state.label, who=_decrypt(turn, app.subject_enc), contact=_decrypt(turn, app.contact_enc) or "无",
        source=SOURCE_LEAD.format(lead=lead.number) if lead else SOURCE_RESIDENT, advice=ADVICE[app.village_recommends],
        team=f"{app.surveyor_1}、{app.surveyor_2}", reviewed=when(app.village_reviewed_at), findings=_decrypt(turn, app.findings_enc) or "无",
        countdown=_countdown(app.deadline, turn.now, calendar),
    )


def _countdown(deadline, now, calendar: WorkCalendar) -> str:
    """剩1个工作日 / 今天到期 / 已超期, counted in county working days."""
    if now >= deadline:
        return COUNTDOWN_OVER.format(deadline=when(deadline))
    left = calendar.workdays_between(local(now).date(), local(deadline).date())
    return (COUNTDOWN_LEFT.format(n=left, deadline=when(deadline)) if left > 0 else COUNTDOWN_TODAY.format(deadline=when(deadline)))


# -- acting ----------------------------------------------------------------------------------------


def _decide(turn: Turn, staff, number: str, action: str, rest: str) -> str:
    app = find_by_number(turn.db, number) if number.startswith("SQ") else None
    if app is None or app.town_id != staff.town_id:
        return NOT_FOUND.format(number=number)
    decision = {"approve": Decision.APPROVE, "reject": Decision.REJECT, "transfer": Decision.TRANSFER}[action]
    note = _department(rest) if decision is Decision.TRANSFER else rest
    result = town_decide(turn.db, turn.services.cipher, app, staff, decision, note, turn.now)
    turn.notify_all(result.notices)
    return _answer(result, decision, note, number)


def _answer(result, decision: Decision, note: str | None, number: str) -> str:
    app: Application = result.application
    status = ApplicationStatus(app.status).label
    if result.outcome is Outcome.DONE:
        referral = result.referral
        text = ANSWERS[decision].format(number=number, note=note, referral=referral.number if referral else "", deadline=when(referral.deadline) if referral else "")
        return text + (TOOK_OVER if result.took_over else "")
    if result.outcome is Outcome.INVALID:
        if result.problem is Problem.EXPLANATION:
            return NEED_EXPLANATION.format(number=number)
        return NEED_DEPARTMENT.format(number=number, departments="、".join(DEPARTMENTS))
    if result.outcome is Outcome.NOT_ALLOWED:
        return NOT_YET.format(number=number)
    return (ALREADY if result.outcome is Outcome.ALREADY else CLOSED).format(number=number, status=status)


def _department(said: str) -> str | None:
    """The department named in ``said`` ("卫健委" → 卫健), or None."""
    return next((d for d in DEPARTMENTS if d in said), None)


def _hand_over(turn: Turn, staff, number: str) -> str:
    referral = find_referral(turn.db, number) if number.startswith("ZJ") else None
    if referral is None:
        return NOT_FOUND.format(number=number)
    result = hand_over_referral(turn.db, referral, staff, turn.now)
    if result.outcome is Outcome.NOT_ALLOWED:
        return NOT_FOUND.format(number=number)
    turn.notify_all(result.notices)
    return (HANDED_OVER if result.outcome is Outcome.DONE else HANDED_ALREADY).format(number=number, department=referral.department)


# -- helpers ---------------------------------------------------------------------------------------


def _decrypt(turn: Turn, token: str | None) -> str | None:
    return turn.services.cipher.decrypt(token) if token else None


def _village(turn: Turn, village_id: int | None) -> str:
    village = turn.db.get(Village, village_id) if village_id else None
    return village.name if village else "未指定村"
