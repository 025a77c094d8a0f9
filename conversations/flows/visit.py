"""红马夹 visits: 签到 on arrival (with location), 完成 with the outcome.

A visit counts as done only with both. Problems found at the door (ill, no food,
unsafe house, a child alone) become, in the same dialogue, an urgent lead for the
village secretary and, where the member is eligible, a service request.
"""

from __future__ import annotations

import datetime as dt

from conversations.engine import Flow, Step
from conversations.inputs import InputKind, UserInput
from conversations import speech
from conversations.parsers import Choice, FreeText, Invalid, LocationAnswer, Ok, Option
from conversations.steps import pick_one
from models.calendar import as_utc, load_work_calendar, local
from models.catalogue.catalogue import load_catalogue, load_thresholds
from models.households.households import mask_name, member_facts
from models.notices import Facts, NoticeKind
from models.leads import report
from policy.eligibility import Eligible, check
from models.requests.requests import create_request
from models.staff.staff import Role, responsible_openids, staff_by_openid
from models.visits.visits import FAR_METRES, Visit, VisitStatus, check_in, complete_visit, volunteer_visits

CHECKIN_TITLE = "探访签到"
COMPLETE_TITLE = "探访完成"
ONLY_VOLUNTEERS = "这是红马夹志愿者签到用的。您如果需要帮助，请回复“求助”。"
NO_VISIT = "您现在没有需要签到的探访任务。回复“任务”查看。"
NO_CHECKED_IN = "您还没有签到的探访。到了之后请先回复“签到”并发送位置。"
WHICH = "是哪一家？\n{options}"
WHICH_RETRY = "请回复序号。"
WHICH_HELP = "回复“任务”可以看全部探访任务。"
WHERE = "请点输入框旁的“＋”，选“位置”，发送您现在的位置。"
WHERE_RETRY = "请发送位置（点“＋”→“位置”）。实在发不了，也可以说一下地址。"
WHERE_HELP = "签到要用手机定位，确认您到了居民家附近。"
CHECKED_IN = "已签到：{who}家。{distance}看望完后请回复“完成”。"
NEAR = "距离登记的住址约{metres}米。"
FAR = "距离登记的住址约{metres}米，超过{limit}米，已记录，请核实住址是否有变。"
NO_DISTANCE = "没有收到定位，已记录，本次签到会被标注。"
OUTCOME = "{who}家的情况怎么样？\n1 一切正常\n2 发现困难，需要帮助\n3 家中无人"
OUTCOME_RETRY = "请回复1、2或3。"
OUTCOME_HELP = "发现任何困难都选2，后面可以说明。"
PROBLEM = "发现了什么困难？\n1 生病需要照顾\n2 没有吃的\n3 房屋不安全\n4 孩子无人照看\n5 其他困难"
PROBLEM_RETRY = "请回复1到5。"
PROBLEM_HELP = "选最要紧的一项，下一步可以详细说。"
NOTES = "请说说看望的情况（可以发语音），没有就回复“没有”。"
NOTES_RETRY = "请说一下情况，没有就回复“没有”。"
NOTES_HELP = "比如：老人精神不错，药还够吃一周。"
PHOTO = "要拍照留痕吗？请发一张照片，不拍就回复“不拍”。"
PHOTO_RETRY = "请发送照片，或回复“不拍”。"
PHOTO_HELP = "点“＋”选“拍摄”或“相册”。"
DONE = "已记录完成：{who}家的探访。谢谢您！"
LEAD_MADE = "已把发现的困难紧急报给村书记（{number}）。"
REQUEST_MADE = "已替{who}申请了{item}服务（{number}），会尽快派人。"
OUTCOME_LABELS = {"normal": "一切正常", "problem": "发现困难", "absent": "家中无人"}

PROBLEMS = (
    Option("ill_no_care", "生病需要照顾", ("生病", "病了")),
    Option("no_food", "没有吃的", ("没吃的", "没饭吃", "吃不上饭")),
    Option("unsafe_house", "房屋不安全", ("危房", "房子")),
    Option("child_alone", "孩子无人照看", ("孩子", "小孩")),
    Option("other", "其他困难", ("其他",)),
)
#: a problem that, when the member is eligible, becomes a request for this item
PROBLEM_ITEM = {"no_food": "meals", "ill_no_care": "daily_care"}
SKIP_PHOTO = ("不拍", "没有", "不用", "算了", "不要")


class PhotoOrNot:
    """A photo, or "不拍" (None)."""

    kind = "image"
    critical = False

    def parse(self, answer: UserInput, today: dt.date):
        if answer.kind is InputKind.IMAGE and answer.media_id:
            return Ok(answer.media_id, "照片")
        said = speech.strip_fillers(speech.normalize(answer.text))
        if said and any(word in said for word in SKIP_PHOTO):
            return Ok(None, "不拍")
        return Invalid()


def _volunteer(call):
    return call.turn.memo("staff", lambda: staff_by_openid(call.turn.db, call.turn.openid))


def _not_volunteer(call) -> str | None:
    staff = _volunteer(call)
    return None if staff is not None and staff.role in (Role.VOLUNTEER.value, Role.ASSISTANT.value) else ONLY_VOLUNTEERS


def _visits(call, statuses: tuple[str, ...]) -> list[Visit]:
    staff = _volunteer(call)
    return volunteer_visits(call.turn.db, staff.id, statuses) if staff else []


def _to_check_in(call) -> list[Visit]:
    return _visits(call, (VisitStatus.DUE.value, VisitStatus.ACCEPTED.value))


def _checked_in(call) -> list[Visit]:
    return _visits(call, (VisitStatus.CHECKED_IN.value,))


def _label(visit: Visit) -> str:
    shown = visit.member.name if visit.status != VisitStatus.DUE.value else mask_name(visit.member.name)
    urgent = "【紧急】" if visit.kind == "urgent" else ""
    return f"{urgent}T{visit.id} {shown}（{visit.member.household.village.name}）"


def _which_step(candidates) -> Step:
    def options(call) -> tuple[Option, ...]:
        return tuple(Option(str(v.id), _label(v), (f"T{v.id}", v.member.name)) for v in candidates(call))

    return pick_one("visit", "哪一家", WHICH, options, WHICH_RETRY, WHICH_HELP)


def _visit(call) -> Visit:
    return call.turn.db.get(Visit, int(call.data["visit"]))


def _checkin_finish(call) -> str:
    visit, where = _visit(call), call.data["where"]
    check_in(call.turn.db, visit, _volunteer(call).id, where.get("lat"), where.get("lng"), call.turn.now)
    if visit.distance_m is None:
        distance = NO_DISTANCE
    elif visit.far:
        distance = FAR.format(metres=visit.distance_m, limit=FAR_METRES)
    else:
        distance = NEAR.format(metres=visit.distance_m)
    return CHECKED_IN.format(who=visit.member.name, distance=distance)


def _complete_finish(call) -> str:
    turn, visit, staff = call.turn, _visit(call), _volunteer(call)
    notes = call.data.get("notes")
    notes = None if notes in (None, "没有", "无") else notes
    complete_visit(turn.db, turn.services.cipher, visit, staff.id, call.data["outcome"], notes, [call.data["photo"]] if call.data.get("photo") else [], turn.now)
    replies = [DONE.format(who=visit.member.name)]
    if call.data["outcome"] == "problem":
        replies += _act_on_problem(call, visit, call.data["problem"], notes)
    return "\n".join(replies)


def _act_on_problem(call, visit: Visit, problem: str, notes: str | None) -> list[str]:
    turn, cipher = call.turn, call.turn.services.cipher
    household = visit.member.household
    calendar, thresholds = load_work_calendar(turn.db), load_thresholds(turn.db)
    deadline = as_utc(calendar.add_working_hours(local(turn.now), thresholds.offer_timeout_working_hours))
    address = cipher.decrypt(household.address_enc)
    lead, _ = report(turn.db, cipher, openid=turn.openid, anonymous=False, village_id=household.village_id, subject=visit.member.name, address=address,
                     latitude=household.latitude, longitude=household.longitude, situations=[problem], details=notes, urgent=True, deadline=deadline, now=turn.now)
    lead.household_id = household.id
    label = next(o.label for o in PROBLEMS if o.key == problem)
    facts = Facts(number=lead.number, item=f"探访发现：{label}", village=household.village.name, person=mask_name(visit.member.name), deadline=lead.deadline,
                  at=turn.now, status="待核实", next_step="紧急，请尽快处理")
    for openid in responsible_openids(turn.db, household.village_id):
        turn.notify(openid, f"【探访发现·紧急】{lead.number}：{household.village.name} {visit.member.name}，{label}。{notes or ''}请尽快处理。", kind=NoticeKind.LEAD.value, facts=facts)
    replies = [LEAD_MADE.format(number=lead.number)]
    code = PROBLEM_ITEM.get(problem)
    catalogue = load_catalogue(turn.db)
    if code and code in catalogue and isinstance(check(catalogue[code], member_facts(visit.member, call.today), thresholds), Eligible):
        request = create_request(turn.db, cipher, member=visit.member, openid=turn.openid, relation="志愿者", item_code=code, description=f"探访发现：{label}。{notes or ''}",
                                 preferred_date=None, address=address, latitude=household.latitude, longitude=household.longitude, now=turn.now)
        turn.after_commit.append(lambda: turn.services.enqueue_dispatch(request.id))
        replies.append(REQUEST_MADE.format(who=visit.member.name, item=catalogue[code].name, number=request.number))
    return replies


CHECKIN = Flow(
    name="visit_checkin",
    version=1,
    title=CHECKIN_TITLE,
    finish=_checkin_finish,
    unavailable=lambda call: _not_volunteer(call) or (None if _to_check_in(call) else NO_VISIT),
    steps=(
        _which_step(_to_check_in),
        Step("where", "位置", WHERE, LocationAnswer(), WHERE_RETRY, WHERE_HELP),
    ),
)

COMPLETE = Flow(
    name="visit_complete",
    version=1,
    title=COMPLETE_TITLE,
    finish=_complete_finish,
    unavailable=lambda call: _not_volunteer(call) or (None if _checked_in(call) else NO_CHECKED_IN),
    steps=(
        _which_step(_checked_in),
        Step("outcome", "情况", lambda call: OUTCOME.format(who=_visit(call).member.name),
             Choice((Option("normal", "一切正常", ("正常", "挺好", "都好")), Option("problem", "发现困难", ("困难", "需要帮助", "有问题")), Option("absent", "家中无人", ("没人", "不在家")))),
             OUTCOME_RETRY, OUTCOME_HELP, next=lambda outcome, call: "problem" if outcome == "problem" else "notes"),
        Step("problem", "什么困难", PROBLEM, Choice(PROBLEMS), PROBLEM_RETRY, PROBLEM_HELP),
        Step("notes", "情况说明", NOTES, FreeText(1, 500), NOTES_RETRY, NOTES_HELP),
        Step("photo", "照片", PHOTO, PhotoOrNot(), PHOTO_RETRY, PHOTO_HELP),
    ),
)
