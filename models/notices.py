"""Notices the workers and use cases send (texts in plain Chinese, names and addresses masked).

A notice is data: its ``kind`` (``NoticeKind``), the full ``text`` a customer-service message
shows inside WeChat's window, and its typed ``facts`` (number, item, village, masked person,
deadline, status, next step), from which ``models.notice_templates`` renders the template or
subscription message sent outside the window. A use case returns ``Notice`` values; its caller
records them with the messenger in the same transaction and enqueues their delivery after
commit, so a notice exists exactly when the change that caused it does.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Iterable

from models.calendar import day_start, local

CALENDAR_NOTE = "（注：{years}年的节假日安排尚未录入，期限暂按周一至周五计算。）"


class NoticeKind(str, Enum):
    """What a notice is about; each kind has one template (``models.notice_templates``)."""

    NEW_OFFER = "new_offer"  # provider: 【新派单】
    OFFER_WITHDRAWN = "offer_withdrawn"  # provider: cancelled, or given to someone else
    OFFER_EXPIRED = "offer_expired"  # provider: too late, passed on
    ASSIGNED = "assigned"  # secretary: a provider took a request of the village
    ESCALATED = "escalated"  # town: nobody took it (A post, then B post)
    PROGRESS = "progress"  # resident or reporter: where their request or report stands
    ON_SITE = "on_site"  # resident: the provider is at the door
    DONE = "done"  # resident: done, please rate
    REOPENED = "reopened"  # secretary: rated 不满意
    CANCELLED = "cancelled"  # provider: the resident cancelled
    LEAD = "lead"  # secretary: a lead to verify (a report, or found on a visit)
    APPLICATION = "application"  # village or town: an application to review
    DEADLINE = "deadline"  # half time / overdue of a lead, referral or application
    REVIEW_RESULT = "review_result"  # applicant and village: approved, rejected, transferred
    REFERRAL = "referral"  # the person referred: handed over to the department
    VISIT_DUE = "visit_due"  # volunteer: visits due soon
    VISIT_OVERDUE = "visit_overdue"  # volunteer or secretary: visits overdue
    VISIT_URGENT = "visit_urgent"  # volunteer and secretary: a visit within a working day
    VISIT_DECLINED = "visit_declined"  # secretary: a volunteer gave a visit back
    DIGEST = "digest"  # secretary: the daily digest
    EMERGENCY = "emergency"  # village: someone in danger
    HANDOVER = "handover"  # village: someone asked for a person (人工)
    BINDING = "binding"  # the person bound (staff role, or a resident's household)
    CALENDAR = "calendar"  # county: next year's holidays are missing
    REMINDER = "reminder"  # the user themself: a dialogue left half way
    NOTICE = "notice"  # anything else (rendered from its text alone)


@dataclass(frozen=True)
class Facts:
    """A notice's typed fields, short enough for WeChat's template fields (names masked)."""

    number: str = ""  # FW…, BG…, SQ…, ZJ…, T12
    item: str = ""  # the service item or the matter: 助洁助行, 线索核实
    village: str = ""
    person: str = ""  # masked: 王**
    deadline: dt.datetime | None = None
    at: dt.datetime | None = None  # when it happened
    status: str = ""  # at most 5 Chinese characters: 已接单, 已逾期
    next_step: str = ""  # what to do: 点开详情接单

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in ("", None)}
        for key in ("deadline", "at"):
            if key in data:
                data[key] = data[key].isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> "Facts | None":
        if not text:
            return None
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        for key in ("deadline", "at"):
            if data.get(key):
                data[key] = dt.datetime.fromisoformat(data[key])
        return cls(**data)


@dataclass(frozen=True)
class Notice:
    openid: str
    text: str
    kind: str = NoticeKind.NOTICE.value
    facts: Facts | None = None


def to_all(openids: Iterable[str | None], text: str, kind: str | NoticeKind = NoticeKind.NOTICE, facts: Facts | None = None) -> tuple[Notice, ...]:
    """One notice per distinct openid (people without a bound WeChat are skipped)."""
    seen = dict.fromkeys(o for o in openids if o)
    kind = kind.value if isinstance(kind, NoticeKind) else kind
    return tuple(Notice(o, text, kind, facts) for o in seen)


def when(moment: dt.datetime) -> str:
    """10月9日 14:30, in county time."""
    t = local(moment)
    return f"{t.month}月{t.day}日 {t:%H:%M}"


def day(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def day_start_of(d: dt.date) -> dt.datetime:
    """A due day as a deadline: its county midnight (templates show a date-only time as the day)."""
    return day_start(d)


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
