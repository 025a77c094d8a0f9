"""评估: a 协理员 or volunteer runs annex 2's 10-indicator assessment with a household.

The household-level facts are asked here; members' health, disability, schooling and
work come from the roster (the flow asks whether they are still right, and hands over
to the village staff when they are not). The result — every indicator with its reason,
the level and the services it suggests — is stored and read back.
"""

from __future__ import annotations

from decimal import Decimal

from conversations.engine import Flow, Step
from conversations.parsers import Amount, Choice, Number, Option, YesNo
from models.catalogue.catalogue import load_catalogue, load_thresholds
from models.households.households import Household, record_assessment, village_households
from policy.groups import FamilyStructure, YouthProblem
from models.staff.staff import Role, responsible_openids, staff_by_openid

TITLE = "困境评估"
ONLY_STAFF = "这是协理员和志愿者做入户评估用的。"
NO_HOUSEHOLDS = "本村还没有登记的家庭。"
WHICH = "评估哪一户？请说户主姓名。\n{options}"
WHICH_RETRY = "请说户主姓名或序号。"
WHICH_HELP = "只列出本村登记的家庭。"
INCOME = "全家每月总收入大约多少元？"
INCOME_RETRY = "请说一个金额，比如“1500元”。"
INCOME_HELP = "包括工资、养老金、低保金等所有收入。"
RIGID = "全家每月看病、上学等刚性支出大约多少元？"
RIGID_RETRY = "请说一个金额，没有就说“0”。"
RIGID_HELP = "刚性支出：医疗、教育等必须花的钱。"
DWELLINGS = "家里有几处住房？"
DWELLINGS_RETRY = "请说一个数字，没有住房就说“0”。"
DWELLINGS_HELP = "自建房和商品房都算。"
AREA = "住房总面积大约多少平方米？"
AREA_RETRY = "请说一个数字，比如“60”。"
AREA_HELP = "所有住房加起来的面积。"
STRUCTURE = "家庭结构是？\n" + "\n".join(f"{n} {s.label}" for n, s in enumerate(FamilyStructure, 1))
STRUCTURE_RETRY = "请回复序号。"
STRUCTURE_HELP = "留守、单亲、失独、隔代属于困境结构。"
SECURITY = "家里有没有任何社会保障（养老保险、医保、低保、优抚等）？"
SECURITY_RETRY = "请回复“有”或“没有”。"
SECURITY_HELP = "有任何一种就算有。"
ACTIVITIES = "家里人平均每月参加几次社会活动（村里活动、走亲访友、集体活动）？"
ACTIVITIES_RETRY = "请说一个数字，比如“2”。"
ACTIVITIES_HELP = "长期不参加就说“0”。"
YOUTH = "家里的儿童、青少年有没有这些问题？\n0 没有\n" + "\n".join(f"{n} {p.label}" for n, p in enumerate(YouthProblem, 1))
YOUTH_RETRY = "请回复序号，没有就回复0。"
YOUTH_HELP = "家里没有孩子也回复0。"
MEMBERS = "家庭成员的健康、残疾、上学、工作情况和登记的一样吗？"
MEMBERS_RETRY = "请回复“一样”或“不一样”。"
MEMBERS_HELP = "不一样的话，评估仍按登记的算，并会通知村里更新。"
RESULT = "{head}家评估完成：困境程度【{level}】（{count}项困境）。\n{lines}\n建议服务：{services}\n服务目标：{goal}"
LINE = "· {label}：{verdict}（{reason}）"
MEMBERS_CHANGED = "【需更新成员信息】{head}家（{roster}）入户评估时发现成员情况有变化，请更新登记。"


def _staff(call):
    return call.turn.memo("staff", lambda: staff_by_openid(call.turn.db, call.turn.openid))


def _unavailable(call) -> str | None:
    staff = _staff(call)
    if staff is None or staff.role not in (Role.ASSISTANT.value, Role.VOLUNTEER.value, Role.SECRETARY.value):
        return ONLY_STAFF
    return None if village_households(call.turn.db, staff.village_id) else NO_HOUSEHOLDS


def _options(call) -> tuple[Option, ...]:
    rows = village_households(call.turn.db, _staff(call).village_id)
    return tuple(Option(str(h.id), h.head_name, (h.roster_no,)) for h in rows)


def _household(call) -> Household:
    return call.turn.db.get(Household, int(call.data["household"]))


def _finish(call) -> str:
    turn, household = call.turn, _household(call)
    household.monthly_income = Decimal(str(call.data["income"]))
    household.monthly_rigid_expenditure = Decimal(str(call.data["rigid"]))
    household.dwellings = call.data["dwellings"]
    household.floor_area = Decimal(call.data["area"])
    household.family_structures = [call.data["structure"]]
    household.has_social_security = call.data["security"]
    household.social_activities_per_month = Decimal(call.data["activities"])
    household.youth_problems = [] if call.data["youth"] == "none" else [call.data["youth"]]
    catalogue = load_catalogue(turn.db)
    outcome = record_assessment(turn.db, household, f"staff:{_staff(call).id}", turn.now, call.today, load_thresholds(turn.db), catalogue)
    if call.data["members_same"] == "changed":
        for openid in _village_staff_to_tell(call):
            turn.notify(openid, MEMBERS_CHANGED.format(head=household.head_name, roster=household.roster_no), kind="assessment")
    lines = "\n".join(LINE.format(label=r.indicator.label, verdict="困境" if r.distressed else "正常", reason=r.reason) for r in outcome.results)
    services = "、".join(catalogue[c].name for c in outcome.suggested_services if c in catalogue) or "无"
    return RESULT.format(head=household.head_name, level=outcome.level.label, count=outcome.distressed_count, lines=lines, services=services, goal=outcome.goal)


def _village_staff_to_tell(call) -> list[str]:
    return [o for o in responsible_openids(call.turn.db, _staff(call).village_id) if o != call.turn.openid]


FLOW = Flow(
    name="assessment",
    version=1,
    title=TITLE,
    finish=_finish,
    unavailable=_unavailable,
    steps=(
        Step("household", "哪一户", lambda call: WHICH.format(options="\n".join(f"{n} {o.label}" for n, o in enumerate(_options(call), 1))),
             lambda call: Choice(_options(call)), WHICH_RETRY, WHICH_HELP),
        Step("income", "月收入", INCOME, Amount(0, 1_000_000), INCOME_RETRY, INCOME_HELP),
        Step("rigid", "刚性支出", RIGID, Amount(0, 1_000_000), RIGID_RETRY, RIGID_HELP),
        Step("dwellings", "住房数量", DWELLINGS, Number(0, 20), DWELLINGS_RETRY, DWELLINGS_HELP),
        Step("area", "住房面积", AREA, Number(0, 5000), AREA_RETRY, AREA_HELP),
        Step("structure", "家庭结构", STRUCTURE, Choice(tuple(Option(s.value, s.label, (s.label.removesuffix("家庭"),)) for s in FamilyStructure)), STRUCTURE_RETRY, STRUCTURE_HELP),
        Step("security", "社会保障", SECURITY, YesNo(), SECURITY_RETRY, SECURITY_HELP),
        Step("activities", "社会活动", ACTIVITIES, Number(0, 100), ACTIVITIES_RETRY, ACTIVITIES_HELP),
        Step("youth", "儿童青少年", YOUTH, Choice((Option("none", "没有", ("0", "零", "无", "没有孩子")),) + tuple(Option(p.value, p.label) for p in YouthProblem)), YOUTH_RETRY, YOUTH_HELP),
        Step("members_same", "成员情况", MEMBERS, Choice((Option("same", "一样", ("是", "对", "没变", "一样的", "没有变化")), Option("changed", "不一样", ("变了", "不是", "有变化", "不对")))),
             MEMBERS_RETRY, MEMBERS_HELP),
    ),
)
