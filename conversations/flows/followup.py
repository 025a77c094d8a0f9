"""取消 and 评价: what a resident does with a request after sending it."""

from __future__ import annotations

from conversations.engine import DONE, Flow, Step
from conversations.parsers import Choice, FreeText, Option, YesNo
from conversations.steps import pick_one
from models.notices import Facts, NoticeKind
from models.catalogue.catalogue import recent_catalogue_of
from models.requests.dispatch import withdraw_offers
from models.catalogue.providers import Provider
from models.requests.requests import CANCELLABLE, ServiceRequest, cancel_request, rate_request, requests_of, unrated_completed
from models.households.residents import bound_member_ids
from models.staff.staff import responsible_openids

CANCEL_TITLE = "取消申请"
CANCEL_WHICH = "要取消哪一个申请？\n{options}"
CANCEL_WHICH_RETRY = "请回复序号或申请编号。"
CANCEL_WHICH_HELP = "已经上门或完成的服务不能取消。"
CANCEL_CONFIRM = "确定取消 {number}（{item}）吗？回复“是”或“不是”。"
CANCEL_CONFIRM_RETRY = "请回复“是”或“不是”。"
CANCEL_CONFIRM_HELP = "取消后，服务人员就不会上门了。"
CANCELLED = "已取消 {number}。需要时随时回复“求助”重新申请。"
KEPT = "好的，申请保留，没有取消。"
TOO_LATE = "{number}已经有人上门或已完成，不能取消了。有问题请回复“人工”。"
NOTHING_TO_CANCEL = "您现在没有可以取消的申请。回复“进度”查看全部申请。"
PROVIDER_TOLD = "【取消通知】{number}（{item}）居民已取消，不用上门了。"

RATE_TITLE = "评价"
RATE_WHICH = "要评价哪一次服务？\n{options}"
RATE_WHICH_RETRY = "请回复序号。"
RATE_WHICH_HELP = "只能评价已经完成的服务。"
RATE = "您对这次服务（{item}）满意吗？\n1 满意\n2 基本满意\n3 不满意"
RATE_RETRY = "请回复1、2或3。"
RATE_HELP = "说实话就好，不满意我们会让村里重新安排。"
COMMENT = "还有什么想说的吗？可以发语音。没有就回复“没有”。"
COMMENT_RETRY = "请说一下您的意见，没有就回复“没有”。"
COMMENT_HELP = "比如：来得很准时，态度很好。"
THANKS = "谢谢您的评价！"
REOPENED = "很抱歉这次服务没让您满意。我们已经告诉村里，会重新安排，并尽快联系您。"
NOTHING_TO_RATE = "您现在没有需要评价的服务。回复“进度”查看全部申请。"
SECRETARY_TOLD = "【服务不满意】{number}（{item}）居民评价不满意{comment}，请重新安排并回访。回复“待办”查看。"

RATINGS = (
    Option("satisfied", "满意", ("很满意", "挺好", "好")),
    Option("basic", "基本满意", ("还行", "一般", "还可以")),
    Option("unsatisfied", "不满意", ("不好", "很差", "不行")),
)


def _item_name(call, request: ServiceRequest) -> str:
    return recent_catalogue_of(call.turn.db, [request.item_code], active_only=False)[request.item_code].name


def _options(call, requests) -> tuple[Option, ...]:
    return tuple(Option(str(r.id), f"{r.number} {_item_name(call, r)}", (r.number, r.number[-4:])) for r in requests)


def _request(call) -> ServiceRequest:
    return call.turn.db.get(ServiceRequest, int(call.data["which"]))


# -- cancel --------------------------------------------------------------------------------


def _cancellable(call) -> list[ServiceRequest]:
    return [r for r in requests_of(call.turn.db, call.turn.openid, bound_member_ids(call.turn.openid)) if r.state in CANCELLABLE]


def _cancel_finish(call) -> str:
    request = _request(call)
    if not call.data["sure"]:
        return KEPT
    turn = call.turn
    provider = turn.db.get(Provider, request.provider_id) if request.provider_id else None
    if request.state not in CANCELLABLE:
        return TOO_LATE.format(number=request.number)
    notices = withdraw_offers(turn.db, request.id, turn.now)  # a provider with an open offer is told
    cancel_request(turn.db, request, turn.openid, turn.now)
    turn.notify_all(notices)
    if provider is not None and provider.openid:  # one who had accepted is told too
        facts = Facts(number=request.number, item=_item_name(call, request), at=turn.now, status="已取消", next_step="居民已取消，无需上门")
        turn.notify(provider.openid, PROVIDER_TOLD.format(number=request.number, item=_item_name(call, request)), kind=NoticeKind.CANCELLED.value, facts=facts)
    return CANCELLED.format(number=request.number)


CANCEL = Flow(
    name="cancel_request",
    version=1,
    title=CANCEL_TITLE,
    finish=_cancel_finish,
    unavailable=lambda call: None if _cancellable(call) else NOTHING_TO_CANCEL,
    steps=(
        pick_one("which", "取消哪个", CANCEL_WHICH, lambda call: _options(call, _cancellable(call)), CANCEL_WHICH_RETRY, CANCEL_WHICH_HELP),
        Step("sure", "确认取消", lambda call: CANCEL_CONFIRM.format(number=_request(call).number, item=_item_name(call, _request(call))),
             YesNo(), CANCEL_CONFIRM_RETRY, CANCEL_CONFIRM_HELP, next=lambda yes, call: DONE),
    ),
)


# -- rate ------------------------------------------------------------------------------------


def _unrated(call) -> list[ServiceRequest]:
    return unrated_completed(call.turn.db, call.turn.openid, bound_member_ids(call.turn.openid))


def _rate_finish(call) -> str:
    request = _request(call)
    comment = call.data.get("comment")
    comment = None if comment in (None, "没有", "无", "没了") else comment
    rate_request(call.turn.db, call.turn.services.cipher, request, call.turn.openid, call.data["rating"], comment, call.turn.now)
    if call.data["rating"] != "unsatisfied":
        return THANKS
    notice = SECRETARY_TOLD.format(number=request.number, item=_item_name(call, request), comment=f"：{comment}" if comment else "")
    facts = Facts(number=request.number, item=_item_name(call, request), at=call.turn.now, status="不满意", next_step="居民不满意，请重新安排")
    for openid in responsible_openids(call.turn.db, request.village_id):
        call.turn.notify(openid, notice, kind=NoticeKind.REOPENED.value, facts=facts)
    return REOPENED


RATE_FLOW = Flow(
    name="rate",
    version=1,
    title=RATE_TITLE,
    finish=_rate_finish,
    unavailable=lambda call: None if _unrated(call) else NOTHING_TO_RATE,
    steps=(
        pick_one("which", "评价哪次", RATE_WHICH, lambda call: _options(call, _unrated(call)), RATE_WHICH_RETRY, RATE_WHICH_HELP),
        Step("rating", "满意度", lambda call: RATE.format(item=_item_name(call, _request(call))), Choice(RATINGS), RATE_RETRY, RATE_HELP),
        Step("comment", "意见", COMMENT, FreeText(1, 300), COMMENT_RETRY, COMMENT_HELP),
    ),
)
