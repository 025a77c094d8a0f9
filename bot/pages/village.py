"""A village secretary's (or 协理员's) 待办: everything open in their village only, as 待办 says in
chat, with 改派 and 核实 run by the dialogues' own code, and the notices WeChat could not carry
to the village's people (to follow up by phone)."""

from __future__ import annotations

from flask import render_template, request

from bot.pages.common import act, bp, ctx, db, my_staff, page
from conversations.flows.lead_review import VERDICTS, settle
from conversations.flows.reassign import reassign
from handlers.secretary import SITUATION
from models.applications import awaiting_first_review
from models.calendar import local_today
from models.catalogue.catalogue import load_catalogue
from models.catalogue.providers import providers_for
from models.leads import LeadStatus, open_leads
from models.requests.dispatch.offering import REASSIGNABLE
from models.requests.requests import RequestStatus, ServiceRequest, find_by_number, holders, village_referrals, village_requests
from models.staff.staff import Role, Staff
from models.undelivered import for_village
from models.visits.visits import overdue_visits

VILLAGE_ROLES = {Role.SECRETARY, Role.ASSISTANT}
NOT_HERE = "没有找到这一项，或它不是本村的。"
NEED_REASON = "请简单写明核实情况（比如：已联系女儿接回家照顾）。"


@bp.get("/todo")
@page(VILLAGE_ROLES)
def todo():
    return _render()


@bp.post("/todo/reassign")
@page({Role.SECRETARY})
def reassign_request():
    staff = my_staff()
    service = find_by_number(db(), request.form.get("number", ""))
    provider_id = request.form.get("provider", type=int)
    if service is None or service.village_id != staff.village_id or service.status not in REASSIGNABLE or provider_id not in {p.id for p in _choices(service)}:
        return _render(NOT_HERE, 400)
    return _render(act(lambda turn: reassign(turn, turn.db.get(ServiceRequest, service.id), provider_id, my_staff_in(turn))))


@bp.post("/leads/<number>")
@page(VILLAGE_ROLES)
def verify_lead(number: str):
    staff = my_staff()
    lead = next((lead for lead in _leads(staff.village_id) if lead.number == number), None)
    verdict, reason = request.form.get("verdict", ""), request.form.get("reason", "").strip()[:200] or None
    if lead is None or verdict not in {o.key for o in VERDICTS}:
        return _render(NOT_HERE, 400)
    if verdict != "convert" and (reason is None or len(reason) < 2):
        return _render(NEED_REASON, 400)
    return _render(act(lambda turn: settle(turn, turn.db.get(type(lead), lead.id), my_staff_in(turn), verdict, reason)))


def my_staff_in(turn) -> Staff:
    """The page's staff member, read in the action's own transaction."""
    return turn.db.get(Staff, my_staff().id)


def _leads(village_id: int):
    return [lead for lead in open_leads(db(), village_id) if lead.status == LeadStatus.OPEN.value]


def _choices(service: ServiceRequest):
    current = holders(db(), service.id)
    return [p for p in providers_for(db(), service.item_code, service.village_id) if p.id not in current]


def _render(said: str | None = None, status: int = 200):
    db().expire_all()
    staff, cipher = my_staff(), ctx().cipher
    village = staff.village
    catalogue = load_catalogue(db(), active_only=False)
    requests = village_requests(db(), village.id, tuple(RequestStatus(s) for s in REASSIGNABLE))
    requests = [(r, catalogue[r.item_code].name, _choices(r) if staff.role == Role.SECRETARY.value else []) for r in requests]
    leads = [(lead, cipher.decrypt(lead.subject_enc), "、".join(SITUATION.get(s, s) for s in lead.situations)) for lead in _leads(village.id)]
    undelivered = [(m, cipher.decrypt(m.body_enc)) for m in for_village(db(), village.id)]
    return render_template(
        "pages/todo.html", title=f"{village.name}待办", village=village, said=said, requests=requests, leads=leads, verdicts=VERDICTS,
        applications=awaiting_first_review(db(), village.id), visits=overdue_visits(db(), village.id, local_today(ctx().clock())),
        referrals=village_referrals(db(), village.id), undelivered=undelivered, may_reassign=staff.role == Role.SECRETARY.value,
    ), status
