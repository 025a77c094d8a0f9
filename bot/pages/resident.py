"""A resident's (or a proxy's, or a reporter's) requests and how far each has come: exactly what
进度 says in chat, each request on its own page with its steps."""

from __future__ import annotations

from flask import render_template

from bot.pages.common import bp, ctx, db, me, not_yours, page
from handlers.residents import FOOTER
from models.audit import trail
from models.catalogue.catalogue import load_catalogue
from models.catalogue.providers import provider_names
from models.households.residents import bound_member_ids
from models.leads import LeadStatus, leads_reported_by
from models.requests.requests import RequestStatus, find_by_number, requests_of

#: the steps of a request the resident sees, in their words (the audit trail's actions)
STEPS = {
    "created": "提交申请", "offered": "已派给服务机构", "accepted": "服务人员已接单", "on_site": "服务人员已上门", "completed": "服务完成",
    "escalated": "转乡镇工作人员安排", "reassigned": "村里重新安排了服务机构", "cancelled": "已取消", "rated": "已评价", "reopened": "村里重新安排",
}
PROVIDER_SHOWN = (RequestStatus.ACCEPTED, RequestStatus.ON_SITE, RequestStatus.COMPLETED)


def _mine(limit: int = 20):
    return requests_of(db(), me().openid, bound_member_ids(me().openid), limit=limit)


@bp.get("/requests")
@page()
def requests_page():
    requests = _mine()
    catalogue = load_catalogue(db(), active_only=False)
    leads = leads_reported_by(db(), ctx().cipher, me().openid)
    rows = [{"number": r.number, "item": catalogue[r.item_code].name, "status": r.state.label, "rate": r.state is RequestStatus.COMPLETED and r.rating is None} for r in requests]
    return render_template("pages/requests.html", title="我的申请", rows=rows, leads=[(lead.number, LeadStatus(lead.status).label) for lead in leads], footer=FOOTER)


@bp.get("/requests/<number>")
@page()
def request_page(number: str):
    request = find_by_number(db(), number)
    if request is None or request.id not in {r.id for r in _mine(limit=100)}:
        return not_yours()
    catalogue = load_catalogue(db(), active_only=False)
    provider = provider_names(db(), [request.provider_id]).get(request.provider_id) if request.provider_id and request.state in PROVIDER_SHOWN else None
    steps = [(entry.at, STEPS[entry.action]) for entry in trail(db(), "request", request.id) if entry.action in STEPS]
    return render_template("pages/request.html", title=request.number, request=request, item=catalogue[request.item_code].name, provider=provider, steps=steps,
                           rate=request.state is RequestStatus.COMPLETED and request.rating is None)
