"""红马夹 volunteers by message: 任务 (their visits), 接受 / 不去 a visit.

A volunteer sees only their own tasks; names and addresses stay masked until they
accept. 签到 and 完成 are dialogues (conversations/flows/visit.py).
"""

from __future__ import annotations

import re

from handlers.staff import staff_of
from handlers.turn import Answer, Turn
from models.households.households import mask_address, mask_name
from models.notices import Facts, NoticeKind, day, day_start_of
from models.staff.staff import Role, responsible_openids
from models.visits.visits import Visit, VisitStatus, accept_visit, decline_visit, volunteer_visits

COMMAND = re.compile(r"^(任务|我的任务|接受|接了|不去|去不了)\s*T?(\d+)?$", re.IGNORECASE)
NOTHING = "您现在没有探访任务。有新任务会通知您。"
HEADER = "您的探访任务（最急的在前）："
LINE = "· T{id} {kind}{who}，{address}，{due}前{state}"
FOOTER = "接受回复“接受 T编号”，去不了回复“不去 T编号”；到了回复“签到”，看完回复“完成”。"
STATES = {VisitStatus.DUE.value: "（待接受）", VisitStatus.ACCEPTED.value: "", VisitStatus.CHECKED_IN.value: "（已签到，待完成）"}
ACCEPTED = "已接受 T{id}：{who}，{address}。到了请回复“签到”并发送位置。"
DECLINED = "已退回 T{id}，村书记会另外安排。"
NOT_YOURS = "T{id} 不是您的任务，或已经不能这样操作了。回复“任务”查看。"
WHICH = "请带上任务编号，比如“{verb} T{id}”。"
SECRETARY_TOLD = "【探访退回】T{id} {who} 的探访被志愿者退回，请另行安排。"


def on_volunteer(turn: Turn) -> Answer | None:
    found = COMMAND.match(turn.said.upper()) if turn.said else None
    if found is None:
        return None
    staff = staff_of(turn)
    if staff is None or staff.role not in (Role.VOLUNTEER.value, Role.ASSISTANT.value):
        return None
    verb, number = found.group(1), found.group(2)
    if verb in ("任务", "我的任务"):
        return Answer.say(_list(turn, staff.id))
    visits = volunteer_visits(turn.db, staff.id)
    if number is None:
        if len(visits) != 1:
            return Answer.say(WHICH.format(verb=verb, id=visits[0].id) if visits else NOTHING)
        number = str(visits[0].id)
    visit = turn.db.get(Visit, int(number))
    if visit is None:
        return Answer.say(NOT_YOURS.format(id=number))
    if verb in ("接受", "接了"):
        return Answer.say(_accept(turn, visit, staff.id))
    return Answer.say(_decline(turn, visit, staff.id))


def _list(turn: Turn, staff_id: int) -> str:
    visits = volunteer_visits(turn.db, staff_id)
    if not visits:
        return NOTHING
    lines = [HEADER] + [_line(turn, v) for v in visits] + [FOOTER]
    return "\n".join(lines)


def _line(turn: Turn, visit: Visit) -> str:
    accepted = visit.status != VisitStatus.DUE.value
    address = turn.services.cipher.decrypt(visit.member.household.address_enc)
    return LINE.format(
        id=visit.id, kind="【紧急】" if visit.kind == "urgent" else "", due=day(visit.due_date), state=STATES[visit.status],
        who=visit.member.name if accepted else mask_name(visit.member.name), address=address if accepted else mask_address(address),
    )


def _accept(turn: Turn, visit: Visit, staff_id: int) -> str:
    if not accept_visit(turn.db, visit, staff_id, turn.now):
        return NOT_YOURS.format(id=visit.id)
    address = turn.services.cipher.decrypt(visit.member.household.address_enc)
    return ACCEPTED.format(id=visit.id, who=visit.member.name, address=address)


def _decline(turn: Turn, visit: Visit, staff_id: int) -> str:
    if not decline_visit(turn.db, visit, staff_id, turn.now):
        return NOT_YOURS.format(id=visit.id)
    facts = Facts(number=f"T{visit.id}", item="探访", village=visit.member.household.village.name, person=mask_name(visit.member.name),
                  deadline=day_start_of(visit.due_date), at=turn.now, status="已退回", next_step="请另行安排志愿者")
    for openid in responsible_openids(turn.db, visit.village_id):
        turn.notify(openid, SECRETARY_TOLD.format(id=visit.id, who=mask_name(visit.member.name)), kind=NoticeKind.VISIT_DECLINED.value, facts=facts)
    return DECLINED.format(id=visit.id)
