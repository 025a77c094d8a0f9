"""The service ledger (服务台账): every request of a town (or the county) created in a period,
with its trace from the audit trail (服务留痕) in one cell: who did what, when.

Read in chunks of ``CHUNK`` requests by id (keyset), each chunk's trail in one statement, and
written row by row, so 100,000 requests take constant memory. Names are there because the office
needs them (the export's reason is audited); ID numbers, phones and addresses are not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.areas import Town, Village
from models.audit import AuditEntry
from reports.audit_trail import action_label
from models.calendar import local
from models.catalogue.catalogue import ServiceItem
from reports.household_file import RATING_LABELS
from models.households.households import Member
from models.catalogue.providers import Provider
from models.requests.requests import RequestStatus, ServiceRequest
from models.staff.staff import Staff
from reports.supervision import Period
from reports.xlsx import Progress, Sheet, no_progress, when

CHUNK = 5000

COLUMNS = (
    ("序号", 7), ("服务单号", 17), ("乡镇", 10), ("村（社区）", 11), ("服务对象", 8), ("服务项目", 10), ("申请方式", 10),
    ("受理时间", 16), ("状态", 9), ("服务机构", 18), ("接单时间", 16), ("完成时间", 16), ("购买金额（元）", 9), ("评价", 8), ("服务留痕", 90),
)

SHORT_STATUS = {
    RequestStatus.RECEIVED.value: "已受理",
    RequestStatus.OFFERED.value: "已派单",
    RequestStatus.ACCEPTED.value: "已接单",
    RequestStatus.ON_SITE.value: "已上门",
    RequestStatus.COMPLETED.value: "已完成",
    RequestStatus.CANCELLED.value: "已取消",
    RequestStatus.REFERRED.value: "已转介",
    RequestStatus.ESCALATED.value: "转乡镇",
    RequestStatus.REOPENED.value: "重新安排",
}


def _selection(period: Period, town_id: int | None):
    start, end = period.bounds()
    query = select(ServiceRequest.id).where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
    if town_id is not None:
        query = query.where(ServiceRequest.village_id.in_(select(Village.id).where(Village.town_id == town_id)))
    return query


def count_requests(db: Session, period: Period, town_id: int | None) -> int:
    return db.scalar(select(func.count()).select_from(_selection(period, town_id).subquery())) or 0


def _rows(db: Session, period: Period, town_id: int | None, after_id: int):
    query = (
        select(
            ServiceRequest.id, ServiceRequest.number, Town.name, Village.name, Member.name, ServiceItem.name, ServiceRequest.relation,
            ServiceRequest.created_at, ServiceRequest.status, Provider.name, ServiceRequest.assigned_at, ServiceRequest.completed_at,
            ServiceItem.unit_cost, ServiceRequest.rating,
        )
        .join(Village, Village.id == ServiceRequest.village_id)
        .join(Town, Town.id == Village.town_id)
        .join(Member, Member.id == ServiceRequest.member_id)
        .join(ServiceItem, ServiceItem.code == ServiceRequest.item_code)
        .outerjoin(Provider, Provider.id == ServiceRequest.provider_id)
        .where(ServiceRequest.id.in_(_selection(period, town_id)), ServiceRequest.id > after_id)
        .order_by(ServiceRequest.id)
        .limit(CHUNK)
    )
    return db.execute(query).all()


class Actors:
    """How an audit actor reads on paper: 居民, 系统, a provider's or a staff member's name."""

    def __init__(self, db: Session):
        self.providers = dict(db.execute(select(Provider.id, Provider.name)).all())
        self.staff = dict(db.execute(select(Staff.id, Staff.name)).all())

    def __call__(self, actor: str) -> str:
        kind, _, key = actor.partition(":")
        if kind == "wechat":
            return "居民"
        if kind == "system":
            return "系统"
        if kind == "provider" and key.isdigit():
            return self.providers.get(int(key), "服务机构")
        if kind == "staff" and key.isdigit():
            return self.staff.get(int(key), "工作人员")
        return actor


def traces(db: Session, request_ids: list[int], actors: Actors) -> dict[int, str]:
    """Each request's trail as one line: "2026-03-01 09:12 创建/受理（居民）；…"."""
    entries = db.execute(
        select(AuditEntry.subject_id, AuditEntry.at, AuditEntry.action, AuditEntry.actor)
        .where(AuditEntry.subject == "request", AuditEntry.subject_id.in_(request_ids))
        .order_by(AuditEntry.subject_id, AuditEntry.at, AuditEntry.id)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for request_id, at, action, actor in entries:
        found[request_id].append(f"{when(local(at))} {action_label(action)}（{actors(actor)}）")
    return {request_id: "；".join(steps) for request_id, steps in found.items()}


def _line(number: int, row, trace: str) -> list[object]:
    (_, code, town, village, who, item, relation, created, status, provider, assigned, completed, unit_cost, rating) = row
    bought = float(unit_cost) if unit_cost is not None and status == RequestStatus.COMPLETED.value else None
    return [
        number, code, town, village, who, item, "本人" if relation == "本人" else f"代办（{relation}）",
        when(local(created)), SHORT_STATUS.get(status, status), provider, when(local(assigned)) if assigned else None,
        when(local(completed)) if completed else None, bought, RATING_LABELS.get(rating or ""), trace,
    ]


def write_service_ledger(db: Session, workbook: Workbook, period: Period, town_id: int | None, area: str, today: dt.date, progress: Progress = no_progress) -> int:
    """Add the sheet to ``workbook``; returns the number of requests."""
    total = count_requests(db, period, town_id)
    info = f"范围：{area}　期间：{period.label}（按受理时间）　共{total}件　导出日期：{today.isoformat()}"
    sheet = Sheet(workbook, "服务台账", f"霍山县服务类社会救助服务台账（{area}）", info, COLUMNS)
    actors, after = Actors(db), 0
    progress(0, total)
    while True:
        rows = _rows(db, period, town_id, after)
        if not rows:
            break
        trail = traces(db, [r[0] for r in rows], actors)
        for row in rows:
            sheet.append(_line(sheet.rows + 1, row, trail.get(row[0], "")))
        after = rows[-1][0]
        progress(sheet.rows, total)
    return sheet.rows
