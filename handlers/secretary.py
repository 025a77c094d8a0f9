"""Village secretaries (and 协理员) by message: 待办, everything open in their village only."""

from __future__ import annotations

from handlers.staff import staff_of
from handlers.turn import Answer, Turn
from models.applications import awaiting_first_review
from models.calendar import local_today
from models.catalogue.catalogue import load_catalogue
from models.leads import LeadStatus, open_leads
from models.notices import day, when
from models.requests.requests import village_referrals, village_requests
from models.staff.staff import Role
from models.undelivered import for_village
from policy.display import one_line
from models.visits.visits import overdue_visits

WORDS = {"待办", "待办事项", "我的待办", "村里待办"}
ROLES = {Role.SECRETARY.value, Role.ASSISTANT.value}
NOTHING = "{village}现在没有待办事项。"
HEADER = "{village}待办："
REQUESTS = "【服务单】"
REQUEST_LINE = "· {number} {who} {item}：{status}"
LEADS = "【群众报告的线索】（回复“核实”处理）"
LEAD_LINE = "· {number} {urgent}{situations}，{deadline}前核实"
APPLICATIONS = "【待初审的救助申请】（回复“初审”办理）"
APPLICATION_LINE = "· {number}，{deadline}前完成初审"
VISITS = "【逾期探访】"
VISIT_LINE = "· T{id} {who}，应于{due}探访{volunteer}"
REFERRALS = "【待转介】"
REFERRAL_LINE = "· {number} 转{department}，{deadline}前转交"
UNDELIVERED = "【没能送达的通知】（微信没能送到本人，请电话或上门告知）"
UNDELIVERED_LINE = "· {at} {text}"
FOOTER = "改派服务单回复“改派”；核实线索回复“核实”。"
SITUATION = {"alone_unseen": "独居老人多日未见", "ill_no_care": "生病无人照顾", "unsafe_house": "房屋危险", "child_alone": "儿童无人照看", "no_food": "吃不上饭", "other": "其他"}


def on_todo(turn: Turn) -> Answer | None:
    if turn.said not in WORDS:
        return None
    staff = staff_of(turn)
    if staff is None or staff.role not in ROLES:
        return None
    return Answer.say(todo(turn, staff))


def todo(turn: Turn, staff) -> str:
    village = staff.village
    sections = [_requests(turn, village.id), _leads(turn, village.id), _applications(turn, village.id), _visits(turn, village.id), _referrals(turn, village.id),
                _undelivered(turn, village.id)]
    lines = [line for section in sections for line in section]
    if not lines:
        return NOTHING.format(village=village.name)
    return "\n".join([HEADER.format(village=village.name), *lines, FOOTER])


def _requests(turn: Turn, village_id: int) -> list[str]:
    rows = village_requests(turn.db, village_id)
    catalogue = load_catalogue(turn.db, active_only=False)
    return [REQUESTS] + [REQUEST_LINE.format(number=r.number, who=r.member.name, item=catalogue[r.item_code].name, status=r.state.label) for r in rows] if rows else []


def _leads(turn: Turn, village_id: int) -> list[str]:
    rows = [lead for lead in open_leads(turn.db, village_id) if lead.status == LeadStatus.OPEN.value]
    lines = [LEAD_LINE.format(number=lead.number, urgent="【紧急】" if lead.urgent else "", situations="、".join(SITUATION.get(s, s) for s in lead.situations), deadline=when(lead.deadline)) for lead in rows]
    return [LEADS, *lines] if lines else []


def _applications(turn: Turn, village_id: int) -> list[str]:
    rows = awaiting_first_review(turn.db, village_id)
    return [APPLICATIONS] + [APPLICATION_LINE.format(number=a.number, deadline=when(a.deadline)) for a in rows] if rows else []


def _visits(turn: Turn, village_id: int) -> list[str]:
    rows = overdue_visits(turn.db, village_id, local_today(turn.now))
    lines = [VISIT_LINE.format(id=v.id, who=v.member.name, due=day(v.due_date), volunteer="" if v.staff_id else "（未安排志愿者）") for v in rows]
    return [VISITS, *lines] if lines else []


def _undelivered(turn: Turn, village_id: int) -> list[str]:
    rows = for_village(turn.db, village_id, limit=5)
    lines = [UNDELIVERED_LINE.format(at=when(m.created_at), text=one_line(turn.services.cipher.decrypt(m.body_enc))[:40]) for m in rows]
    return [UNDELIVERED, *lines] if lines else []


def _referrals(turn: Turn, village_id: int) -> list[str]:
    rows = village_referrals(turn.db, village_id)
    return [REFERRALS] + [REFERRAL_LINE.format(number=r.number, department=r.department, deadline=when(r.deadline)) for r in rows] if rows else []
