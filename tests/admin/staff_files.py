"""Roster files made the way town staff make them: a merged title row above the header, an ID
number typed as a number (Excel keeps 15 digits), trailing spaces, full-width digits.

``as_xlsx`` writes with openpyxl (what Excel and WPS save); ``as_xls`` with xlwt, which writes
the BIFF8 .xls format of Excel 97-2003 that WPS and old Excel still save (merged cells
included). Nothing here hand-writes either format.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from policy.identity import make_id_number
from roster import COLUMNS, HEADERS

TITLE = "霍山县衡山镇低收入人口名单（2026年12月）"
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _numeric_id(born: dt.date, sequence: int) -> str:
    """An ID number that ends in a digit (one ending in X cannot be typed as a number)."""
    while (number := make_id_number("341525", born, sequence))[-1] == "X":
        sequence += 1
    return number


def _row(**values) -> list[object]:
    return [values.get(c.key) for c in COLUMNS]


def households() -> list[list[object]]:
    """衡山镇城北村: 陈桂兰 (valid; trailing spaces, full-width digits in the income and the ID),
    刘德海 (his ID number typed as a number) and one 佛子岭镇 household (another town's)."""
    chen_id = make_id_number("341525", dt.date(1950, 2, 3), 12)
    liu_id = _numeric_id(dt.date(1960, 7, 8), 31)
    zhang_id = make_id_number("341525", dt.date(1955, 1, 9), 44)
    common = {"village": "城北村", "dwellings": 1, "floor_area": 60, "family_structures": "核心家庭", "has_social_security": "有", "social_activities": 1,
              "labour": "无劳动能力", "relation": "户主", "size": 1, "groups": "低保对象;老年人"}
    return [
        _row(**common, town="衡山镇 ", roster_no="HS-0001 ", head_name="陈桂兰", name="陈桂兰 ", id_number=chen_id.translate(_FULL),
             address="衡山镇城北村4组７号", monthly_income="６５０"),
        _row(**common, town="衡山镇", roster_no="HS-0002", head_name="刘德海", name="刘德海", id_number=int(liu_id),
             address="衡山镇城北村5组2号", monthly_income=900),
        _row(**{**common, "village": "佛子岭村"}, town="佛子岭镇", roster_no="FZ-0001", head_name="张秀英", name="张秀英", id_number=zhang_id,
             address="佛子岭镇佛子岭村1组3号", monthly_income=700),
    ]


def as_xlsx(path: Path, rows: list[list[object]] | None = None) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(list(HEADERS))
    for row in rows or households():
        sheet.append(row)
    workbook.save(path)
    return path


def as_xls(path: Path, rows: list[list[object]] | None = None) -> Path:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("名单")
    sheet.write_merge(0, 0, 0, len(HEADERS) - 1, TITLE)
    for column, header in enumerate(HEADERS):
        sheet.write(1, column, header)
    for number, row in enumerate(rows or households(), start=2):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(number, column, value)
    workbook.save(str(path))
    return path
