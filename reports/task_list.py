"""The task list by responsible unit (任务清单, after 附件4's responsibility list), per period and
town (or the county).

Sheet 1, 责任清单: every unit of annex 4 with its duty and what the system tracked for it in the
period: matters, done, open, overdue. Member units receive the referrals for their department;
the town transfers referrals (1 working day) and takes escalated requests; the village verifies
leads and makes the visits; providers carry out the requests they hold; the county bureau gets
what the clocks escalated to it. Units whose work is not tracked here show "—".

Sheet 2, 待办事项: every matter still open, by unit, with its deadline: who must do what.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from openpyxl import Workbook
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from models.alerts import Alert
from models.areas import Town, Village
from models.calendar import local, local_today
from models.catalogue.catalogue import ServiceItem
from models.households.households import Member
from db.base import as_utc
from models.leads import Lead, LeadStatus
from policy import responsibilities as annex
from models.catalogue.providers import Provider
from models.requests.requests import Referral, RequestStatus, ServiceRequest
from db.sql import local_date
from reports.supervision import ESCALATION_STAGES, MISSED_STAGES, Period
from models.visits.visits import Visit, VisitStatus
from reports.xlsx import Progress, Sheet, no_progress, when

SUMMARY_COLUMNS = (("序号", 6), ("实施主体", 9), ("责任主体", 18), ("工作职责", 60), ("本期事项", 9), ("已完成", 8), ("未完成", 8), ("其中超时", 8), ("完成时间节点", 14))
OPEN_COLUMNS = (("序号", 6), ("实施主体", 9), ("责任主体", 18), ("事项", 14), ("编号或对象", 18), ("村（社区）", 14), ("时限", 16), ("状态", 12))


@dataclass
class Tally:
    total: int = 0
    done: int = 0
    overdue: int = 0

    def count(self, done: bool, overdue: bool = False) -> None:
        self.total += 1
        self.done += done
        self.overdue += overdue

    @property
    def open(self) -> int:
        return self.total - self.done


@dataclass(frozen=True)
class UnitRow:
    level: str
    unit: str
    duty: str
    deadline: str
    tally: Tally | None


@dataclass(frozen=True)
class TaskLine:
    level: str
    unit: str
    kind: str
    ref: str
    village: str
    due: str | None
    status: str


@dataclass
class TaskList:
    units: list[UnitRow] = field(default_factory=list)
    open: list[TaskLine] = field(default_factory=list)


def _in_town(column, town_id: int | None):
    return true() if town_id is None else column.in_(select(Village.id).where(Village.town_id == town_id))


def build_task_list(db: Session, period: Period, town_id: int | None, now: dt.datetime) -> TaskList:
    result = TaskList()
    towns: dict[str, Tally] = defaultdict(Tally)
    villages: dict[str, Tally] = defaultdict(Tally)
    departments: dict[str, Tally] = defaultdict(Tally)
    _referrals(db, period, town_id, now, departments, towns, result)
    _escalated(db, period, town_id, towns, result)
    _leads(db, period, town_id, now, villages, result)
    _visits(db, period, town_id, now, villages, result)
    providers = _providers(db, period, town_id, result)
    county = _county(db, period, town_id)
    for r in annex.RESPONSIBILITIES:
        if r.level == annex.MEMBER:
            tally = departments.get(r.department, Tally()) if r.department else (county if r.unit == "县民政局" else None)
            result.units.append(UnitRow(r.level, r.unit, r.duty, r.deadline, tally))
        else:
            rows = {annex.TOWN: towns, annex.VILLAGE: villages, annex.SUPPLIER: providers}[r.level]
            for unit in sorted(rows):
                result.units.append(UnitRow(r.level, unit, r.duty, r.deadline, rows[unit]))
    for name in _town_names(db, town_id):
        if f"{name}人民政府" not in towns:
            result.units.append(UnitRow(annex.TOWN, f"{name}人民政府", annex.of_level(annex.TOWN)[0].duty, annex.DEADLINE, Tally()))
    return result


def _town_names(db: Session, town_id: int | None) -> list[str]:
    query = select(Town.name).order_by(Town.name)
    return list(db.scalars(query if town_id is None else query.where(Town.id == town_id)))


def _village_unit(village: str, town: str) -> str:
    return f"{village}（{town}）"


def _referrals(db, period, town_id, now, departments, towns, result) -> None:
    start, end = period.bounds()
    rows = db.execute(
        select(Referral.number, Referral.department, Referral.deadline, Referral.transferred_at, Referral.status, Village.name, Town.name)
        .join(Village, Village.id == Referral.village_id).join(Town, Town.id == Village.town_id)
        .where(Referral.created_at >= start, Referral.created_at < end, _in_town(Referral.village_id, town_id))
        .order_by(Referral.id)
    )
    units = annex.by_department()
    for number, department, deadline, transferred_at, status, village, town in rows:
        done, deadline = status == "transferred", as_utc(deadline)
        overdue = (transferred_at is not None and as_utc(transferred_at) > deadline) or (not done and deadline < now)
        unit = units[department].unit if department in units else f"县{department}"
        departments[department].count(done, overdue)
        towns[f"{town}人民政府"].count(done, overdue)
        if not done:
            result.open.append(TaskLine(annex.TOWN, f"{town}人民政府", f"转介转办（{unit}）", number, _village_unit(village, town), when(local(deadline)), "已超时" if overdue else "待转办"))


def _escalated(db, period, town_id, towns, result) -> None:
    start, end = period.bounds()
    rows = db.execute(
        select(ServiceRequest.id, ServiceRequest.number, ServiceRequest.status, Village.name, Town.name, func.max(Alert.stage), ServiceItem.name)
        .join(ServiceRequest, ServiceRequest.id == Alert.subject_id)
        .join(Village, Village.id == ServiceRequest.village_id).join(Town, Town.id == Village.town_id)
        .join(ServiceItem, ServiceItem.code == ServiceRequest.item_code)
        .where(Alert.subject == "request", Alert.stage.in_(ESCALATION_STAGES), Alert.at >= start, Alert.at < end, _in_town(ServiceRequest.village_id, town_id))
        .group_by(ServiceRequest.id, ServiceRequest.number, ServiceRequest.status, Village.name, Town.name, ServiceItem.name)
        .order_by(ServiceRequest.id)
    )
    for _, number, status, village, town, last_stage, item in rows:
        waiting = status == RequestStatus.ESCALATED.value
        late = waiting and last_stage in ("town_b", "county")
        towns[f"{town}人民政府"].count(not waiting, late)
        if waiting:
            result.open.append(TaskLine(annex.TOWN, f"{town}人民政府", f"安排服务（{item}）", number, _village_unit(village, town), None, "已转B岗" if late else "待安排"))


def _leads(db, period, town_id, now, villages, result) -> None:
    start, end = period.bounds()
    missed = select(Alert.subject_id).where(Alert.subject == "lead", Alert.stage.in_(MISSED_STAGES))
    rows = db.execute(
        select(Lead.number, Lead.status, Lead.deadline, Lead.id.in_(missed), Village.name, Town.name)
        .join(Village, Village.id == Lead.village_id).join(Town, Town.id == Village.town_id)
        .where(Lead.deadline >= start, Lead.deadline < end, _in_town(Lead.village_id, town_id))
        .order_by(Lead.id)
    )
    for number, status, deadline, was_missed, village, town in rows:
        done, deadline = status != LeadStatus.OPEN.value, as_utc(deadline)
        overdue = bool(was_missed) or (not done and deadline < now)
        unit = _village_unit(village, town)
        villages[unit].count(done, overdue)
        if not done:
            result.open.append(TaskLine(annex.VILLAGE, unit, "线索核实", number, unit, when(local(deadline)), "已超时" if overdue else "待核实"))


def _visits(db, period, town_id, now, villages, result) -> None:
    today = local_today(now)
    done = Visit.status == VisitStatus.DONE.value
    rows = db.execute(
        select(Village.name, Town.name, func.count(), func.count().filter(done), func.count().filter(or_(and_(~done, Visit.due_date < today), and_(done, Visit.completed_at.is_not(None), local_date(Visit.completed_at) > Visit.due_date))))
        .join(Village, Village.id == Visit.village_id).join(Town, Town.id == Village.town_id)
        .where(Visit.due_date >= period.start, Visit.due_date <= period.end, _in_town(Visit.village_id, town_id))
        .group_by(Village.name, Town.name)
    )
    for village, town, total, finished, overdue in rows:
        tally = villages[_village_unit(village, town)]
        tally.total, tally.done, tally.overdue = tally.total + total, tally.done + finished, tally.overdue + overdue
    late = db.execute(
        select(Member.name, Visit.due_date, Village.name, Town.name)
        .join(Member, Member.id == Visit.member_id)
        .join(Village, Village.id == Visit.village_id).join(Town, Town.id == Village.town_id)
        .where(Visit.due_date >= period.start, Visit.due_date <= period.end, ~done, _in_town(Visit.village_id, town_id))
        .order_by(Town.name, Village.name, Visit.due_date, Visit.id)
    )
    for who, due, village, town in late:
        unit = _village_unit(village, town)
        result.open.append(TaskLine(annex.VILLAGE, unit, "探访", who, unit, due.isoformat(), "逾期未访" if due < today else "待探访"))


def _providers(db, period, town_id, result) -> dict[str, Tally]:
    start, end = period.bounds()
    in_hand = (RequestStatus.ACCEPTED.value, RequestStatus.ON_SITE.value)
    rows = db.execute(
        select(Provider.name, ServiceRequest.number, ServiceRequest.status, Village.name, Town.name)
        .join(Provider, Provider.id == ServiceRequest.provider_id)
        .join(Village, Village.id == ServiceRequest.village_id).join(Town, Town.id == Village.town_id)
        .where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end, _in_town(ServiceRequest.village_id, town_id))
        .order_by(ServiceRequest.id)
    )
    providers: dict[str, Tally] = defaultdict(Tally)
    for provider, number, status, village, town in rows:
        providers[provider].count(status == RequestStatus.COMPLETED.value)
        if status in in_hand:
            result.open.append(TaskLine(annex.SUPPLIER, provider, "提供服务", number, _village_unit(village, town), None, "服务中"))
    return providers


def _county(db, period, town_id) -> Tally:
    """Matters the clocks escalated to the county in the period; done once they are settled."""
    start, end = period.bounds()
    tally = Tally()
    reached = and_(Alert.stage == "county", Alert.at >= start, Alert.at < end)
    referrals = select(Referral.status).join(Alert, and_(Alert.subject == "referral", Alert.subject_id == Referral.id)).where(reached, _in_town(Referral.village_id, town_id))
    leads = select(Lead.status).join(Alert, and_(Alert.subject == "lead", Alert.subject_id == Lead.id)).where(reached, _in_town(Lead.village_id, town_id))
    requests = select(ServiceRequest.status).join(Alert, and_(Alert.subject == "request", Alert.subject_id == ServiceRequest.id)).where(reached, _in_town(ServiceRequest.village_id, town_id))
    for status in db.scalars(referrals):
        tally.count(status == "transferred")
    for status in db.scalars(leads):
        tally.count(status != LeadStatus.OPEN.value)
    for status in db.scalars(requests):
        tally.count(status != RequestStatus.ESCALATED.value)
    return tally


def write_task_list(db: Session, workbook: Workbook, period: Period, town_id: int | None, area: str, now: dt.datetime, progress: Progress = no_progress) -> int:
    """Both sheets; returns the number of units listed."""
    progress(0, None)
    tasks = build_task_list(db, period, town_id, now)
    today = local_today(now)
    info = f"范围：{area}　期间：{period.label}　导出日期：{today.isoformat()}　依据：霍山县低收入人口服务类社会救助试点工作责任清单（附件4）"
    summary = Sheet(workbook, "责任清单", f"霍山县服务类社会救助试点工作任务清单（{area}）", info, SUMMARY_COLUMNS)
    for row in tasks.units:
        t = row.tally
        counts = ["—"] * 4 if t is None else [t.total, t.done, t.open, t.overdue]
        summary.append([summary.rows + 1, row.level, row.unit, row.duty, *counts, row.deadline])
    pending = Sheet(workbook, "待办事项", f"待办事项（{area}）", f"截至{today.isoformat()}仍未完成的事项，共{len(tasks.open)}项", OPEN_COLUMNS)
    order = {level: n for n, level in enumerate((annex.MEMBER, annex.TOWN, annex.VILLAGE, annex.SUPPLIER))}
    for line in sorted(tasks.open, key=lambda x: (order[x.level], x.unit, x.due or "")):
        pending.append([pending.rows + 1, line.level, line.unit, line.kind, line.ref, line.village, line.due, line.status])
    progress(summary.rows + pending.rows, summary.rows + pending.rows)
    return summary.rows
