"""报告: anyone reports a person or family in need (主动发现); it becomes a lead.

The reporter may stay anonymous (and must, without consent to personal data); either
way the household is never told who reported. Reports about the same person and
place within a few days merge into one lead. The village's staff are told at once.
"""

from __future__ import annotations

from conversations.engine import DONE, Flow, Step
from conversations.parsers import Choice, FreeText, LocationAnswer, Option, YesNo
from models.areas import village_names
from models.calendar import as_utc, load_work_calendar, local
from models.households.households import mask_name
from models.notices import Facts, NoticeKind, when
from models.catalogue.catalogue import load_thresholds
from models.leads import report
from models.households.residents import has_consented
from models.staff.staff import responsible_openids

TITLE = "报告"
INTRO = "谢谢您关心身边的人。我问几个简单的问题。"
ANONYMOUS = "您要留下自己的身份吗？\n1 匿名报告（不会告诉任何人是谁报告的）\n2 留名（工作人员可能联系您核实）"
ANONYMOUS_RETRY = "请回复1或2。"
ANONYMOUS_HELP = "匿名也可以，我们同样会派人去看。"
WHO = "是谁需要帮助？说名字，或者描述一下，比如“村东头独居的王奶奶”。"
WHO_RETRY = "请说一下是谁，或者描述一下这个人。"
WHO_HELP = "不知道名字也没关系，说说他（她）的样子、住哪一家就行。"
VILLAGE = "他（她）住在哪个镇、哪个村？直接说村名就行，不知道请回复“不知道”。"
VILLAGE_RETRY = "没有找到这个村，请说“某某镇某某村”，不知道请回复“不知道”。"
VILLAGE_HELP = "比如“衡山镇城北村”，或者只说“城北村”。"
ADDRESS = "具体住在哪里？请说地址，或点“＋”发送位置。"
ADDRESS_RETRY = "请说具体一点，比如“3组桥头第二家”，或者发送位置。"
ADDRESS_HELP = "说附近的标志也可以，比如“小卖部后面”。"
SITUATION = "是什么情况？\n1 独居老人多日未见\n2 生病无人照顾\n3 房屋危险\n4 儿童无人照看\n5 吃不上饭、生活困难\n6 其他"
SITUATION_RETRY = "请回复1到6。"
SITUATION_HELP = "选最接近的一项，下一步可以补充。"
DETAILS = "还有什么要补充的吗？可以发语音。没有就回复“没有”。"
DETAILS_RETRY = "请说一下补充的情况，没有就回复“没有”。"
DETAILS_HELP = "比如：已经三天没见他开门了。"
URGENCY = "急不急？\n1 很急，今天就需要有人去看\n2 不太急"
URGENCY_RETRY = "请回复1或2。"
URGENCY_HELP = "如果有生命危险，请直接拨打120或110。"
CONFIRM = "请核对：\n{summary}\n确认报告吗？回复“是”提交，要修改请回复“返回”。"
CONFIRM_RETRY = "请回复“是”提交，或“返回”修改。"
CONFIRM_HELP = "提交后会转给村里的工作人员上门核实。"
DONE_TEXT = "谢谢您！已转给{place}的工作人员核实，编号{number}。{merged}"
MERGED = "这件事之前也有人报告过，我们已合并处理、加快核实。"
NOT_SENT = "好的，这次没有提交。需要时回复“报告”。"
NOTICE = "【新线索{urgent}】{number}：{place}，{subject}（{address}），情况：{situations}。请在{deadline}前核实。回复“待办”查看。"

SITUATIONS = (
    Option("alone_unseen", "独居老人多日未见", ("独居", "多日未见", "好几天没见")),
    Option("ill_no_care", "生病无人照顾", ("生病", "没人照顾")),
    Option("unsafe_house", "房屋危险", ("危房", "房子要倒")),
    Option("child_alone", "儿童无人照看", ("孩子没人管", "小孩")),
    Option("no_food", "吃不上饭、生活困难", ("吃不上饭", "生活困难", "没饭吃")),
    Option("other", "其他"),
)
URGENCY_OPTIONS = (Option("urgent", "很急", ("急", "今天", "马上")), Option("normal", "不太急", ("不急", "不着急")))
UNKNOWN = Option("", "不知道", ("不清楚", "不晓得", "不确定"))


def _village_options(call) -> tuple[Option, ...]:
    rows = village_names(call.turn.db)
    return tuple(Option(str(vid), f"{town}{name}", (name, name.removesuffix("村").removesuffix("社区"))) for vid, name, town in rows) + (UNKNOWN,)


def _no_consent(call) -> bool:
    if has_consented(call.turn.db, call.turn.openid):
        return False
    call.data["anonymous"] = "anonymous"
    return True


def _place(call) -> str:
    option = next((o for o in _village_options(call) if o.key == call.data["village"]), None)
    return option.label if option and option.key else "乡镇"


def _address(call) -> str:
    where = call.data["address"]
    return where.get("address") or where.get("label") or "已发送位置"


def _situation_label(key: str) -> str:
    return next(o.label for o in SITUATIONS if o.key == key)


def _summary(call) -> str:
    details = call.data.get("details") or "无"
    return "\n".join((
        f"谁：{call.data['who']}", f"在：{_place(call)}，{_address(call)}", f"情况：{_situation_label(call.data['situation'])}",
        f"补充：{details}", f"紧急：{'很急' if call.data['urgency'] == 'urgent' else '不太急'}",
        f"您的身份：{'匿名' if call.data['anonymous'] == 'anonymous' else '留名'}",
    ))


def _deadline(call):
    calendar, thresholds = load_work_calendar(call.turn.db), load_thresholds(call.turn.db)
    now = local(call.turn.now)
    if call.data["urgency"] == "urgent":
        return as_utc(calendar.add_working_hours(now, thresholds.offer_timeout_working_hours))
    return as_utc(calendar.add_workdays(now, thresholds.review_workdays))


def _finish(call) -> str:
    if not call.data["confirm"]:
        return NOT_SENT
    turn = call.turn
    village_id = int(call.data["village"]) if call.data["village"] else None
    where = call.data["address"]
    details = call.data.get("details")
    lead, merged = report(
        turn.db, turn.services.cipher, openid=turn.openid, anonymous=call.data["anonymous"] == "anonymous", village_id=village_id,
        subject=call.data["who"], address=_address(call), latitude=where.get("lat"), longitude=where.get("lng"),
        situations=[call.data["situation"]], details=None if details in (None, "没有", "无") else details,
        urgent=call.data["urgency"] == "urgent", deadline=_deadline(call), now=turn.now,
    )
    notice = NOTICE.format(
        urgent="·紧急" if lead.urgent else "", number=lead.number, place=_place(call), subject=call.data["who"], address=_address(call),
        situations="、".join(_situation_label(s) for s in lead.situations), deadline=when(lead.deadline),
    )
    facts = Facts(number=lead.number, item="线索核实", village=_place(call), person=mask_name(call.data["who"]), deadline=lead.deadline, at=turn.now,
                  status="待核实", next_step="紧急，请尽快核实" if lead.urgent else "请在期限前核实")
    for openid in responsible_openids(turn.db, village_id):
        turn.notify(openid, notice, kind=NoticeKind.LEAD.value, facts=facts)
    return DONE_TEXT.format(place=_place(call), number=lead.number, merged=MERGED if merged else "")


FLOW = Flow(
    name="report_neighbour",
    version=1,
    title=TITLE,
    intro=INTRO,
    finish=_finish,
    steps=(
        Step("anonymous", "是否匿名", ANONYMOUS, Choice((Option("anonymous", "匿名", ("匿名报告", "不留名")), Option("named", "留名", ("留下身份", "实名")))), ANONYMOUS_RETRY, ANONYMOUS_HELP, skip=_no_consent),
        Step("who", "是谁", WHO, FreeText(2, 100), WHO_RETRY, WHO_HELP),
        Step("village", "哪个村", VILLAGE, lambda call: Choice(_village_options(call)), VILLAGE_RETRY, VILLAGE_HELP),
        Step("address", "具体地址", ADDRESS, LocationAnswer(), ADDRESS_RETRY, ADDRESS_HELP),
        Step("situation", "什么情况", SITUATION, Choice(SITUATIONS), SITUATION_RETRY, SITUATION_HELP),
        Step("details", "补充情况", DETAILS, FreeText(1, 300), DETAILS_RETRY, DETAILS_HELP),
        Step("urgency", "急不急", URGENCY, Choice(URGENCY_OPTIONS), URGENCY_RETRY, URGENCY_HELP),
        Step("confirm", "确认报告", lambda call: CONFIRM.format(summary=_summary(call)), YesNo(), CONFIRM_RETRY, CONFIRM_HELP, next=lambda yes, call: DONE),
    ),
)
