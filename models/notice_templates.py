"""The template (模板消息) and subscription (订阅通知) messages a notice becomes outside WeChat's
48-hour window, rendered from its typed facts. Pure: no Flask, Redis or SQL.

Each notice kind has one template, chosen from WeChat's template library (类目模板, category
政务民生 / 民政); the account adds it in the console and the deployment gives its id
(``WECHAT_TEMPLATES``, see the README). A template's keywords are typed as WeChat types them:
``character_string`` (letters, digits and symbols, at most 32: our numbers), ``thing`` (at most
20 characters shown), ``time`` (a date and 24-hour time), ``phrase`` (at most 5 Chinese
characters, WeChat refuses more). Every value is fitted to 20 display characters counted
WeChat's way (``policy.display``), on one line; the number and the deadline get fields
of their own and are never cut; the full text is on the page the message's ``url`` opens.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

from models.calendar import local
from models.notices import Facts, NoticeKind
from policy.display import FIELD_LIMIT, fit_plain, fit_template, one_line

PHRASE = re.compile(r"^[\u4e00-\u9fff]{1,5}$")
CHARACTER_STRING = re.compile(r"^[\x21-\x7e]{1,32}$")


def moment(value: dt.datetime | None) -> str:
    """A ``time`` keyword's value in county time: 2026年12月7日 14:30."""
    if value is None:
        return ""
    t = local(value)
    if (t.hour, t.minute) == (0, 0):  # a due day (``notices.day_start_of``)
        return f"{t.year}年{t.month}月{t.day}日"
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


@dataclass(frozen=True)
class Keyword:
    key: str  # the template's keyword as WeChat names it: character_string1, thing2 ...
    label: str  # as the phone shows it: 工单编号
    value: Callable[[Facts], str]

    @property
    def type(self) -> str:
        return self.key.rstrip("0123456789")


@dataclass(frozen=True)
class LibraryTemplate:
    """A template of WeChat's library, as this product fills it."""

    title: str  # the title in the library, which names it in the configuration
    keywords: tuple[Keyword, ...]
    used_for: str  # who gets it, for the README

    def keyword(self, label: str) -> Keyword:
        return next(k for k in self.keywords if k.label == label)


def _place(f: Facts) -> str:
    return " ".join(p for p in (f.village, f.person) if p)


def _matter(f: Facts) -> str:
    return " ".join(p for p in (f.item, f.village) if p)


def _who(f: Facts) -> str:
    return f.person or f.village


K = Keyword
TEMPLATES: dict[str, LibraryTemplate] = {
    t.title: t
    for t in (
        LibraryTemplate("派单提醒", (
            K("character_string1", "工单编号", lambda f: f.number),
            K("thing2", "服务项目", lambda f: f.item),
            K("thing3", "服务地点", _place),
            K("time4", "接单截止", lambda f: moment(f.deadline)),
            K("thing5", "办理方式", lambda f: f.next_step),
        ), "服务机构：新派单"),
        LibraryTemplate("工单状态通知", (
            K("character_string1", "工单编号", lambda f: f.number),
            K("thing2", "服务项目", _matter),
            K("phrase3", "工单状态", lambda f: f.status),
            K("time4", "更新时间", lambda f: moment(f.at)),
            K("thing5", "温馨提示", lambda f: f.next_step),
        ), "服务机构：撤单、超时转派、取消；村书记：已接单、不满意"),
        LibraryTemplate("待办事项提醒", (
            K("character_string1", "事项编号", lambda f: f.number),
            K("thing2", "事项名称", _matter),
            K("time3", "办理期限", lambda f: moment(f.deadline)),
            K("phrase4", "事项状态", lambda f: f.status),
            K("thing5", "办理方式", lambda f: f.next_step),
        ), "村书记、协理员、乡镇A/B岗、县民政局：线索、申请、转乡镇、期限、人工、节假日"),
        LibraryTemplate("服务进度通知", (
            K("character_string1", "服务单号", lambda f: f.number),
            K("thing2", "服务项目", lambda f: f.item),
            K("phrase3", "当前进度", lambda f: f.status),
            K("time4", "更新时间", lambda f: moment(f.at)),
            K("thing5", "温馨提示", lambda f: f.next_step),
        ), "居民、报告人：接单、上门、完成、转乡镇、登记、转介"),
        LibraryTemplate("审核结果通知", (
            K("character_string1", "申请编号", lambda f: f.number),
            K("phrase2", "审核结果", lambda f: f.status),
            K("thing3", "结果说明", lambda f: f.next_step),
            K("time4", "审核时间", lambda f: moment(f.at)),
        ), "申请人、村里、A岗：审核结果"),
        LibraryTemplate("探访任务提醒", (
            K("character_string1", "任务编号", lambda f: f.number),
            K("thing2", "探访对象", _place),
            K("time3", "探访期限", lambda f: moment(f.deadline)),
            K("phrase4", "任务状态", lambda f: f.status),
            K("thing5", "办理方式", lambda f: f.next_step),
        ), "志愿者、村书记：即将到期、逾期、紧急、退回"),
        LibraryTemplate("每日工作提醒", (
            K("character_string1", "汇总编号", lambda f: f.number),
            K("thing2", "村（社区）", lambda f: f.village),
            K("thing3", "待办概况", lambda f: f.item),
            K("time4", "汇总时间", lambda f: moment(f.at)),
            K("thing5", "办理方式", lambda f: f.next_step),
        ), "村书记：每日汇总"),
        LibraryTemplate("紧急求助提醒", (
            K("thing1", "求助对象", _who),
            K("thing2", "求助类型", lambda f: f.item),
            K("time3", "求助时间", lambda f: moment(f.at)),
            K("thing4", "处理要求", lambda f: f.next_step),
        ), "村书记、协理员（或乡镇、县）：紧急情况"),
        LibraryTemplate("绑定成功通知", (
            K("thing1", "绑定身份", lambda f: f.item),
            K("thing2", "所属区域", lambda f: f.village),
            K("time3", "绑定时间", lambda f: moment(f.at)),
        ), "刚绑定的工作人员或居民"),
        LibraryTemplate("服务提醒", (
            K("thing1", "提醒内容", lambda f: f.item),
            K("time2", "提醒时间", lambda f: moment(f.at)),
        ), "本人：填写到一半的提醒；其他通知"),
    )
}

KIND_TEMPLATE: dict[NoticeKind, str] = {
    NoticeKind.NEW_OFFER: "派单提醒",
    NoticeKind.OFFER_WITHDRAWN: "工单状态通知",
    NoticeKind.OFFER_EXPIRED: "工单状态通知",
    NoticeKind.CANCELLED: "工单状态通知",
    NoticeKind.ASSIGNED: "工单状态通知",
    NoticeKind.REOPENED: "工单状态通知",
    NoticeKind.ESCALATED: "待办事项提醒",
    NoticeKind.LEAD: "待办事项提醒",
    NoticeKind.APPLICATION: "待办事项提醒",
    NoticeKind.DEADLINE: "待办事项提醒",
    NoticeKind.HANDOVER: "待办事项提醒",
    NoticeKind.CALENDAR: "待办事项提醒",
    NoticeKind.PROGRESS: "服务进度通知",
    NoticeKind.ON_SITE: "服务进度通知",
    NoticeKind.DONE: "服务进度通知",
    NoticeKind.REFERRAL: "服务进度通知",
    NoticeKind.REVIEW_RESULT: "审核结果通知",
    NoticeKind.VISIT_DUE: "探访任务提醒",
    NoticeKind.VISIT_OVERDUE: "探访任务提醒",
    NoticeKind.VISIT_URGENT: "探访任务提醒",
    NoticeKind.VISIT_DECLINED: "探访任务提醒",
    NoticeKind.DIGEST: "每日工作提醒",
    NoticeKind.EMERGENCY: "紧急求助提醒",
    NoticeKind.BINDING: "绑定成功通知",
    NoticeKind.REMINDER: "服务提醒",
    NoticeKind.NOTICE: "服务提醒",
}


def kind_of(value: str) -> NoticeKind:
    """The kind of a stored notice; older rows' coarse kinds read as plain notices."""
    try:
        return NoticeKind(value)
    except ValueError:
        return NoticeKind.NOTICE


def template_for(kind: str | NoticeKind) -> LibraryTemplate:
    return TEMPLATES[KIND_TEMPLATE[kind_of(kind) if isinstance(kind, str) else kind]]


def facts_or_text(facts: Facts | None, text: str, at: dt.datetime) -> Facts:
    """A notice without facts (an older row, a plain notice) shows the start of its text."""
    if facts is not None:
        return facts if facts.at else Facts(**{**facts.__dict__, "at": at})
    return Facts(item=one_line(text), at=at, next_step="点开查看全文")


@dataclass(frozen=True)
class Rendered:
    """A message for WeChat's API: the template's title, its keywords' values, the page."""

    title: str
    values: dict[str, str]
    url: str

    def data(self) -> dict[str, dict[str, str]]:
        """The ``data`` object of the API call."""
        return {key: {"value": value} for key, value in self.values.items()}


def render_template(kind: str | NoticeKind, facts: Facts, url: str) -> Rendered:
    """The template message: every value on one line within 20 characters counted WeChat's way."""
    template = template_for(kind)
    return Rendered(template.title, {k.key: _fit(k, _value(k, facts), fit_template) for k in template.keywords}, url)


def render_subscription(kind: str | NoticeKind, facts: Facts, url: str) -> Rendered:
    """The subscription message: the same keywords, every character counted (WeChat refuses
    a longer ``thing`` there instead of cutting it)."""
    template = template_for(kind)
    return Rendered(template.title, {k.key: _fit(k, _value(k, facts), fit_plain) for k in template.keywords}, url)


def _value(keyword: Keyword, facts: Facts) -> str:
    """The keyword's value; a time keyword without its moment (no deadline) shows when it happened."""
    value = keyword.value(facts)
    return value or (moment(facts.at) if keyword.type == "time" else "")


def _fit(keyword: Keyword, value: str, fit: Callable[[str, int], str]) -> str:
    value = one_line(value or "")
    if keyword.type == "character_string":
        return value if CHARACTER_STRING.match(value) else "-"
    if keyword.type == "phrase":
        return value if PHRASE.match(value) else "通知"
    if keyword.type == "time":
        return value
    return fit(value, FIELD_LIMIT) or "-"
