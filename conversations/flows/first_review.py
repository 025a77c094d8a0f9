"""初审: the village's first review of an application, by a two-person survey team.

The village secretary (or 协理员) picks an application waiting for 初审 (skipped when there is
only one), names the two surveyors (two different people), says what they found (typed or
by voice) and gives the village's advice; after a read-back the application goes to the
town's A post, who has 2 working days to review it (``models.applications.first_review``).
"""

from __future__ import annotations

from conversations.engine import DONE, Flow, Step
from conversations.parsers import Choice, FreeText, Option, YesNo
from models.applications import Application, Outcome, awaiting_first_review, first_review
from models.notices import when
from models.staff.staff import Role, staff_by_openid

TITLE = "初审"
INTRO = "好的，我们来登记初审结果。"
NOT_STAFF = "初审只有村里的书记和协理员可以办理。需要帮助请回复“人工”，回复“菜单”返回。"
NOTHING = "本村现在没有待初审的申请，有新申请会通知您。回复“菜单”返回。"
PICK = "要初审哪一份申请？\n{options}"
PICK_LINE = "{n} {number} {who}（{deadline}前）"
PICK_RETRY = "请回复序号，或申请编号。"
PICK_HELP = "这些是本村等待初审的申请，快到期的排在前面。"
SURVEYOR_1 = "初审 {number}（{who}）。\n调查组要两个人一起上门。第一位调查人叫什么名字？"
SURVEYOR_1_RETRY = "请说第一位调查人的姓名，比如“李志强”。"
SURVEYOR_HELP = "政策要求两人一起入户调查，一般是协理员和村干部，请分别说两个人的名字。"
SURVEYOR_2 = "第二位调查人叫什么名字？"
SURVEYOR_2_RETRY = "请说第二位调查人的姓名。"
SAME_PERSON = "两位调查人不能是同一个人"
FINDINGS = "请说说上门调查看到的情况（可以发语音）：家里几口人、收入、身体、住房、有什么困难。"
FINDINGS_RETRY = "请简单说一下调查的情况，至少几句话。"
FINDINGS_HELP = "比如：独居，78岁，腿脚不便，每月只有低保620元，房子漏雨。"
RECOMMEND = "村里的意见是？\n1 建议通过\n2 建议不通过"
RECOMMEND_RETRY = "请回复1或2。"
RECOMMEND_HELP = "最后由乡镇审核决定，村里的意见供乡镇参考。"
CONFIRM = "请核对：\n{summary}\n确认提交乡镇审核吗？回复“是”提交，要修改请回复“返回”。"
CONFIRM_RETRY = "请回复“是”提交，或“返回”修改。"
CONFIRM_HELP = "提交后乡镇A岗会在2个工作日内审核，结果会通知您和申请人。"
SUMMARY = "申请：{number}（{who}）\n调查人：{team}\n调查情况：{findings}\n村里意见：{advice}"
NOT_SENT = "好的，这次没有提交。需要时回复“初审”。"
ANSWERS = {
    Outcome.DONE: "已提交乡镇审核：{number}，村里意见：{advice}。乡镇会在 {deadline} 前审核，结果会通知您。",
    Outcome.ALREADY: "{number} 已经初审过了，不用再提交。",
    Outcome.CLOSED: "{number} 现在不是待初审的状态，不能再初审。",
    Outcome.NOT_ALLOWED: NOT_STAFF,
    Outcome.INVALID: "两位调查人要是不同的人，调查情况也要填写。请回复“初审”重新办理。",
}

RECOMMEND_OPTIONS = (
    Option("pass", "建议通过", ("通过", "符合", "同意", "可以")),
    Option("fail", "建议不通过", ("不通过", "不符合", "不同意", "不行")),
)
ADVICE = {"pass": "建议通过", "fail": "建议不通过"}
REVIEWERS = (Role.SECRETARY.value, Role.ASSISTANT.value)


def _staff(call):
    return call.turn.memo("staff", lambda: staff_by_openid(call.turn.db, call.turn.openid))


def _pending(call) -> list[Application]:
    return call.turn.memo("first_review_pending", lambda: awaiting_first_review(call.turn.db, _staff(call).village_id))


def _who(call, app: Application) -> str:
    return call.turn.services.cipher.decrypt(app.subject_enc)


def _chosen(call) -> Application:
    return call.turn.db.get(Application, int(call.data["application"]))


def _unavailable(call) -> str | None:
    staff = _staff(call)
    if staff is None or staff.role not in REVIEWERS or staff.village_id is None:
        return NOT_STAFF
    return None if _pending(call) else NOTHING


def _options(call) -> tuple[Option, ...]:
    return tuple(Option(str(app.id), app.number, (_who(call, app),)) for app in _pending(call))


def _pick_prompt(call) -> str:
    lines = (PICK_LINE.format(n=n, number=app.number, who=_who(call, app), deadline=when(app.deadline)) for n, app in enumerate(_pending(call), 1))
    return PICK.format(options="\n".join(lines))


def _only_one(call) -> bool:
    pending = _pending(call)
    if len(pending) == 1:
        call.data["application"] = str(pending[0].id)
        return True
    return False


def _surveyor_1_prompt(call) -> str:
    app = _chosen(call)
    return SURVEYOR_1.format(number=app.number, who=_who(call, app))


def _different_person(name: str, call) -> str | None:
    return SAME_PERSON if "".join(name.split()) == "".join(call.data["surveyor_1"].split()) else None


def _summary(call) -> str:
    app = _chosen(call)
    return SUMMARY.format(number=app.number, who=_who(call, app), team=f"{call.data['surveyor_1']}、{call.data['surveyor_2']}",
                          findings=call.data["findings"], advice=ADVICE[call.data["recommend"]])


def _finish(call) -> str:
    if not call.data["confirm"]:
        return NOT_SENT
    turn = call.turn
    result = first_review(turn.db, turn.services.cipher, _chosen(call), _staff(call), surveyors=(call.data["surveyor_1"], call.data["surveyor_2"]),
                          findings=call.data["findings"], recommend=call.data["recommend"] == "pass", now=turn.now)
    turn.notify_all(result.notices)
    app = result.application
    return ANSWERS[result.outcome].format(number=app.number, advice=ADVICE[call.data["recommend"]], deadline=when(app.deadline) if app.deadline else "")


FLOW = Flow(
    name="first_review",
    version=1,
    title=TITLE,
    intro=INTRO,
    unavailable=_unavailable,
    finish=_finish,
    steps=(
        Step("application", "选择申请", _pick_prompt, lambda call: Choice(_options(call)), PICK_RETRY, PICK_HELP, skip=_only_one),
        Step("surveyor_1", "第一位调查人", _surveyor_1_prompt, FreeText(2, 16), SURVEYOR_1_RETRY, SURVEYOR_HELP),
        Step("surveyor_2", "第二位调查人", SURVEYOR_2, FreeText(2, 16), SURVEYOR_2_RETRY, SURVEYOR_HELP, check=_different_person),
        Step("findings", "调查情况", FINDINGS, FreeText(4, 500), FINDINGS_RETRY, FINDINGS_HELP),
        Step("recommend", "村里意见", RECOMMEND, Choice(RECOMMEND_OPTIONS), RECOMMEND_RETRY, RECOMMEND_HELP),
        Step("confirm", "确认提交", lambda call: CONFIRM.format(summary=_summary(call)), YesNo(), CONFIRM_RETRY, CONFIRM_HELP, next=lambda yes, call: DONE),
    ),
)
