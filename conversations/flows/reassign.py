"""改派: a village secretary gives a request to another provider of their choosing."""

from __future__ import annotations

from conversations.engine import DONE, Flow, Step
from conversations.parsers import Choice, Option, YesNo
from conversations.steps import pick_one
from models.calendar import load_work_calendar
from models.catalogue.catalogue import load_catalogue, load_thresholds
from models.requests.dispatch import DispatchOutcome, offer_to
from models.requests.dispatch.offering import REASSIGNABLE
from models.notices import when
from models.catalogue.providers import Provider, providers_for
from models.requests.requests import RequestStatus, ServiceRequest, holders, village_requests
from models.staff.staff import Role, staff_by_openid

TITLE = "改派"
ONLY_SECRETARY = "这是村书记改派服务单用的。"
NOTHING = "本村现在没有可以改派的服务单。"
WHICH = "改派哪一张服务单？\n{options}"
WHICH_RETRY = "请回复序号或服务单编号。"
WHICH_HELP = "已经上门或完成的服务单不能改派。"
WHO = "派给哪家？\n{options}"
WHO_RETRY = "请回复序号或机构名称。"
WHO_HELP = "只列出本村能做这项服务的机构。"
NO_PROVIDER = "本村没有其他能做这项服务的机构，请回复“人工”联系乡镇。"
SURE = "确认把 {number} 改派给 {provider} 吗？"
SURE_RETRY = "请回复“是”或“不是”。"
SURE_HELP = "改派后原来的机构会收到撤单通知。"
DONE_TEXT = "已改派：{number} 派给 {provider}，请对方在 {deadline} 前接单。"
NOT_DONE = "好的，没有改派。"
TOO_LATE = "{number} 已经不能改派了（可能已上门或已完成）。"


def _staff(call):
    return call.turn.memo("staff", lambda: staff_by_openid(call.turn.db, call.turn.openid))


def _requests(call) -> list[ServiceRequest]:
    staff = _staff(call)
    statuses = tuple(RequestStatus(s) for s in REASSIGNABLE)
    return village_requests(call.turn.db, staff.village_id, statuses) if staff else []


def _unavailable(call) -> str | None:
    staff = _staff(call)
    if staff is None or staff.role != Role.SECRETARY.value:
        return ONLY_SECRETARY
    return None if _requests(call) else NOTHING


def _request(call) -> ServiceRequest:
    return call.turn.db.get(ServiceRequest, int(call.data["request"]))


def _request_options(call) -> tuple[Option, ...]:
    catalogue = load_catalogue(call.turn.db, active_only=False)
    return tuple(Option(str(r.id), f"{r.number} {r.member.name} {catalogue[r.item_code].name}（{r.state.label}）", (r.number, r.number[-4:])) for r in _requests(call))


def _provider_options(call) -> tuple[Option, ...]:
    request = _request(call)
    current = holders(call.turn.db, request.id)
    return tuple(Option(str(p.id), p.name) for p in providers_for(call.turn.db, request.item_code, request.village_id) if p.id not in current)


def _listing(options) -> str:
    return "\n".join(f"{n} {o.label}" for n, o in enumerate(options, 1)) or NO_PROVIDER


def _finish(call) -> str:
    if not call.data["sure"]:
        return NOT_DONE
    return reassign(call.turn, _request(call), int(call.data["provider"]), _staff(call))


def reassign(turn, request: ServiceRequest, provider_id: int, staff) -> str:
    """改派 itself, for this dialogue and the 待办 page: the request to ``provider_id``."""
    result = offer_to(turn.db, request.id, provider_id, turn.now, load_work_calendar(turn.db), load_thresholds(turn.db), turn.services.cipher, f"staff:{staff.id}")
    if result.outcome is not DispatchOutcome.OFFERED:
        return TOO_LATE.format(number=request.number)
    turn.notify_all(result.notices)
    return DONE_TEXT.format(number=request.number, provider=turn.db.get(Provider, result.provider_id).name, deadline=when(result.deadline))


FLOW = Flow(
    name="reassign",
    version=1,
    title=TITLE,
    finish=_finish,
    unavailable=_unavailable,
    steps=(
        pick_one("request", "哪张服务单", WHICH, _request_options, WHICH_RETRY, WHICH_HELP),
        Step("provider", "派给谁", lambda call: WHO.format(options=_listing(_provider_options(call))), lambda call: Choice(_provider_options(call) or (Option("none", "无"),)), WHO_RETRY, WHO_HELP,
             check=lambda value, call: NO_PROVIDER if value == "none" else None),
        Step("sure", "确认", lambda call: SURE.format(number=_request(call).number, provider=call.turn.db.get(Provider, int(call.data["provider"])).name), YesNo(), SURE_RETRY, SURE_HELP,
             next=lambda sure, call: DONE),
    ),
)
