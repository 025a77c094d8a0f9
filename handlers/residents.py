"""Residents' commands outside any flow: 进度 (what happened to my requests and reports)."""

from __future__ import annotations

from handlers.turn import Answer, Turn
from models.catalogue.catalogue import recent_catalogue_of
from models.leads import LeadStatus, leads_reported_by
from models.catalogue.providers import provider_names
from models.requests.requests import RequestStatus, referrals_of, requests_of
from models.households.residents import bound_member_ids

PROGRESS_WORDS = {"进度", "查进度", "我的申请", "申请进度", "查询", "3", "MENU_PROGRESS", "我的"}

NOTHING = "您还没有申请或报告。回复“求助”申请服务，回复“报告”反映身边需要帮助的人。"
HEADER = "您的申请和报告："
FOOTER = "回复“取消”可以取消还没上门的申请；服务完成后回复“评价”。"
COMING = "，{provider}负责"
RATE_HINT = "（请回复“评价”）"


def on_progress(turn: Turn) -> Answer | None:
    if turn.said not in PROGRESS_WORDS:
        return None
    return progress(turn)


def progress(turn: Turn) -> Answer:
    lines = _request_lines(turn) + _lead_lines(turn) + _referral_lines(turn)
    if not lines:
        return Answer.say(NOTHING)
    return Answer.say("\n".join([HEADER, *lines, FOOTER]))


def _request_lines(turn: Turn) -> list[str]:
    requests = requests_of(turn.db, turn.openid, bound_member_ids(turn.openid), limit=5)
    if not requests:
        return []
    catalogue = recent_catalogue_of(turn.db, {r.item_code for r in requests}, active_only=False)
    coming = provider_names(turn.db, [r.provider_id for r in requests if _provider_shown(r)])
    lines = []
    for request in requests:
        line = f"· {request.number} {catalogue[request.item_code].name}：{request.state.label}"
        if _provider_shown(request):
            line += COMING.format(provider=coming[request.provider_id])
        if request.state is RequestStatus.COMPLETED and request.rating is None:
            line += RATE_HINT
        lines.append(line)
    return lines


def _provider_shown(request) -> bool:
    return bool(request.provider_id) and request.state in (RequestStatus.ACCEPTED, RequestStatus.ON_SITE, RequestStatus.COMPLETED)


def _lead_lines(turn: Turn) -> list[str]:
    return [f"· 报告 {lead.number}：{LeadStatus(lead.status).label}" for lead in leads_reported_by(turn.db, turn.services.cipher, turn.openid)]


def _referral_lines(turn: Turn) -> list[str]:
    status = {"pending": "等待转交", "transferred": "已转交"}
    return [f"· 转介 {r.number}（{r.department}）：{status.get(r.status, r.status)}" for r in referrals_of(turn.db, turn.openid)]

