"""Notices the workers and use cases send (texts in plain Chinese, names and addresses masked).

A use case returns ``Notice`` values; its caller records them with the messenger in the same
transaction (``Messenger.queue_text``) and enqueues their delivery after commit, so a notice
exists exactly when the change that caused it does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from models.calendar import local

CALENDAR_NOTE = "（注：{years}年的节假日安排尚未录入，期限暂按周一至周五计算。）"


@dataclass(frozen=True)
class Notice:
    openid: str
    text: str
    kind: str = "notice"


def to_all(openids: Iterable[str | None], text: str, kind: str = "notice") -> tuple[Notice, ...]:
    """One notice per distinct openid (people without a bound WeChat are skipped)."""
    seen = dict.fromkeys(o for o in openids if o)
    return tuple(Notice(o, text, kind) for o in seen)


def when(moment: dt.datetime) -> str:
    """10月9日 14:30, in county time."""
    t = local(moment)
    return f"{t.month}月{t.day}日 {t:%H:%M}"


def day(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


# -- dispatch ---------------------------------------------------------------------------------

OFFER = (
    "【新派单】服务单 {number}\n项目：{item}\n地点：{place}\n服务对象：{who}\n"
    "请在 {deadline} 前回复「接单 {number}」或「拒单 {number}」，逾时将转派其他服务机构。"
)
OFFER_EXPIRED = "服务单 {number}（{item}）超过接单时限，已转派其他服务机构。"
OFFER_WITHDRAWN = "服务单 {number}（{item}）已取消，无需上门。"
ACCEPTED_RESIDENT = "服务人员已接单：{provider}，会尽快联系您（服务单 {number}，{item}）。"
ACCEPTED_SECRETARY = "【派单通知】{village} {who} 的{item}服务（{number}）已由 {provider} 接单。"
ESCALATED_RESIDENT = "您的服务单 {number}（{item}）暂时没有服务机构接单，已转乡镇工作人员安排，会尽快联系您。"
ESCALATED_TOWN = "【待乡镇安排】服务单 {number}：{village} {who}，{item}。{reason}，请尽快安排。"
ESCALATED_TOWN_B = "【B岗提醒】服务单 {number}：{village} {who}，{item}。转乡镇A岗后 {hours} 个工作小时仍未安排，请协助处理。"
REASON_EXHAUSTED = "已派单 {count} 次无人接单"
REASON_NO_PROVIDER = "暂无可接单的服务机构"

# -- deadlines (referrals, leads) ---------------------------------------------------------------

DEADLINE_WARN = "【办理提醒】{what} {number}（{village}）应在 {deadline} 前{action}，已过一半时限。"
DEADLINE_TOWN = "【逾期督办】{what} {number}（{village}）已超过{action}期限（{deadline}），请乡镇督办。"
DEADLINE_COUNTY = "【逾期督办】{what} {number}（{village}）超过{action}期限（{deadline}）仍未办理，请县民政局督办。"

# -- visits -----------------------------------------------------------------------------------

VISIT_DUE_SOON = "【探访提醒】以下探访即将到期，请按时上门：\n{lines}"
VISIT_OVERDUE = "【探访逾期】以下探访已过期，请尽快上门并在“探访打卡”中记录：\n{lines}"
VISIT_ESCALATED = "【探访逾期】{village}以下探访已逾期{workdays}个工作日以上，请督促安排：\n{lines}"
VISIT_URGENT = "【紧急探访】{who}（{village}）遇到紧急情况，请在 {deadline} 前上门探访。"
VISIT_LINE = "· {who}，{due}到期{staff}"
DIGEST = (
    "【每日汇总】{village} {today}\n探访：{soon} 户将在{days}天内到期，{late} 户已逾期，{unassigned} 户未分配志愿者。\n"
    "待核实线索 {leads} 条，待转介事项 {referrals} 件。"
)
CALENDAR_MISSING = (
    "【节假日未录入】{years}年的法定节假日和调休安排尚未录入系统，期限暂按周一至周五计算。"
    "请在国务院公布后，在监管后台“工作日历”页按通知录入。"
)
