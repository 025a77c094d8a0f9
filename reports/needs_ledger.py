"""The needs ledger (需求台账, 实施方案 二(一)1): one row per household of a town, for print.

Each row: village, household number, head of household, household size, the 10 indicators of
附件2 (正常/困境) from the household's latest assessment, the number of distressed indicators,
the distress level (高/中/低), the needed services by their catalogue names and the rule set the
assessment used (``R3``; a second sheet, 评估规则, lists each one's values). Households not
yet assessed are listed as 未评估. Names are there because the office needs them; ID numbers,
phones and addresses are not.

``needs_ledger_rows`` reads, ``write_needs_ledger`` lays out the .xlsx (title, export date,
two header rows repeated on every printed page, frozen panes, A4 landscape fitted to the width).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.areas import Town, Village
from models.catalogue.catalogue import load_catalogue
from models.households.households import Assessment, Household, Member
from policy.assessment import DistressLevel, Indicator
from policy.rules import summary
from models.rules import code_of, rule_sets

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
"""Dates on the ledger are China dates (no daylight saving)."""

NOT_ASSESSED = "未评估"

FRONT_COLUMNS = ("序号", "村（社区）", "户编号", "户主", "家庭人口")
BACK_COLUMNS = ("困境数", "困境程度", "所需服务", "评估日期", "评估规则")
INDICATOR_COLUMNS = tuple(i.label for i in Indicator)
COLUMNS = (*FRONT_COLUMNS, *INDICATOR_COLUMNS, *BACK_COLUMNS)
"""The ledger's columns, left to right (the indicators under their dimension)."""

TITLE_ROW, INFO_ROW, GROUP_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_DATA_ROW = 5


@dataclass(frozen=True)
class LedgerRow:
    village: str
    roster_no: str
    head_name: str
    size: int
    distressed: tuple[bool, ...] | None
    """One flag per ``Indicator`` in annex 2's order; None when the household is not assessed."""
    distressed_count: int | None
    level: DistressLevel | None
    services: tuple[str, ...]
    """Catalogue names of the needed services."""
    assessed_on: dt.date | None
    rule_set: str = "未记录"
    """The rule set the assessment used (``R3``), ``未记录`` before the rules were dated data."""


def find_town(db: Session, name: str) -> Town | None:
    return db.scalar(select(Town).where(Town.name == name.strip()))


def town_names(db: Session) -> list[str]:
    return list(db.scalars(select(Town.name).order_by(Town.name)))


def needs_ledger_rows(db: Session, town: Town) -> list[LedgerRow]:
    """Every household of ``town`` with its latest assessment, by village and household number."""
    households = db.execute(
        select(Household.id, Household.roster_no, Household.head_name, Village.name)
        .join(Village, Household.village_id == Village.id)
        .where(Village.town_id == town.id)
    ).all()
    in_town = select(Household.id).join(Village, Household.village_id == Village.id).where(Village.town_id == town.id)
    sizes = dict(
        db.execute(select(Member.household_id, func.count()).where(Member.household_id.in_(in_town)).group_by(Member.household_id)).all()
    )
    rank = func.row_number().over(partition_by=Assessment.household_id, order_by=(Assessment.assessed_at.desc(), Assessment.id.desc())).label("rank")
    ranked = (
        select(Assessment.household_id, Assessment.result, Assessment.distressed_count, Assessment.level, Assessment.suggested_services, Assessment.assessed_at, Assessment.rule_set_id, rank)
        .where(Assessment.household_id.in_(in_town))
        .subquery()
    )
    latest = {row.household_id: row for row in db.execute(select(ranked).where(ranked.c.rank == 1))}
    names = {item.code: item.name for item in load_catalogue(db, active_only=False)}

    rows: list[LedgerRow] = []
    for household_id, roster_no, head_name, village in households:
        assessment = latest.get(household_id)
        if assessment is None:
            rows.append(LedgerRow(village, roster_no, head_name, sizes.get(household_id, 0), None, None, None, (), None))
            continue
        indicators = (assessment.result or {}).get("indicators", {})
        rows.append(
            LedgerRow(
                village=village,
                roster_no=roster_no,
                head_name=head_name,
                size=sizes.get(household_id, 0),
                distressed=tuple(bool(indicators.get(i.value, {}).get("distressed")) for i in Indicator),
                distressed_count=assessment.distressed_count,
                level=DistressLevel(assessment.level),
                services=tuple(names.get(code, code) for code in assessment.suggested_services or ()),
                assessed_on=assessment.assessed_at.astimezone(LOCAL_TZ).date() if assessment.assessed_at else None,
                rule_set=code_of(assessment.rule_set_id),
            )
        )
    rows.sort(key=lambda r: (r.village, r.roster_no))
    return rows


def ledger_title(town_name: str) -> str:
    return f"霍山县服务类社会救助需求台账（{town_name}）"


def write_needs_ledger(rows: list[LedgerRow], town_name: str, exported_on: dt.date, path: str | Path, used_rules: dict[str, str] | None = None) -> Path:
    """Lay out ``rows`` as a printable .xlsx at ``path``; ``used_rules``: ``used_rule_sets``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "需求台账"
    width = len(COLUMNS)
    last = get_column_letter(width)
    thin = Side(style="thin", color="000000")
    border = Border(top=thin, bottom=thin, left=thin, right=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_fill = PatternFill("solid", fgColor="D9D9D9")

    # title and export line
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    title = sheet.cell(TITLE_ROW, 1, ledger_title(town_name))
    title.font = Font(size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 30
    levels = Counter(r.level for r in rows)
    summary = (
        f"共{len(rows)}户：高度困境{levels[DistressLevel.HIGH]}户，中度困境{levels[DistressLevel.MEDIUM]}户，"
        f"低度困境{levels[DistressLevel.LOW]}户" + (f"，{NOT_ASSESSED}{levels[None]}户" if levels[None] else "")
    )
    split = len(FRONT_COLUMNS) + 5
    sheet.merge_cells(start_row=INFO_ROW, start_column=1, end_row=INFO_ROW, end_column=split)
    sheet.cell(INFO_ROW, 1, f"导出日期：{exported_on.year}年{exported_on.month}月{exported_on.day}日")
    sheet.merge_cells(start_row=INFO_ROW, start_column=split + 1, end_row=INFO_ROW, end_column=width)
    info = sheet.cell(INFO_ROW, split + 1, summary)
    info.alignment = Alignment(horizontal="right")

    # two header rows: dimensions over their indicators; the other columns span both rows
    for position, name in enumerate(FRONT_COLUMNS, start=1):
        sheet.cell(GROUP_ROW, position, name)
        sheet.merge_cells(start_row=GROUP_ROW, start_column=position, end_row=HEADER_ROW, end_column=position)
    position = len(FRONT_COLUMNS) + 1
    for indicator in Indicator:
        sheet.cell(HEADER_ROW, position, indicator.label)
        position += 1
    start = len(FRONT_COLUMNS) + 1
    indicators = list(Indicator)
    while indicators:
        dimension = indicators[0].dimension
        span = 1
        while span < len(indicators) and indicators[span].dimension is dimension:
            span += 1
        sheet.cell(GROUP_ROW, start, f"{dimension.label}维度")
        if span > 1:
            sheet.merge_cells(start_row=GROUP_ROW, start_column=start, end_row=GROUP_ROW, end_column=start + span - 1)
        start += span
        indicators = indicators[span:]
    for offset, name in enumerate(BACK_COLUMNS):
        column = len(FRONT_COLUMNS) + len(INDICATOR_COLUMNS) + 1 + offset
        sheet.cell(GROUP_ROW, column, name)
        sheet.merge_cells(start_row=GROUP_ROW, start_column=column, end_row=HEADER_ROW, end_column=column)
    for row in (GROUP_ROW, HEADER_ROW):
        for column in range(1, width + 1):
            cell = sheet.cell(row, column)
            cell.font = Font(bold=True)
            cell.alignment = centre
            cell.border = border
            cell.fill = header_fill

    # one row per household
    bold = Font(bold=True)
    high_fill = PatternFill("solid", fgColor="F2DCDB")
    services_at = COLUMNS.index("所需服务") + 1
    for number, row in enumerate(rows, start=1):
        if row.distressed is None:
            marks: list[object] = [NOT_ASSESSED] * len(INDICATOR_COLUMNS)
            tail: list[object] = [None, NOT_ASSESSED, None, None, None]
        else:
            marks = ["困境" if hit else "正常" for hit in row.distressed]
            tail = [row.distressed_count, row.level.label if row.level else None, "、".join(row.services), row.assessed_on, row.rule_set]
        values = [number, row.village, row.roster_no, row.head_name, row.size, *marks, *tail]
        line = FIRST_DATA_ROW + number - 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(line, column, value)
            cell.border = border
            cell.alignment = Alignment(horizontal="left" if column == services_at else "center", vertical="center", wrap_text=True)
            if value == "困境":
                cell.font = bold
        if row.assessed_on is not None:
            sheet.cell(line, COLUMNS.index("评估日期") + 1).number_format = "yyyy-mm-dd"
        if row.level is DistressLevel.HIGH:
            sheet.cell(line, COLUMNS.index("困境程度") + 1).fill = high_fill

    widths = {"序号": 6, "村（社区）": 12, "户编号": 15, "户主": 9, "家庭人口": 6, "困境数": 7, "困境程度": 7, "所需服务": 36, "评估日期": 11, "评估规则": 8}
    for position, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = widths.get(name, 7 if len(name) <= 2 else 8)

    # screen and print
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, len(FRONT_COLUMNS))
    sheet.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.right.text = f"导出日期：{exported_on.isoformat()}"

    _rules_sheet(workbook, used_rules or {})
    path = Path(path)
    workbook.save(path)
    return path


def _rules_sheet(workbook, used: dict[str, str]) -> None:
    """评估规则: each rule set the rows name, with its values."""
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet("评估规则")
    sheet.append(["评估规则", "所用数值"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for code, text in used.items():
        sheet.append([code, text])
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 110
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")


def used_rule_sets(db: Session, rows: list[LedgerRow]) -> dict[str, str]:
    """``R3`` -> the values of that rule set, for the rule sets the rows name."""
    ids = {int(r.rule_set[1:]) for r in rows if r.rule_set.startswith("R")}
    return {f"R{i}": summary(found.values) for i, found in sorted(rule_sets(db, ids).items())}


def export_needs_ledger(db: Session, town: Town, path: str | Path, exported_on: dt.date) -> int:
    """Write the town's needs ledger to ``path``; returns the number of households."""
    rows = needs_ledger_rows(db, town)
    write_needs_ledger(rows, town.name, exported_on, path, used_rule_sets(db, rows))
    return len(rows)
