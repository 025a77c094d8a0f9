"""Providers by message (机构接单): 任务, 接单, 拒单, 上门, 完成.

A provider sees a request's masked name and address until they accept it; after that,
what they need to do the job. Every change goes through the dispatch use cases, which
serialise claims, and notices go to the resident and the village secretary.
"""

from __future__ import annotations

import re

from handlers.staff import staff_of
from handlers.turn import Answer, Turn
from models.catalogue.catalogue import load_catalogue
from models.requests.dispatch import accept_offer, decline_offer, open_offers_for_provider
from models.households.households import Member, mask_address, mask_name
from models.notices import Facts, NoticeKind, when
from models.requests.requests import RequestStatus, ServiceRequest, advance_service, find_by_number, people_to_tell, provider_requests
from models.staff.staff import Role

COMMAND = re.compile(r"^(任务|订单|我的任务|接单|拒单|不接|上门|已上门|到了|完成|已完成|做完了)\s*(FW\d{8}-\d{4})?\s*(.*)$", re.IGNORECASE)
ACTIONS = {"任务": "list", "订单": "list", "我的任务": "list", "接单": "accept", "拒单": "decline", "不接": "decline",
           "上门": "on_site", "已上门": "on_site", "到了": "on_site", "完成": "complete", "已完成": "complete", "做完了": "complete"}

NOTHING = "您现在没有待接的服务单，也没有进行中的服务。有新服务单会通知您。"
OFFERS = "待接单（请在期限前回复“接单 编号”或“拒单 编号”）："
OFFER_LINE = "· {number} {item}，{village} {who}（{address}），{deadline}前答复"
IN_HAND = "进行中的服务（上门后回复“上门 编号”，做完回复“完成 编号”）："
IN_HAND_LINE = "· {number} {item}：{who}，{address}，电话{phone}，需要：{need}"
WHICH = "您有多个服务单，请带上编号，比如“{verb} {number}”。"
NONE_FOR = "没有可以{verb}的服务单。回复“任务”查看。"
ANSWERS = {
    "accepted": "接单成功：{number}。请尽快联系居民；上门后回复“上门 {number}”，做完回复“完成 {number}”。",
    "declined": "已拒单：{number}，系统会派给其他服务机构。",
    "already_accepted": "{number} 您已经接过单了。",
    "already_declined": "{number} 您已经拒过了。",
    "taken": "{number} 已经派给别人或已撤回，不用处理了。",
    "expired": "{number} 已超过接单时限，系统已转派。",
    "closed": "{number} 已取消或已完成，不用处理了。",
    "no_offer": "{number} 不是派给您的服务单。",
}
ON_SITE = "已记录上门：{number}。做完后回复“完成 {number}”。"
DONE = "已记录完成：{number}。谢谢！"
NOT_YOURS = "{number} 现在不能这样操作（不是您的服务单，或者状态不对）。回复“任务”查看。"
RESIDENT_ON_SITE = "服务人员已上门（{item}，{number}）。"
RESIDENT_DONE = "您的服务已完成（{item}，{number}）。满意吗？请回复“评价”告诉我们。"


def on_provider(turn: Turn) -> Answer | None:
    found = COMMAND.match(turn.said.upper().replace("ＦＷ", "FW")) if turn.said else None
    if found is None:
        return None
    staff = staff_of(turn)
    if staff is None or staff.role != Role.PROVIDER.value or not staff.provider_id:
        return None
    action, number, rest = ACTIONS[found.group(1)], found.group(2), found.group(3).strip()
    return Answer.say(HANDLERS[action](turn, staff.provider_id, number, rest))


def _list(turn: Turn, provider_id: int, number, rest) -> str:
    catalogue = load_catalogue(turn.db, active_only=False)
    lines = []
    offers = open_offers_for_provider(turn.db, provider_id)
    if offers:
        lines.append(OFFERS)
        for offer in offers:
            request = turn.db.get(ServiceRequest, offer.request_id)
            lines.append(OFFER_LINE.format(number=request.number, item=catalogue[request.item_code].name, village=request.member.household.village.name,
                                           who=mask_name(request.member.name), address=mask_address(turn.services.cipher.decrypt(request.address_enc)), deadline=when(offer.deadline)))
    in_hand = provider_requests(turn.db, provider_id, (RequestStatus.ACCEPTED, RequestStatus.ON_SITE))
    if in_hand:
        lines.append(IN_HAND)
        for request in in_hand:
            lines.append(_in_hand_line(turn, catalogue, request))
    return "\n".join(lines) or NOTHING


def _in_hand_line(turn: Turn, catalogue, request: ServiceRequest) -> str:
    cipher = turn.services.cipher
    member: Member = request.member
    phone = cipher.decrypt(member.phone_enc) if member.phone_enc else "无"
    return IN_HAND_LINE.format(number=request.number, item=catalogue[request.item_code].name, who=member.name, address=cipher.decrypt(request.address_enc),
                               phone=phone, need=cipher.decrypt(request.description_enc))


def _answer_offer(turn: Turn, provider_id: int, number, rest, *, accept: bool) -> str:
    verb = "接单" if accept else "拒单"
    request = _pick(turn, number, [turn.db.get(ServiceRequest, o.request_id) for o in open_offers_for_provider(turn.db, provider_id)])
    if isinstance(request, str):
        return request.format(verb=verb)
    if accept:
        result = accept_offer(turn.db, turn.now, request_id=request.id, provider_id=provider_id)
    else:
        result = decline_offer(turn.db, turn.now, request_id=request.id, provider_id=provider_id, reason=rest or None)
    turn.notify_all(result.notices)
    if result.redispatch:
        turn.after_commit.append(lambda: turn.services.enqueue_dispatch(request.id))
    return ANSWERS[result.outcome.value].format(number=request.number)


def _advance(turn: Turn, provider_id: int, number, rest, *, to: RequestStatus) -> str:
    verb = "记录上门" if to is RequestStatus.ON_SITE else "完成"
    wanted = (RequestStatus.ACCEPTED,) if to is RequestStatus.ON_SITE else (RequestStatus.ACCEPTED, RequestStatus.ON_SITE)
    request = _pick(turn, number, provider_requests(turn.db, provider_id, wanted))
    if isinstance(request, str):
        return request.format(verb=verb)
    if not advance_service(turn.db, request, provider_id, to, f"provider:{provider_id}", turn.now):
        return NOT_YOURS.format(number=request.number)
    item = load_catalogue(turn.db, active_only=False)[request.item_code].name
    text = (RESIDENT_ON_SITE if to is RequestStatus.ON_SITE else RESIDENT_DONE).format(item=item, number=request.number)
    on_site = to is RequestStatus.ON_SITE
    facts = Facts(number=request.number, item=item, at=turn.now, status="已上门" if on_site else "已完成", next_step="服务人员已到您家" if on_site else "点开评价这次服务")
    for openid in people_to_tell(turn.db, request):
        turn.notify(openid, text, kind=(NoticeKind.ON_SITE if on_site else NoticeKind.DONE).value, facts=facts)
    return (ON_SITE if to is RequestStatus.ON_SITE else DONE).format(number=request.number)


def _pick(turn: Turn, number: str | None, candidates: list[ServiceRequest]) -> ServiceRequest | str:
    """The request named by ``number``, or the only candidate; else what to tell the user."""
    if number:
        request = find_by_number(turn.db, number)
        return request if request is not None else NOT_YOURS.format(number=number)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return NONE_FOR
    return WHICH.replace("{number}", candidates[0].number)


HANDLERS = {
    "list": _list,
    "accept": lambda turn, p, n, r: _answer_offer(turn, p, n, r, accept=True),
    "decline": lambda turn, p, n, r: _answer_offer(turn, p, n, r, accept=False),
    "on_site": lambda turn, p, n, r: _advance(turn, p, n, r, to=RequestStatus.ON_SITE),
    "complete": lambda turn, p, n, r: _advance(turn, p, n, r, to=RequestStatus.COMPLETED),
}
