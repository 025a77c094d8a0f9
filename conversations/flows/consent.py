"""同意: before any personal data is asked for, say what is collected and why (PIPL)."""

from __future__ import annotations

from conversations.engine import Flow, Step
from conversations.parsers import YesNo
from models.households.residents import set_consent

TITLE = "个人信息授权"
PROMPT = (
    "为了给您安排上门服务，我们需要记录：您的姓名、身份证号或手机号、住址，"
    "以及与服务有关的健康和残疾情况。这些信息只用于社会救助服务，加密保存，"
    "只有负责您村的工作人员能看到，不会给其他人。\n"
    "您同意吗？请回复“同意”或“不同意”。"
)
RETRY = "请回复“同意”或“不同意”。"
HELP = "同意后才能登记和申请服务。不同意也没关系，您仍然可以匿名报告身边需要帮助的人（回复“报告”）。"
AGREED = "谢谢您的信任。"
REFUSED = "好的，我们不会记录您的个人信息。您仍然可以匿名报告身边需要帮助的人：回复“报告”。需要时随时回复“菜单”。"


def _finish(call) -> str:
    agreed = bool(call.data["agree"])
    set_consent(call.turn.db, call.turn.openid, agreed, call.turn.now)
    if not agreed:
        call.data.pop("__then__", None)  # do not go on to binding or a request
        return REFUSED
    return AGREED


FLOW = Flow(
    name="consent",
    version=1,
    title=TITLE,
    finish=_finish,
    steps=(Step("agree", "是否同意", PROMPT, YesNo(), RETRY, HELP),),
)
