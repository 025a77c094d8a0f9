"""The visit ledger (探访台账, the 工作台账 of the plan): every visit due in a period in a town (or
the county): who was to be visited, by whom, check-in, outcome, and whether it was on time.
Written in chunks by id, like the service ledger.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.areas import Town, Village
from models.calendar import local
from reports.household_file import VISIT_KIND_LABELS, VISIT_OUTCOME_LABELS, VISIT_STATUS_LABELS
from models.households.households import Member
from models.staff.staff import Staff
from reports.supervision import Period
from models.visits.visits import Visit, VisitStatus
from reports.xlsx import Progress, Sheet, no_progress, when

CHUNK = 5000

COLUMNS = (
    ("序号", 7), ("乡镇", 10), ("村（社区）", 11), ("探访对象", 8), ("类型", 9), ("应访日期", 11), ("状态", 8), ("探访人", 9),
    ("签到时间", 16), ("签到距离（米）", 9), ("完成时间", 16), ("情况", 10), ("是否按时", 8),
)


def _selection(period: Period, town_id: int | None):
    query = select(Visit.id).where(Visit.due_date >= period.start, Visit.due_date <= period.end)
    if town_id is not None:
        query = query.where(Visit.village_id.in_(select(Village.id).where(Village.town_id == town_id)))
    return query


def count_visits(db: Session, period: Period, town_id: int | None) -> int:
    return db.scalar(select(func.count()).select_from(_selection(period, town_id).subquery())) or 0


def _rows(db: Session, period: Period, town_id: int | None, after_id: int):
    query = (
        select(
            Visit.id, Town.name, Village.name, Member.name, Visit.kind, Visit.due_date, Visit.status, Staff.name,
            Visit.checkin_at, Visit.distance_m, Visit.completed_at, Visit.outcome,
        )
        .join(Village, Village.id == Visit.village_id)
        .join(Town, Town.id == Village.town_id)
        .join(Member, Member.id == Visit.member_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .where(Visit.id.in_(_selection(period, town_id)), Visit.id > after_id)
        .order_by(Visit.id)
        .limit(CHUNK)
    )
    return db.execute(query).all()


def on_time_label(status: str, due: dt.date, completed: dt.datetime | None, today: dt.date) -> str:
    if status == VisitStatus.DONE.value and completed is not None:
        return "按时" if local(completed).date() <= due else "逾期完成"
    return "逾期未访" if due < today else "未到期"


def _line(number: int, row, today: dt.date) -> list[object]:
    _, town, village, who, kind, due, status, staff, checkin, distance, completed, outcome = row
    return [
        number, town, village, who, VISIT_KIND_LABELS.get(kind, kind), due, VISIT_STATUS_LABELS.get(status, status), staff,
        when(local(checkin)) if checkin else None, distance, when(local(completed)) if completed else None,
        VISIT_OUTCOME_LABELS.get(outcome or "", outcome), on_time_label(status, due, completed, today),
    ]


def write_visit_ledger(db: Session, workbook: Workbook, period: Period, town_id: int | None, area: str, today: dt.date, progress: Progress = no_progress) -> int:
    total = count_visits(db, period, town_id)
    info = f"范围：{area}　期间：{period.label}（按应访日期）　共{total}次　导出日期：{today.isoformat()}"
    sheet = Sheet(workbook, "探访台账", f"霍山县服务类社会救助探访台账（{area}）", info, COLUMNS)
    after = 0
    progress(0, total)
    while True:
        rows = _rows(db, period, town_id, after)
        if not rows:
            break
        for row in rows:
            sheet.append(_line(sheet.rows + 1, row, today))
        after = rows[-1][0]
        progress(sheet.rows, total)
    return sheet.rows
