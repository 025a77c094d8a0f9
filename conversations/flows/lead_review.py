"""核实: the village secretary settles a neighbour's report.

True and in need → it becomes an application (救助申请) for 初审; true and already dealt
with, or not true → closed with a reason. Reporters who left their name hear the outcome;
anonymous ones are never contacted, and nobody tells the household who reported.
"""

from __future__ import annotations

from conversations.engine import DONE, Flow, Step
from conversations.parsers import Choice, FreeText, Option
from conversations.steps import pick_one
from models.applications import create_from_lead
from models.notices import Facts, NoticeKind
from models.leads import Lead, LeadStatus, close_lead, open_leads, reporters_to_tell
from models.staff.staff import Role, staff_by_openid

TITLE = "核实线索"
ONLY_VILLAGE = "这是村书记、协理员核实线索用的。"
NOTHING = "本村现在没有待核实的线索。"
WHICH = "核实哪一条？\n{options}"
WHICH_RETRY = "请回复序号或编号。"
WHICH_HELP = "回复“待办”可以看全部线索。"
VERDICT = "{number}：{subject}，{address}。\n核实结果是？\n1 属实，需要登记帮扶（转为救助申请）\n2 属实，已经处理好了\n3 不属实或找不到人"
VERDICT_RETRY = "请回复1、2或3。"
VERDICT_HELP = "选1会生成救助申请，进入初审。"
REASON = "请简单说明情况（可以发语音）。"
REASON_RETRY = "请说一下处理情况或原因。"
REASON_HELP = "比如：已联系女儿接回家照顾。"
CONVERTED = "已转为救助申请 {number}，请组织两人入户调查后回复“初审”。"
CLOSED = "已关闭线索 {number}。"
REPORTER_TOLD = {
    "convert": "您报告的情况（{number}）村里已经核实，正在办理帮扶。谢谢您！",
    "handled": "您报告的情况（{number}）村里已经核实并处理好了。谢谢您！",
    "unfounded": "您报告的情况（{number}）村里已经上门核实，{reason}。谢谢您的关心！",
}
VERDICTS = (
    Option("convert", "属实，需要登记帮扶", ("属实", "需要帮扶", "转为申请")),
    Option("handled", "属实，已经处理好了", ("处理好了", "已处理")),
    Option("unfounded", "不属实或找不到人", ("不属实", "找不到人", "没有这回事")),
)


def _staff(call):
    return call.turn.memo("staff", lambda: staff_by_openid(call.turn.db, call.turn.openid))


def _leads(call) -> list[Lead]:
    staff = _staff(call)
    return [lead for lead in open_leads(call.turn.db, staff.village_id) if lead.status == LeadStatus.OPEN.value] if staff else []


def _unavailable(call) -> str | None:
    staff = _staff(call)
    if staff is None or staff.role not in (Role.SECRETARY.value, Role.ASSISTANT.value):
        return ONLY_VILLAGE
    return None if _leads(call) else NOTHING


def _options(call) -> tuple[Option, ...]:
    cipher = call.turn.services.cipher
    return tuple(Option(str(lead.id), f"{lead.number} {cipher.decrypt(lead.subject_enc)}", (lead.number, lead.number[-4:])) for lead in _leads(call))


def _lead(call) -> Lead:
    return call.turn.db.get(Lead, int(call.data["lead"]))


def _verdict_prompt(call) -> str:
    lead, cipher = _lead(call), call.turn.services.cipher
    return VERDICT.format(number=lead.number, subject=cipher.decrypt(lead.subject_enc), address=cipher.decrypt(lead.address_enc))


def _finish(call) -> str:
    return settle(call.turn, _lead(call), _staff(call), call.data["verdict"], call.data.get("reason"))


def settle(turn, lead: Lead, staff, verdict: str, reason: str | None) -> str:
    """核实 itself, for this dialogue and the 待办 page: ``verdict`` is convert, handled or unfounded."""
    actor = f"staff:{staff.id}"
    if verdict == "convert":
        close_lead(turn.db, lead, LeadStatus.VERIFIED, None, actor, turn.now)
        application, notices = create_from_lead(turn.db, turn.services.cipher, lead.id, staff.id, turn.now)
        close_lead(turn.db, lead, LeadStatus.CONVERTED, None, actor, turn.now)
        turn.notify_all(notices)
        reply = CONVERTED.format(number=application.number)
    else:
        close_lead(turn.db, lead, LeadStatus.CLOSED, reason, actor, turn.now)
        reply = CLOSED.format(number=lead.number)
    if verdict != "convert":  # (a converted lead's reporters are told by the application)
        facts = Facts(number=lead.number, item="您报告的情况", at=turn.now, status="已核实", next_step="谢谢您的关心")
        for openid in reporters_to_tell(turn.db, turn.services.cipher, lead):
            turn.notify(openid, REPORTER_TOLD[verdict].format(number=lead.number, reason=reason or ""), kind=NoticeKind.PROGRESS.value, facts=facts)
    return reply


FLOW = Flow(
    name="lead_review",
    version=1,
    title=TITLE,
    finish=_finish,
    unavailable=_unavailable,
    steps=(
        pick_one("lead", "哪条线索", WHICH, _options, WHICH_RETRY, WHICH_HELP),
        Step("verdict", "核实结果", _verdict_prompt, Choice(VERDICTS), VERDICT_RETRY, VERDICT_HELP,
             next=lambda verdict, call: DONE if verdict == "convert" else "reason"),
        Step("reason", "说明", REASON, FreeText(2, 200), REASON_RETRY, REASON_HELP),
    ),
)
