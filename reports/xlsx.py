"""Printable ledger sheets written row by row (openpyxl's write-only mode: memory stays flat
for 100,000 rows): a title, an information line, one bold header row repeated on every printed
page, frozen under the header, A4 landscape fitted to the width.
"""

from __future__ import annotations

import io
from typing import Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

Progress = Callable[[int, int | None], None]
"""Called as ``progress(rows_done, rows_total)`` while a ledger is written."""

TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = 4


def no_progress(done: int, total: int | None) -> None:
    pass


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


class Sheet:
    """One ledger sheet: ``Sheet(workbook, ...)`` writes the heading; ``append`` a row at a time."""

    def __init__(self, workbook: Workbook, name: str, title: str, info: str, columns: Sequence[tuple[str, float]]):
        self.sheet = workbook.create_sheet(name)
        for position, (_, width) in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(position)].width = width
        self.sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
        self.sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        self.sheet.page_setup.orientation = "landscape"
        self.sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        self.sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        self.sheet.page_setup.fitToWidth = 1
        self.sheet.page_setup.fitToHeight = 0
        self.sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
        self.sheet.append([self._cell(title, Font(size=14, bold=True))])
        self.sheet.append([self._cell(info)])
        fill = PatternFill("solid", fgColor="D9D9D9")
        centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.sheet.append([self._cell(name, Font(bold=True), fill, centre) for name, _ in columns])
        self.rows = 0

    def _cell(self, value, font: Font | None = None, fill: PatternFill | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        return cell

    def append(self, values: Iterable[object]) -> None:
        self.sheet.append(list(values))
        self.rows += 1


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def when(moment) -> str | None:
    """A local time as the ledgers print it: 2026-03-01 09:12."""
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M")
