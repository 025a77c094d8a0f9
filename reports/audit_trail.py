"""Reading the audit trail (服务留痕) for the back office: filters, area scope, plain labels.

Read only: this module selects, it never changes an entry. Town staff see the entries of
records in their town (requests, referrals, leads, visits, households, exports); everything
else (catalogue, providers, budget, accounts) is the county's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models.applications import Application
from models.areas import Village
from models.audit import AuditEntry, Channel
from models.households.households import Household
from models.leads import Lead
from models.ledger_exports import LedgerExport
from models.requests.requests import Referral, ServiceRequest
from models.visits.visits import Visit

SUBJECT_LABELS = {
    "request": "服务请求",
    "application": "救助申请",
    "referral": "转介",
    "lead": "线索",
    "visit": "探访",
    "household": "家庭档案",
    "export": "台账导出",
    "item": "服务项目",
    "provider": "服务机构",
    "budget": "年度预算",
    "web_account": "后台账户",
    "staff": "工作人员",
    "review": "审核",
}

ACTION_LABELS = {
    "created": "创建/受理",
    "offered": "派单",
    "accepted": "接单",
    "declined": "拒单",
    "offer_expired": "超时未接单",
    "offer_withdrawn": "撤回派单",
    "escalated": "转乡镇处理",
    "escalated_town_b": "转乡镇B岗",
    "on_site": "已上门",
    "completed": "已完成",
    "cancelled": "已取消",
    "rated": "评价",
    "reopened": "重新安排",
    "reported": "报告",
    "merged": "合并报告",
    "checked_in": "签到",
    "urgent_scheduled": "安排紧急探访",
    "deadline_warn": "时限过半提醒",
    "deadline_town": "超时转乡镇",
    "deadline_county": "超时报县",
    "unmasked": "查看完整信息",
    "requested": "申请导出",
    "generated": "生成完毕",
    "failed": "生成失败",
    "downloaded": "下载",
    "updated": "修改",
    "funds_set": "录入资金",
    "login": "登录",
    "login_failed": "密码错误",
    "locked": "锁定",
    "login_refused_locked": "锁定期间尝试登录",
    "login_refused_inactive": "停用账户尝试登录",
    "password_set": "设置密码",
    "unlocked": "解锁",
    "bound": "绑定",
    "invited": "邀请",
    "removed": "移除",
}

CHANNEL_LABELS = {Channel.WECHAT.value: "微信", Channel.WEB.value: "后台", Channel.WORKER.value: "系统", Channel.CLI.value: "命令行"}

PAGE_SIZE = 100


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@dataclass(frozen=True)
class AuditFilter:
    subject: str | None = None
    subject_id: int | None = None
    action: str | None = None
    actor: str | None = None
    channel: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: dt.datetime
    subject: str
    subject_id: int
    action: str
    actor: str
    channel: str
    detail: dict


def _in_town(town_id: int):
    """Entries about records of one town."""
    villages = select(Village.id).where(Village.town_id == town_id)

    def about(subject: str, ids):
        return and_(AuditEntry.subject == subject, AuditEntry.subject_id.in_(ids))

    return or_(
        about("request", select(ServiceRequest.id).where(ServiceRequest.village_id.in_(villages))),
        about("referral", select(Referral.id).where(Referral.village_id.in_(villages))),
        about("application", select(Application.id).where(Application.village_id.in_(villages))),
        about("lead", select(Lead.id).where(Lead.village_id.in_(villages))),
        about("visit", select(Visit.id).where(Visit.village_id.in_(villages))),
        about("household", select(Household.id).where(Household.village_id.in_(villages))),
        about("export", select(LedgerExport.id).where(LedgerExport.town_id == town_id)),
    )


def search(db: Session, wanted: AuditFilter, town_id: int | None = None, before_id: int | None = None, limit: int = PAGE_SIZE) -> list[AuditLine]:
    """Newest first; ``before_id`` pages on (keyset)."""
    query = select(AuditEntry)
    if wanted.subject:
        query = query.where(AuditEntry.subject == wanted.subject)
    if wanted.subject_id is not None:
        query = query.where(AuditEntry.subject_id == wanted.subject_id)
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.actor:
        query = query.where(AuditEntry.actor.startswith(wanted.actor, autoescape=True))
    if wanted.channel:
        query = query.where(AuditEntry.channel == wanted.channel)
    if wanted.start is not None:
        query = query.where(AuditEntry.at >= wanted.start)
    if wanted.end is not None:
        query = query.where(AuditEntry.at < wanted.end)
    if town_id is not None:
        query = query.where(_in_town(town_id))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = db.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditLine(e.id, e.at, e.subject, e.subject_id, e.action, e.actor, e.channel, e.detail or {}) for e in rows]
