"""求助: a resident (or a proxy) asks for a service from the catalogue.

Choose whom (when bound to several), category and item (only eligible items are
offered; asking for another gives the reason), describe the need, a day, the address,
then a summary to confirm. The request is saved with a short number before the reply;
dispatch happens in a worker. Matters of other departments become referrals (转介).
"""

from __future__ import annotations

import datetime as dt

from conversations import speech
from conversations.engine import DONE, Flow, Step
from conversations.inputs import UserInput
from conversations.parsers import Choice, DateAnswer, FreeText, LocationAnswer, Ok, Option, YesNo
from conversations.steps import pick_one
from models.calendar import as_utc, load_work_calendar, local
from models.catalogue.catalogue import recent_catalogue, recent_thresholds
from models.households.households import Member, member_facts, member_with_household
from models.notices import day
from policy.catalogue import Category
from policy.eligibility import NotEligible, check
from models.requests.requests import create_referral, create_request
from models.households.residents import Binding, bindings_of, has_consented

TITLE = "求助"
INTRO = "好的，我来帮您申请上门服务。"
WHOM = "您要给谁申请？\n{options}"
WHOM_RETRY = "请回复序号。"
WHOM_HELP = "这些是您已经绑定的家人。要给别人申请，请先回复“绑定”。"
CATEGORY = "需要哪一类帮助？\n1 生活帮助（探访、代办买药、送饭、打扫）\n2 照护（养老院、日常照料）\n3 志愿和邻里帮扶、安全看护\n4 慈善救助或转介其他部门（看病、助学、找工作等）"
CATEGORY_RETRY = "请回复1到4。"
CATEGORY_HELP = "不确定的话，直接说您需要做什么，比如“帮我买药”。"
ITEM = "请选择具体服务：\n{options}"
ITEM_RETRY = "请回复序号，或直接说服务名称。"
ITEM_HELP = "说服务的名字也可以，比如“帮办代办”。"
NOT_ELIGIBLE_PREFILL = "{reason}\n您可以看看下面这些服务："
DEPARTMENT = "这件事需要哪个部门帮忙？\n1 人社（找工作、技能培训、社保）\n2 教育（上学、助学）\n3 卫健（看病、体检）\n4 残联（残疾证、辅具）\n5 妇联（妇女儿童权益）\n6 医保（医保报销）\n7 住建（危房改造）\n8 应急（灾害救助）\n9 总工会（职工困难帮扶）"
DEPARTMENT_RETRY = "请回复1到9。"
DEPARTMENT_HELP = "不清楚是哪个部门，选最接近的一项，工作人员会帮您转。"
DESCRIBE = "请说说需要什么帮助，越具体越好（可以发语音）。比如：帮我买降压药。"
DESCRIBE_RETRY = "请简单说一下需要帮什么忙。"
DESCRIBE_HELP = "说清楚要做什么、有什么特别情况，比如“腿脚不便，需要送到家”。"
WHEN = "希望哪天上门？可以说“今天”“明天”“下周一”，或者说“尽快”。"
WHEN_RETRY = "请说一个日子，比如“明天”或“12月3日”，也可以说“尽快”。"
WHEN_HELP = "说“尽快”我们会尽早安排。"
ADDRESS = "上门地址是：{address}，对吗？"
ADDRESS_RETRY = "请回复“对”或“不对”。"
ADDRESS_HELP = "如果这次要去别的地方，请回复“不对”，再告诉我们新地址。"
NEW_ADDRESS = "请说上门地址，或点“＋”发送位置。"
NEW_ADDRESS_RETRY = "请说具体地址，比如“城北村3组12号”，或者发送位置。"
NEW_ADDRESS_HELP = "发送位置：点输入框旁边的“＋”，选“位置”。"
CONFIRM = "请核对：\n{summary}\n确认提交吗？回复“是”提交，要修改请回复“返回”。"
CONFIRM_RETRY = "请回复“是”提交，或“返回”修改。"
CONFIRM_HELP = "提交后会有工作人员安排服务，您可以随时回复“进度”查看。"
DONE_TEXT = "已收到您的申请，编号{number}。我们会尽快安排服务人员，派单后会通知您。回复“进度”可以查看。"
REFERRAL_DONE = "已记录，编号{number}。这件事由{department}负责，乡镇会在1个工作日内帮您转过去，并告诉您结果。"
NOT_SENT = "好的，这次没有提交。需要时回复“求助”重新申请。"

CATEGORY_OPTIONS = (
    Option(Category.LIVING.value, "生活帮助", ("生活", "生活类", "买药", "送饭", "打扫")),
    Option(Category.CARE.value, "照护", ("照护类", "养老院", "照料", "护理")),
    Option(Category.SUPPORT.value, "志愿和邻里帮扶", ("支持类", "志愿", "邻里", "看护")),
    Option(Category.RESOURCE.value, "慈善救助或转介", ("资源链接", "慈善", "转介", "其他部门")),
)
DEPARTMENTS = ("人社", "教育", "卫健", "残联", "妇联", "医保", "住建", "应急", "总工会")
ASAP_WORDS = ("尽快", "越快越好", "都行", "都可以", "随时", "马上", "哪天都行", "不急")


class WhenAnswer:
    """A day, or "as soon as possible" (None)."""

    kind = "date"
    critical = False

    def parse(self, answer: UserInput, today: dt.date):
        said = speech.strip_fillers(speech.normalize(answer.text))
        if any(word in said for word in ASAP_WORDS):
            return Ok(None, "尽快")
        return DateAnswer().parse(answer, today)


# -- who and what ---------------------------------------------------------------------


def _catalogue(call):
    return call.turn.memo("catalogue", lambda: recent_catalogue(call.turn.db))


def _thresholds(call):
    return call.turn.memo("thresholds", lambda: recent_thresholds(call.turn.db))


def _bindings(call) -> list[Binding]:
    return call.turn.memo("bindings", lambda: bindings_of(call.turn.db, call.turn.openid, with_members=True))


def _members(call) -> list[Member]:
    return [b.member for b in _bindings(call)]


def _member(call) -> Member:
    # kept for the turn: the session holds rows only weakly, and a second get would query again
    member_id = int(call.data["member"])
    return call.turn.memo(f"member:{member_id}", lambda: member_with_household(call.turn.db, member_id))


def _whom_options(call) -> tuple[Option, ...]:
    return tuple(Option(str(m.id), m.name) for m in _members(call))


def _eligibility(call, code: str):
    facts = call.turn.memo(f"facts:{call.data['member']}", lambda: member_facts(_member(call), call.today))
    return check(_catalogue(call)[code], facts, _thresholds(call))


def _items(call, category: str | None = None):
    return [i for i in _catalogue(call) if category is None or i.category.value == category]


def _item_options(call) -> tuple[Option, ...]:
    return tuple(Option(i.code, i.name) for i in _items(call, call.data.get("category")))


def _eligible_item_options(call) -> tuple[Option, ...]:
    return tuple(o for o in _item_options(call) if not isinstance(_eligibility(call, o.key), NotEligible))


def _prefill_usable(call) -> bool:
    code = call.data.get("prefill_item")
    if code and not isinstance(_eligibility(call, code), NotEligible):
        call.data["item"] = code
        return True
    return False


def _category_prompt(call) -> str:
    code = call.data.get("prefill_item")
    if code and not call.data.get("prefill_explained"):
        verdict = _eligibility(call, code)
        if isinstance(verdict, NotEligible):
            call.data["prefill_explained"] = True
            return NOT_ELIGIBLE_PREFILL.format(reason=verdict.reason) + "\n" + CATEGORY
    return CATEGORY


def _item_prompt(call) -> str:
    options = _eligible_item_options(call)
    return ITEM.format(options="\n".join(f"{n} {o.label}" for n, o in enumerate(options, 1)))


def _item_parser(call) -> Choice:
    # every item of the category is understood, so asking for an ineligible one gets the reason
    eligible = _eligible_item_options(call)
    others = tuple(o for o in _item_options(call) if o not in eligible)
    return Choice(eligible + others)


def _check_item(code: str, call) -> str | None:
    verdict = _eligibility(call, code)
    return verdict.reason if isinstance(verdict, NotEligible) else None


def _after_item(code: str, call) -> str:
    return "department" if code == "referral" else "describe"


# -- where and the summary ----------------------------------------------------------


def _home_address(call) -> str:
    return call.turn.services.cipher.decrypt(_member(call).household.address_enc)


def _address(call) -> str:
    new = call.data.get("new_address")
    if new:
        return new.get("address") or new.get("label") or "（已发送位置）"
    return _home_address(call)


def _summary(call) -> str:
    item = _catalogue(call)[call.data["item"]]
    lines = [f"服务：{item.name}", f"给谁：{_member(call).name}", f"需要：{call.data['describe']}"]
    if call.data["item"] == "referral":
        lines.insert(1, f"部门：{call.data['department']}")
    else:
        lines.append(f"时间：{day(dt.date.fromisoformat(call.data['when'])) if call.data['when'] else '尽快'}")
        lines.append(f"地址：{_address(call)}")
    return "\n".join(lines)


def _finish(call) -> str:
    if not call.data["confirm"]:
        return NOT_SENT
    turn, relation, member = call.turn, _relation(call), _member(call)  # the member comes with the bindings
    if call.data["item"] == "referral":
        deadline = as_utc(load_work_calendar(turn.db).add_workdays(local(turn.now), _thresholds(call).transfer_workdays))
        referral = create_referral(turn.db, turn.services.cipher, openid=turn.openid, member=member, department=call.data["department"], matter=call.data["describe"], deadline=deadline, now=turn.now)
        return REFERRAL_DONE.format(number=referral.number, department=call.data["department"])
    new = call.data.get("new_address") or {}
    request = create_request(
        turn.db, turn.services.cipher, member=member, openid=turn.openid, relation=relation, item_code=call.data["item"],
        description=call.data["describe"], preferred_date=dt.date.fromisoformat(call.data["when"]) if call.data["when"] else None,
        address=_address(call), latitude=new.get("lat", member.household.latitude), longitude=new.get("lng", member.household.longitude), now=turn.now,
    )
    turn.after_commit.append(lambda: turn.services.enqueue_dispatch(request.id))
    return DONE_TEXT.format(number=request.number)


def _relation(call) -> str:
    member_id = int(call.data["member"])
    return next((b.relation for b in _bindings(call) if b.member_id == member_id), "本人")


def requires_binding(call) -> str | None:
    if not has_consented(call.turn.db, call.turn.openid):
        return "consent"
    return None if _bindings(call) else "bind"


FLOW = Flow(
    name="request_service",
    version=1,
    title=TITLE,
    intro=INTRO,
    requires=requires_binding,
    finish=_finish,
    steps=(
        pick_one("member", "给谁申请", WHOM, _whom_options, WHOM_RETRY, WHOM_HELP),
        Step("category", "服务类别", _category_prompt, Choice(CATEGORY_OPTIONS), CATEGORY_RETRY, CATEGORY_HELP, skip=_prefill_usable),
        Step("item", "服务项目", _item_prompt, _item_parser, ITEM_RETRY, ITEM_HELP, check=_check_item, next=_after_item,
             skip=lambda call: "item" in call.data),
        Step("department", "部门", DEPARTMENT, Choice(tuple(Option(d, d) for d in DEPARTMENTS)), DEPARTMENT_RETRY, DEPARTMENT_HELP, next="describe"),
        Step("describe", "需要什么帮助", DESCRIBE, FreeText(2, 300), DESCRIBE_RETRY, DESCRIBE_HELP,
             next=lambda value, call: "confirm" if call.data["item"] == "referral" else "when"),
        Step("when", "上门时间", WHEN, WhenAnswer(), WHEN_RETRY, WHEN_HELP),
        Step("address_ok", "上门地址", lambda call: ADDRESS.format(address=_home_address(call)), YesNo(), ADDRESS_RETRY, ADDRESS_HELP,
             next=lambda ok, call: "confirm" if ok else "new_address"),
        Step("new_address", "新地址", NEW_ADDRESS, LocationAnswer(), NEW_ADDRESS_RETRY, NEW_ADDRESS_HELP),
        Step("confirm", "确认提交", lambda call: CONFIRM.format(summary=_summary(call)), YesNo(), CONFIRM_RETRY, CONFIRM_HELP, next=lambda yes, call: DONE),
    ),
)
