"""Roster import (低收入人口名单导入): the county's low-income roster from an .xlsx file.

One row per member; the members of a household share its household number (户编号). The
first worksheet is read; its first row is the header, and columns are found by their header
text (any order; unknown columns are ignored, so a filled error report can be imported again).
Row numbers in every message are Excel's (the header is row 1).

Column layout (the template ``tests/data/roster_template.xlsx`` has the same header and a
"说明" sheet with the accepted values; ``write_template`` makes it):

================  ====  ========  ===============================================================
column            per   required  what to write
================  ====  ========  ===============================================================
乡镇               户    yes       a town in the system (``--create-areas`` adds new ones)
村（社区）          户    yes       a village of that town in the system
户编号              户    every row the roster's household number, the same on each member's row
户主姓名            户    yes       must equal 姓名 on the row whose 与户主关系 is 户主
家庭住址            户    yes       at most 100 characters (stored encrypted)
姓名               人    yes       at most 32 characters
与户主关系          人    yes       户主 (or 本人) on exactly one row; 配偶, 子, 女, 孙子 …
身份证号            人    yes       18 characters with a valid check character, as text
手机号              人    no        mainland mobile (11 digits) or a landline with area code
救助类别            人    no        target groups, several separated by ; or 、 (e.g.
                                  "低保对象;残疾人"); at least one member of each household
疾病               人    no        无疾病 (blank), 慢性病, 重大疾病, 精神疾病, 罕见病, 传染病
残疾类别            人    no        视力/听力/言语/肢体/智力/精神/多重残疾; blank or 无: none
残疾等级            人    with 类别  一级 … 四级 (or 1-4)
自理能力            人    no        能自理 (blank), 半失能, 失能
就学阶段            人    no        未在读 (blank), 学前教育, 小学, 初中, 高中, 中职, 大学, 研究生
就业状况            人    yes       就业, 从事劳动生产, 失业, 因照料重病重残婴幼儿未就业, 其他未就业,
                                  无劳动能力
家庭月收入          户    yes       yuan per month, household total
家庭月刚性支出       户    no        yuan per month (medical, schooling …); blank is 0
住房数量            户    yes       dwellings (套), 0 or more
住房面积            户    yes       total floor area of the household's housing, m²
家庭结构            户    yes       核心/主干/联合/留守/单亲/失独/隔代家庭, several allowed
有无社会保障         户    yes       有 or 无
月均社会活动次数      户    yes       social activities per person per month
儿童青少年问题       户    no        儿童健康问题, 儿童辍学, 儿童被侵害, 青少年心理问题,
                                  青少年权益受损, 青少年行为不良; several allowed
家庭人口            户    yes       number of members: must equal the household's number of rows
纬度, 经度          户    no        decimal degrees, both or neither
================  ====  ========  ===============================================================

"per 户" values may be written on every row of the household or only on one (a merged cell
reads as blank below its first row); rows that repeat them must agree. Birth dates come from
the ID numbers. Labels are those of ``policy.groups`` (``TargetGroup.label`` …).

``validate`` is pure: it returns the households and a list of ``RowError(row, column, reason)``
with reasons in Chinese. ``import_roster`` is the use case: it imports nothing unless every row
is valid, or with ``skip_invalid`` only the valid households (a household with one bad row is
skipped whole). Households are matched by 户编号 and members by the blind index of their ID
number, so importing the same file again changes nothing. Each imported household is then
assessed (the 10 indicators of 附件2) and an ``Assessment`` is stored only when the result
differs from the household's latest one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Container, Iterable, Iterator, Sequence

from sqlalchemy import ARRAY, JSON, Table, any_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from models.areas import Town, Village, get_or_create_town, get_or_create_village
from models.catalogue.catalogue import load_catalogue
from db.crypto import DataCipher
from models.households.households import Assessment, Household, Member
from policy.assessment import assess
from policy.catalogue import Catalogue
from policy.facts import HouseholdFacts, MemberFacts
from policy.groups import (
    Disability,
    DisabilityKind,
    FamilyStructure,
    IllnessKind,
    LabourStatus,
    SchoolingStage,
    SelfCare,
    TargetGroup,
    YouthProblem,
)
from policy.identity import IdNumberError, make_id_number, parse_id_number
from policy.thresholds import Thresholds
from models.rules import rule_set_on

Progress = Callable[[str, int, "int | None"], None]
"""``progress(stage, done, total)``: called now and then during a long import."""

HEAD = "户主"
ASSESSOR = "import"
CHUNK = 5000
"""Rows per bulk statement and per look-up."""

# --- the column layout ------------------------------------------------------------------------


class Level(str, Enum):
    HOUSEHOLD = "household"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return "户" if self is Level.HOUSEHOLD else "人"


@dataclass(frozen=True)
class RosterColumn:
    key: str
    header: str
    level: Level
    required: bool
    note: str
    choices: tuple[str, ...] = ()
    multiple: bool = False
    as_text: bool = False
    width: int = 12


def _labels(enum: type[Enum]) -> tuple[str, ...]:
    return tuple(member.label for member in enum)  # type: ignore[attr-defined]


_H, _M = Level.HOUSEHOLD, Level.MEMBER
_GRADES = ("一级", "二级", "三级", "四级")

COLUMNS: tuple[RosterColumn, ...] = (
    RosterColumn("town", "乡镇", _H, True, "系统中已有的乡镇名称，如“衡山镇”。", width=10),
    RosterColumn("village", "村（社区）", _H, True, "该乡镇下已有的村或社区名称，如“城北村”。", width=12),
    RosterColumn("roster_no", "户编号", _H, True, "名单中的户编号，同一户每个成员的行都填同一个编号，最长32个字符。", as_text=True, width=14),
    RosterColumn("head_name", "户主姓名", _H, True, "须与“与户主关系”填“户主”那一行的姓名一致。", width=10),
    RosterColumn("address", "家庭住址", _H, True, "不超过100个字，如“衡山镇城北村3组12号”。", width=26),
    RosterColumn("name", "姓名", _M, True, "成员姓名，不超过32个字。", width=10),
    RosterColumn("relation", "与户主关系", _M, True, "每户有且只有一行填“户主”（或“本人”）；其他填配偶、子、女、孙子等。", width=10),
    RosterColumn("id_number", "身份证号", _M, True, "18位居民身份证号，请设为文本格式，以免Excel把末几位变成0。", as_text=True, width=21),
    RosterColumn("phone", "手机号", _M, False, "11位手机号，或带区号的固定电话；可不填。", as_text=True, width=13),
    RosterColumn("groups", "救助类别", _M, False, "可填多个，用分号或顿号隔开，如“低保对象;残疾人”。每户至少一人填写。", _labels(TargetGroup), multiple=True, width=20),
    RosterColumn("illness", "疾病", _M, False, "不填即“无疾病”。", _labels(IllnessKind), width=10),
    RosterColumn("disability_kind", "残疾类别", _M, False, "按残疾人证填写；不填或填“无”即没有残疾。", _labels(DisabilityKind), width=10),
    RosterColumn("disability_grade", "残疾等级", _M, False, "有残疾类别时必填：一级至四级（一级最重）。", _GRADES, width=9),
    RosterColumn("self_care", "自理能力", _M, False, "不填即“能自理”。", _labels(SelfCare), width=9),
    RosterColumn("schooling", "就学阶段", _M, False, "不填即“未在读”。", _labels(SchoolingStage), width=10),
    RosterColumn("labour", "就业状况", _M, True, "劳动力填就业、从事劳动生产、失业、因照料重病重残婴幼儿未就业或其他未就业；不在劳动年龄或丧失劳动能力填“无劳动能力”。", _labels(LabourStatus), width=14),
    RosterColumn("monthly_income", "家庭月收入", _H, True, "全家每月总收入，单位：元。", width=11),
    RosterColumn("monthly_rigid_expenditure", "家庭月刚性支出", _H, False, "全家每月医疗、教育等刚性支出，单位：元；不填即0。", width=13),
    RosterColumn("dwellings", "住房数量", _H, True, "自建房与商品房合计套数，没有住房填0。", width=9),
    RosterColumn("floor_area", "住房面积", _H, True, "全家住房总面积，单位：平方米。", width=9),
    RosterColumn("family_structures", "家庭结构", _H, True, "可填多个，用分号或顿号隔开。", _labels(FamilyStructure), multiple=True, width=12),
    RosterColumn("has_social_security", "有无社会保障", _H, True, "有社会保险、社会福利、优抚安置等任何一种社会保障填“有”，否则填“无”。", ("有", "无"), width=11),
    RosterColumn("social_activities", "月均社会活动次数", _H, True, "家庭成员每人每月平均参加社会活动的次数，可有小数。", width=14),
    RosterColumn("youth_problems", "儿童青少年问题", _H, False, "没有就不填；有就填问题，可填多个。", _labels(YouthProblem), multiple=True, width=16),
    RosterColumn("size", "家庭人口", _H, True, "共同生活的家庭人数，须等于本户在表中的行数。", width=9),
    RosterColumn("latitude", "纬度", _H, False, "住址的纬度（十进制度数），与经度一起填写，可不填。", width=10),
    RosterColumn("longitude", "经度", _H, False, "住址的经度（十进制度数），与纬度一起填写，可不填。", width=10),
)
"""The documented layout, in the template's order."""

BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = tuple(c.header for c in COLUMNS)

_HEADER_ALIASES = {
    "村": "village",
    "社区": "village",
    "村/社区": "village",
    "村（居）": "village",
    "户号": "roster_no",
    "户主": "head_name",
    "住址": "address",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "手机号码": "phone",
    "联系电话": "phone",
    "家庭人数": "size",
}


def _header_key(text: object) -> str | None:
    if text is None:
        return None
    name = "".join(str(text).split()).strip("*＊").replace("(", "（").replace(")", "）")
    for column in COLUMNS:
        if name == column.header:
            return column.key
    return _HEADER_ALIASES.get(name)


# --- errors and results -----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class RowError:
    """What is wrong where: Excel row number (0: the file), column header ("" for the row)."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = "文件" if self.row == 0 else f"第{self.row}行"
        return f"{where}{'【' + self.column + '】' if self.column else ''}：{self.reason}"


@dataclass(slots=True)
class MemberRow:
    row: int
    name: str
    relation: str
    id_number: str
    birth_date: dt.date
    phone: str | None
    groups: tuple[str, ...]
    illness: str
    disability_kind: str | None
    disability_grade: int | None
    self_care: str
    schooling: str
    labour: str


@dataclass(slots=True)
class HouseholdRow:
    roster_no: str
    town: str
    village: str
    head_name: str
    address: str
    size: int
    monthly_income: Decimal
    monthly_rigid_expenditure: Decimal
    dwellings: int
    floor_area: Decimal
    family_structures: tuple[str, ...]
    has_social_security: bool
    social_activities: Decimal
    youth_problems: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    members: list[MemberRow]

    @property
    def rows(self) -> list[int]:
        return [m.row for m in self.members]


@dataclass
class Validation:
    """``validate``'s outcome: the valid households, every error, and the rows left out."""

    households: list[HouseholdRow]
    errors: list[RowError]
    rows: int
    """Non-blank data rows read."""
    household_count: int
    """Distinct 户编号 in the file."""
    invalid_rows: list[int]
    """Rows that cannot be imported: their own error, or one in the same household."""
    unknown_areas: list[tuple[str, str]] = field(default_factory=list)
    """(乡镇, 村) pairs the rows name that are not in ``known_villages``."""
    header_row: int = 1

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: int = 0
    household_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    invalid_rows: list[int] = field(default_factory=list)
    imported: bool = False
    """False: nothing was written (errors without ``skip_invalid``, or an unreadable file)."""
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    assessments_created: int = 0
    towns_created: int = 0
    villages_created: int = 0
    stale_members: int = 0
    """Members stored under an imported household but absent from the file (left untouched)."""
    stale_roster_nos: list[str] = field(default_factory=list)
    unknown_areas: list[tuple[str, str]] = field(default_factory=list)
    catalogue_items: int = 0
    header_row: int = 1


# --- reading the file -------------------------------------------------------------------------


@dataclass
class RosterSheet:
    header: tuple[object, ...]
    rows: Iterator[tuple[int, tuple[object, ...]]]
    """(Excel row number, cell values), from the row under the header."""
    total: int | None
    """Data rows as the sheet's dimension says; None when the file does not say."""
    header_row: int = 1
    """The header's Excel row number (rows above it are a title)."""


class UnreadableRoster(Exception):
    """The file is not an .xlsx or .xls workbook that can be read."""


HEADER_SCAN_ROWS = 10
"""The header is looked for in the first rows: staff often put a (merged) title above it."""

_FULL_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
_FULL_WIDTH.update({0xFF0E: ord("."), 0xFF0D: ord("-"), 0xFF0B: ord("+"), 0x3000: ord(" "), 0xA0: ord(" ")})


def _clean(value: object) -> object:
    """A cell as the rules read it: text trimmed, full-width digits and letters made plain,
    an empty text as no value."""
    if value.__class__ is str:
        if not value.isascii():
            value = value.translate(_FULL_WIDTH)  # type: ignore[union-attr]
        value = value.strip()  # type: ignore[union-attr]
        return value or None
    return value


def _cleaned(cells: Sequence[object]) -> tuple[object, ...]:
    return tuple(_clean(v) for v in cells)


def _find_header(top: list[tuple[object, ...]]) -> int:
    """Index (0-based) of the row among ``top`` that names the most roster columns."""
    best, best_count = 0, 0
    for index, cells in enumerate(top):
        count = sum(1 for v in cells if _header_key(v) is not None)
        if count > best_count:
            best, best_count = index, count
    return best


def _merged_header(header: list[object], header_at: int, top: list[tuple[object, ...]], merged: Iterable[Any] | None, origin: tuple[int, int]) -> list[object]:
    """A header cell under a cell merged down from a row above takes that cell's text (two-row
    headers); a cell merged across keeps its text in its first column only. ``origin``: the
    sheet coordinates of ``top[0][0]``."""
    for (r0, c0), (r1, _c1) in merged or ():
        r0, r1, c0 = r0 - origin[0], r1 - origin[0], c0 - origin[1]
        if 0 <= r0 < header_at <= r1 and 0 <= c0 < len(header) and _blank(header[c0]) and c0 < len(top[r0]):
            header[c0] = top[r0][c0]
    return header


@contextmanager
def open_roster(path: str | Path) -> Iterator[RosterSheet]:
    """The first worksheet of an .xlsx or .xls file (python-calamine), row by row."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
        top = [_cleaned(row) for _, row in zip(range(HEADER_SCAN_ROWS), rows)]
        merged = sheet.merged_cell_ranges
    except (CalamineError, OSError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise UnreadableRoster(str(exc)) from exc
    try:
        at = _find_header(top)
        origin = tuple(sheet.start) if sheet.start else (0, 0)  # a sheet's cells may begin below row 1 or right of column A
        header = _merged_header(list(top[at]) if top else [], at, top, merged, origin)
        start = origin[0]
        first = start + at + 2  # the Excel number of the row under the header

        def data() -> Iterator[tuple[int, tuple[object, ...]]]:
            number = first
            for cells in top[at + 1 :]:
                yield number, cells
                number += 1
            for row in rows:
                yield number, _cleaned(row)
                number += 1

        total = sheet.height - at - 1 if sheet.height else None
        yield RosterSheet(tuple(header), data(), total, start + at + 1)
    finally:
        workbook.close()


# --- parsing cells ----------------------------------------------------------------------------


class _Invalid:
    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return " ".join(str(value).split())


def _limited(max_len: int) -> Callable[[object], Any]:
    def parse(value: object) -> str | _Invalid:
        text = _text(value)
        if len(text) > max_len:
            return _Invalid(f"不能超过{max_len}个字（现在{len(text)}个）")
        return text

    return parse


def _name(value: object) -> str | _Invalid:
    text = "".join(_text(value).split())
    if len(text) > 32:
        return _Invalid("姓名不能超过32个字")
    if any(ch.isdigit() for ch in text):
        return _Invalid("姓名里不应有数字")
    return text


def _roster_no(value: object) -> str | _Invalid:
    text = "".join(_text(value).split())
    if len(text) > 32:
        return _Invalid("户编号不能超过32个字符")
    return text


def _relation(value: object) -> str | _Invalid:
    text = "".join(_text(value).split())
    if text == "本人":
        return HEAD
    if len(text) > 16:
        return _Invalid("不能超过16个字")
    return text


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")


def _phone(value: object) -> str | _Invalid:
    if isinstance(value, float):
        if not value.is_integer():
            return _Invalid("手机号格式不对")
        value = int(value)
    digits = re.sub(r"[\s\-－()（）]", "", str(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086") and len(digits) == 15:
        digits = digits[4:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    if digits.isdigit() and digits.startswith("1"):
        return _Invalid(f"手机号应为11位数字，以13到19开头（现在{len(digits)}位）")
    return _Invalid("手机号格式不对：填11位手机号，或带区号的固定电话")


def _number_text(value: object) -> str | _Invalid:
    if isinstance(value, bool):
        return _Invalid("应填数字")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = "".join(str(value).split()).replace(",", "").replace("，", "")
    for unit in ("平方米", "平米", "㎡", "元", "人", "口", "套", "次"):
        if text.endswith(unit):
            return text[: -len(unit)]
    return text


_CENT = Decimal("0.01")


def _decimal(limit: int) -> Callable[[object], Any]:
    """A non-negative amount below ``limit``, rounded to 2 places as the column stores it."""

    def parse(value: object) -> Decimal | _Invalid:
        text = _number_text(value)
        if isinstance(text, _Invalid):
            return text
        try:
            number = Decimal(text)
        except InvalidOperation:
            return _Invalid(f"应填数字，现在是“{_text(value)}”")
        if not number.is_finite():
            return _Invalid("应填数字")
        if number < 0:
            return _Invalid("不能是负数")
        number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
        if number >= limit:
            return _Invalid(f"数值过大（应小于{limit}）")
        return number

    return parse


def _count(maximum: int, minimum: int = 0) -> Callable[[object], Any]:
    def parse(value: object) -> int | _Invalid:
        text = _number_text(value)
        if isinstance(text, _Invalid):
            return text
        try:
            number = Decimal(text)
        except InvalidOperation:
            return _Invalid(f"应填整数，现在是“{_text(value)}”")
        if not number.is_finite() or number != number.to_integral_value():
            return _Invalid(f"应填整数，现在是“{_text(value)}”")
        count = int(number)
        if not minimum <= count <= maximum:
            return _Invalid(f"应在{minimum}到{maximum}之间")
        return count

    return parse


def _degrees(low: float, high: float) -> Callable[[object], Any]:
    def parse(value: object) -> float | _Invalid:
        if isinstance(value, bool):
            return _Invalid("应填十进制度数")
        try:
            number = float(value) if isinstance(value, (int, float)) else float(_text(value))
        except ValueError:
            return _Invalid(f"应填十进制度数，现在是“{_text(value)}”")
        if not low <= number <= high:
            return _Invalid(f"应在{low:g}到{high:g}之间")
        return number

    return parse


_SEPARATORS = re.compile(r"[;；、,，/\s]+")


def _choice(enum: type[Enum], aliases: dict[str, Any] | None = None) -> Callable[[object], Any]:
    mapping: dict[str, Any] = {m.label: m.value for m in enum}  # type: ignore[attr-defined]
    mapping.update(aliases or {})
    allowed = "、".join(m.label for m in enum)  # type: ignore[attr-defined]

    def parse(value: object) -> Any:
        text = "".join(_text(value).split())
        if text in mapping:
            return mapping[text]
        return _Invalid(f"“{text}”不是可填写的值（可填：{allowed}）")

    return parse


def _choices(enum: type[Enum], hints: dict[str, str] | None = None) -> Callable[[object], Any]:
    """Several labels; returns the values in the enum's order, without repeats."""
    mapping: dict[str, str] = {m.label: m.value for m in enum}  # type: ignore[attr-defined]
    order = {m.value: i for i, m in enumerate(enum)}
    allowed = "、".join(m.label for m in enum)  # type: ignore[attr-defined]

    def parse(value: object) -> tuple[str, ...] | _Invalid:
        found: set[str] = set()
        for part in _SEPARATORS.split(_text(value)):
            if not part:
                continue
            if part not in mapping:
                hint = (hints or {}).get(part)
                return _Invalid(hint or f"“{part}”不是可填写的值（可填：{allowed}）")
            found.add(mapping[part])
        return tuple(sorted(found, key=order.__getitem__))

    return parse


_GRADE_ALIASES = {
    **{word: grade for grade, word in enumerate(_GRADES, start=1)},
    **{word[0]: grade for grade, word in enumerate(_GRADES, start=1)},
    **{str(grade): grade for grade in range(1, 5)},
    **{f"{grade}级": grade for grade in range(1, 5)},
}


def _grade(value: object) -> int | _Invalid:
    text = _text(value).replace(" ", "")
    if text in _GRADE_ALIASES:
        return _GRADE_ALIASES[text]
    return _Invalid(f"“{text}”不是残疾等级（可填：一级、二级、三级、四级）")


_YES = {"有", "是", "Y", "YES", "1", "TRUE", "√"}
_NO = {"无", "否", "没有", "N", "NO", "0", "FALSE", "×"}


def _yes_no(value: object) -> bool | _Invalid:
    text = "".join(_text(value).split()).upper()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return _Invalid(f"“{text}”应填“有”或“无”")


_NONE_WORDS = {"无": None, "没有": None}

PARSERS: dict[str, Callable[[object], Any]] = {
    "town": _limited(32),
    "village": _limited(32),
    "roster_no": _roster_no,
    "head_name": _name,
    "address": _limited(100),
    "name": _name,
    "relation": _relation,
    "phone": _phone,
    "groups": _choices(TargetGroup, {"特困人员": "请写明“分散供养特困人员”或“集中供养特困人员”"}),
    "illness": _choice(IllnessKind, {"无": IllnessKind.NONE.value, "没有": IllnessKind.NONE.value}),
    "disability_kind": _choice(DisabilityKind, _NONE_WORDS),
    "disability_grade": _grade,
    "self_care": _choice(SelfCare),
    "schooling": _choice(SchoolingStage, {"无": SchoolingStage.NONE.value}),
    "labour": _choice(LabourStatus, {"务农": LabourStatus.FARMING.value}),
    "monthly_income": _decimal(10**10),
    "monthly_rigid_expenditure": _decimal(10**10),
    "dwellings": _count(99),
    "floor_area": _decimal(10**8),
    "family_structures": _choices(FamilyStructure),
    "has_social_security": _yes_no,
    "social_activities": _decimal(10**4),
    "youth_problems": _choices(YouthProblem),
    "size": _count(99, minimum=1),
    "latitude": _degrees(-90, 90),
    "longitude": _degrees(-180, 180),
}
"""Column key -> cell parser (everything but 身份证号, which needs the day)."""

DEFAULTS: dict[str, Any] = {
    "phone": None,
    "groups": (),
    "illness": IllnessKind.NONE.value,
    "disability_kind": None,
    "disability_grade": None,
    "self_care": SelfCare.INDEPENDENT.value,
    "schooling": SchoolingStage.NONE.value,
    "monthly_rigid_expenditure": Decimal("0.00"),
    "youth_problems": (),
    "latitude": None,
    "longitude": None,
}
"""What a blank optional cell means."""

_HOUSEHOLD_KEYS = tuple(c.key for c in COLUMNS if c.level is Level.HOUSEHOLD and c.key != "roster_no")
_MEMBER_KEYS = tuple(c.key for c in COLUMNS if c.level is Level.MEMBER and c.key != "id_number")


# --- validation (pure) ------------------------------------------------------------------------


class _Draft:
    """A household while its rows are read."""

    __slots__ = ("roster_no", "rows", "values", "raw", "value_rows", "area_rows", "members", "bad")

    def __init__(self, roster_no: str):
        self.roster_no = roster_no
        self.rows: list[int] = []
        self.values: dict[str, Any] = {}
        self.raw: dict[str, Any] = {}
        self.value_rows: dict[str, int] = {}
        self.area_rows: list[int] = []
        self.members: list[MemberRow] = []
        self.bad = False


@dataclass(frozen=True)
class _Layout:
    """Where each column is in this file, and how to read it."""

    household: list[tuple[str, int, str, Callable[[object], Any]]]
    member: list[tuple[str, int, str, Callable[[object], Any]]]
    member_defaults: dict[str, Any]
    roster_at: int
    id_at: int
    width: int

    @classmethod
    def of(cls, index: dict[str, int]) -> "_Layout":
        def columns(keys: tuple[str, ...]) -> list[tuple[str, int, str, Callable[[object], Any]]]:
            return [(k, index[k], BY_KEY[k].header, PARSERS[k]) for k in keys if k in index]

        return cls(
            household=columns(_HOUSEHOLD_KEYS),
            member=columns(_MEMBER_KEYS),
            member_defaults={k: DEFAULTS.get(k) for k in _MEMBER_KEYS if k not in index},
            roster_at=index["roster_no"],
            id_at=index["id_number"],
            width=max(index.values()) + 1,
        )


def _read_header(header: Sequence[object], header_row: int = 1) -> tuple[dict[str, int], list[RowError]]:
    """Column key -> position; missing required and doubled columns are errors of the header row."""
    errors: list[RowError] = []
    index: dict[str, int] = {}
    for position, text in enumerate(header):
        key = _header_key(text)
        if key is None:
            continue
        if key in index:
            errors.append(RowError(header_row, BY_KEY[key].header, f"表头中有两列都是“{BY_KEY[key].header}”"))
        index.setdefault(key, position)
    for column in COLUMNS:
        if column.required and column.key not in index:
            errors.append(RowError(header_row, column.header, "缺少这一列（表头名称须与模板一致）"))
    return index, errors


def validate(
    header: Sequence[object],
    rows: Iterable[tuple[int, Sequence[object]]],
    today: dt.date,
    known_villages: Container[tuple[str, str]] | None = None,
    progress: Progress | None = None,
    total: int | None = None,
    header_row: int = 1,
    town: str | None = None,
) -> Validation:
    """Parse and check every row; ``known_villages``: (乡镇, 村) pairs that exist (None: any);
    ``town``: the only town the rows may name (a town's own staff import its roster).

    Pure: reads nothing but its arguments. Every problem becomes a ``RowError``; a household
    is valid only if all its rows are.
    """
    index, errors = _read_header(header, header_row)
    if errors:
        return Validation([], sorted(errors, key=_error_order), 0, 0, [], header_row=header_row)
    layout = _Layout.of(index)
    drafts: dict[str, _Draft] = {}
    seen_ids: dict[str, int] = {}
    loose_rows: list[int] = []  # bad rows that belong to no household
    count = 0
    for row_no, cells in rows:
        if len(cells) < layout.width:
            cells = tuple(cells) + (None,) * (layout.width - len(cells))
        if all(_blank(v) for v in cells):
            continue
        count += 1
        if progress is not None and count % 2000 == 0:
            progress("读取", count, total)
        row_errors: list[RowError] = []
        draft = _draft_for(drafts, row_no, cells[layout.roster_at], row_errors)
        member = _read_member(layout, row_no, cells, today, seen_ids, row_errors)
        _read_household_values(layout, draft, row_no, cells, row_errors)
        if row_errors:
            errors.extend(row_errors)
            if draft is None:
                loose_rows.append(row_no)
            else:
                draft.bad = True
        if draft is not None and member is not None:
            draft.members.append(member)
    if progress is not None:
        progress("读取", count, count)

    households: list[HouseholdRow] = []
    invalid_rows = list(loose_rows)
    unknown_areas: set[tuple[str, str]] = set()
    for draft in drafts.values():
        household_errors = _check_household(draft, known_villages, unknown_areas, town)
        errors.extend(household_errors)
        if draft.bad or household_errors:
            invalid_rows.extend(draft.rows)
            continue
        households.append(_household(draft))
    errors.sort(key=_error_order)
    return Validation(households, errors, count, len(drafts), sorted(set(invalid_rows)), sorted(unknown_areas), header_row)


def _draft_for(drafts: dict[str, _Draft], row_no: int, raw: object, errors: list[RowError]) -> _Draft | None:
    """The household this row belongs to, by its 户编号; None when the number is missing or bad."""
    header = BY_KEY["roster_no"].header
    if _blank(raw):
        errors.append(RowError(row_no, header, "户编号为空"))
        return None
    roster_no = _roster_no(raw)
    if isinstance(roster_no, _Invalid):
        errors.append(RowError(row_no, header, roster_no.reason))
        return None
    draft = drafts.get(roster_no)
    if draft is None:
        draft = drafts[roster_no] = _Draft(roster_no)
    draft.rows.append(row_no)
    return draft


def _read_member(
    layout: _Layout, row_no: int, cells: Sequence[object], today: dt.date, seen_ids: dict[str, int], errors: list[RowError]
) -> MemberRow | None:
    """The member on this row; None when the row has an error that leaves no member to keep."""
    first_error = len(errors)
    values: dict[str, Any] = dict(layout.member_defaults)
    for key, at, header, parse in layout.member:
        raw = cells[at]
        value = DEFAULTS.get(key)
        if _blank(raw):
            if BY_KEY[key].required:
                errors.append(RowError(row_no, header, "必填，不能为空"))
        else:
            parsed = parse(raw)
            if isinstance(parsed, _Invalid):
                errors.append(RowError(row_no, header, parsed.reason))
            else:
                value = parsed
        values[key] = value
    grade_header, kind_header = BY_KEY["disability_grade"].header, BY_KEY["disability_kind"].header
    if values["disability_kind"] is not None and values["disability_grade"] is None and not any(e.column == grade_header for e in errors[first_error:]):
        errors.append(RowError(row_no, grade_header, "填了残疾类别，也要填残疾等级"))
    if values["disability_kind"] is None and values["disability_grade"] is not None:
        errors.append(RowError(row_no, kind_header, "填了残疾等级，也要填残疾类别"))

    id_header = BY_KEY["id_number"].header
    raw_id = cells[layout.id_at]
    if _blank(raw_id):
        errors.append(RowError(row_no, id_header, "必填，不能为空"))
        return None
    if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
        errors.append(RowError(row_no, id_header, "身份证号被存成了数字，末几位可能已丢失：请把这一列设为文本格式后重新填写"))
        return None
    parsed_id = parse_id_number(str(raw_id), today)
    if isinstance(parsed_id, IdNumberError):
        errors.append(RowError(row_no, id_header, parsed_id.label))
        return None
    first = seen_ids.setdefault(parsed_id.number, row_no)
    if first != row_no:
        errors.append(RowError(row_no, id_header, f"与第{first}行的身份证号重复"))
        return None
    if len(errors) > first_error:
        return None
    return MemberRow(
        row=row_no,
        name=values["name"],
        relation=values["relation"],
        id_number=parsed_id.number,
        birth_date=parsed_id.birth_date,
        phone=values["phone"],
        groups=values["groups"],
        illness=values["illness"],
        disability_kind=values["disability_kind"],
        disability_grade=values["disability_grade"],
        self_care=values["self_care"],
        schooling=values["schooling"],
        labour=values["labour"],
    )


def _read_household_values(layout: _Layout, draft: _Draft | None, row_no: int, cells: Sequence[object], errors: list[RowError]) -> None:
    """Household values on this row: the first row that fills one sets it, later rows must agree."""
    for key, at, header, parse in layout.household:
        raw = cells[at]
        if raw is None:
            continue
        if draft is not None and key in draft.raw and raw == draft.raw[key]:
            # the very cell value an earlier row of the household gave: nothing to parse again
            if key in ("town", "village"):
                draft.area_rows.append(row_no)
            continue
        if _blank(raw):
            continue
        value = parse(raw)
        if isinstance(value, _Invalid):
            errors.append(RowError(row_no, header, value.reason))
            continue
        if draft is None:
            continue
        if key in ("town", "village"):
            draft.area_rows.append(row_no)
        if key not in draft.values:
            draft.values[key], draft.raw[key], draft.value_rows[key] = value, raw, row_no
        elif draft.values[key] != value:
            errors.append(RowError(row_no, header, f"与第{draft.value_rows[key]}行填写的不一致（同一户的户级信息应相同）"))


_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}


def _error_order(error: RowError) -> tuple[int, int, str]:
    return (error.row, _COLUMN_ORDER.get(error.column, -1), error.reason)


def _check_household(draft: _Draft, known_villages: Container[tuple[str, str]] | None, unknown_areas: set[tuple[str, str]], town: str | None = None) -> list[RowError]:
    """The checks that need the whole household: required values, size, head, groups, area."""
    errors: list[RowError] = []
    first = draft.rows[0]
    values = draft.values
    for key in _HOUSEHOLD_KEYS:
        column = BY_KEY[key]
        if column.required and key not in values:
            errors.append(RowError(first, column.header, f"本户（户编号{draft.roster_no}）没有填写{column.header}"))
    if "size" in values and values["size"] != len(draft.rows):
        errors.append(
            RowError(
                draft.value_rows["size"],
                BY_KEY["size"].header,
                f"家庭人口填的是{values['size']}人，但表中户编号{draft.roster_no}有{len(draft.rows)}行成员",
            )
        )
    if ("latitude" in values) != ("longitude" in values):
        missing = "longitude" if "latitude" in values else "latitude"
        errors.append(RowError(first, BY_KEY[missing].header, "纬度和经度要一起填写"))
    if not draft.bad:
        heads = [m for m in draft.members if m.relation == HEAD]
        relation_header = BY_KEY["relation"].header
        if not heads:
            errors.append(RowError(first, relation_header, f"本户（户编号{draft.roster_no}）没有户主：须有一行“与户主关系”填“户主”"))
        for extra in heads[1:]:
            errors.append(RowError(extra.row, relation_header, f"本户已在第{heads[0].row}行有户主，每户只能有一个户主"))
        head_name = values.get("head_name")
        if heads and head_name is not None and heads[0].name != head_name:
            errors.append(
                RowError(
                    draft.value_rows["head_name"],
                    BY_KEY["head_name"].header,
                    f"户主姓名“{head_name}”与第{heads[0].row}行户主的姓名“{heads[0].name}”不一致",
                )
            )
        if not any(m.groups for m in draft.members):
            errors.append(RowError(first, BY_KEY["groups"].header, f"本户（户编号{draft.roster_no}）没有任何成员填写救助类别"))
    if town is not None and "town" in values and values["town"] != town:
        for row in sorted(set(draft.area_rows)):
            errors.append(RowError(row, BY_KEY["town"].header, f"这一户属于“{values['town']}”：{town}的工作人员只能导入本乡镇的名单"))
        return errors
    if known_villages is not None and "town" in values and "village" in values:
        pair = (values["town"], values["village"])
        if pair not in known_villages:
            unknown_areas.add(pair)
            for row in sorted(set(draft.area_rows)):
                errors.append(RowError(row, BY_KEY["village"].header, f"系统中没有“{pair[0]}{pair[1]}”这个村（社区），请核对乡镇和村的名称"))
    return errors


def _household(draft: _Draft) -> HouseholdRow:
    v = draft.values
    return HouseholdRow(
        roster_no=draft.roster_no,
        town=v["town"],
        village=v["village"],
        head_name=v["head_name"],
        address=v["address"],
        size=v["size"],
        monthly_income=v["monthly_income"],
        monthly_rigid_expenditure=v.get("monthly_rigid_expenditure", DEFAULTS["monthly_rigid_expenditure"]),
        dwellings=v["dwellings"],
        floor_area=v["floor_area"],
        family_structures=v["family_structures"],
        has_social_security=v["has_social_security"],
        social_activities=v["social_activities"],
        youth_problems=v.get("youth_problems", ()),
        latitude=v.get("latitude"),
        longitude=v.get("longitude"),
        members=draft.members,
    )


UNREADABLE = "无法打开：这不是有效的Excel工作簿（.xlsx 或 .xls）。请用Excel或WPS打开后另存为 .xlsx 再上传"


def load_roster(
    path: str | Path,
    today: dt.date,
    known_villages: Container[tuple[str, str]] | None = None,
    progress: Progress | None = None,
    town: str | None = None,
) -> Validation:
    """Read and validate a roster file; an unreadable file is one ``RowError`` at row 0."""
    try:
        with open_roster(path) as sheet:
            if not any(not _blank(v) for v in sheet.header):
                return Validation([], [RowError(0, "", "文件的第一个工作表是空的")], 0, 0, [])
            return validate(sheet.header, sheet.rows, today, known_villages, progress, sheet.total, sheet.header_row, town)
    except UnreadableRoster:
        return Validation([], [RowError(0, "", UNREADABLE)], 0, 0, [])


# --- facts for the rules ----------------------------------------------------------------------


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def household_facts_of(household: HouseholdRow, today: dt.date) -> HouseholdFacts:
    """The rules' facts from a roster household (the same as ``households.household_facts``)."""
    members = tuple(
        MemberFacts(
            age=_age(m.birth_date, today),
            groups=frozenset(TargetGroup(g) for g in m.groups),
            illness=IllnessKind(m.illness),
            disability=Disability(DisabilityKind(m.disability_kind), m.disability_grade) if m.disability_kind and m.disability_grade else None,
            self_care=SelfCare(m.self_care),
            schooling=SchoolingStage(m.schooling),
            labour=LabourStatus(m.labour),
        )
        for m in household.members
    )
    return HouseholdFacts(
        members=members,
        monthly_income=household.monthly_income,
        monthly_rigid_expenditure=household.monthly_rigid_expenditure,
        dwellings=household.dwellings,
        floor_area=household.floor_area,
        family_structures=frozenset(FamilyStructure(s) for s in household.family_structures),
        has_social_security=household.has_social_security,
        social_activities_per_person_per_month=household.social_activities,
        youth_problems=frozenset(YouthProblem(p) for p in household.youth_problems),
    )


# --- the use case -----------------------------------------------------------------------------


def area_ids(db: Session) -> dict[tuple[str, str], int]:
    """(乡镇, 村) -> village id, for every village in the system."""
    rows = db.execute(select(Town.name, Village.name, Village.id).join(Village, Village.town_id == Town.id))
    return {(town, village): village_id for town, village, village_id in rows}


def import_roster(
    db: Session,
    cipher: DataCipher,
    path: str | Path,
    *,
    today: dt.date,
    now: dt.datetime,
    skip_invalid: bool = False,
    create_areas: bool = False,
    progress: Progress | None = None,
    town: str | None = None,
) -> ImportReport:
    """Import a roster file in the caller's transaction, then assess the imported households.

    Writes nothing when any row is invalid, unless ``skip_invalid`` (then the valid households
    are imported and ``invalid_rows`` lists the rest). ``create_areas`` adds towns and villages
    the system does not know instead of refusing their rows; ``town``: rows of any other town
    are errors (a town's staff import their own town only).
    """
    areas = area_ids(db)
    validation = load_roster(path, today, None if create_areas else areas, progress, town)
    report = ImportReport(
        rows=validation.rows,
        household_count=validation.household_count,
        errors=validation.errors,
        invalid_rows=validation.invalid_rows,
    )
    report.unknown_areas = validation.unknown_areas
    report.header_row = validation.header_row
    if any(e.row <= validation.header_row for e in validation.errors) or (validation.errors and not skip_invalid):
        return report
    save_households(db, cipher, validation.households, areas, report, today=today, now=now, progress=progress)
    report.imported = True
    return report


def save_households(
    db: Session,
    cipher: DataCipher,
    households: list[HouseholdRow],
    areas: dict[tuple[str, str], int],
    report: ImportReport,
    *,
    today: dt.date,
    now: dt.datetime,
    progress: Progress | None = None,
) -> None:
    """Create, update or leave each household and member; then assess. Counts go to ``report``."""
    _create_missing_areas(db, households, areas, report)
    household_ids, existed = _save_household_rows(db, cipher, households, areas, report, now, progress)
    _save_member_rows(db, cipher, households, household_ids, existed, report, today, progress)
    rule_set_id, thresholds = rule_set_on(db, today, now)
    catalogue = load_catalogue(db)
    report.catalogue_items = len(catalogue)
    report.assessments_created = assess_households(
        db, households, household_ids, existed, today=today, now=now, thresholds=thresholds, catalogue=catalogue, rule_set_id=rule_set_id, progress=progress
    )


def _create_missing_areas(db: Session, households: list[HouseholdRow], areas: dict[tuple[str, str], int], report: ImportReport) -> None:
    missing = sorted({(h.town, h.village) for h in households} - set(areas))
    if not missing:
        return
    towns = {name for name, in db.execute(select(Town.name))}
    for town_name, village_name in missing:
        if town_name not in towns:
            report.towns_created += 1
            towns.add(town_name)
        town = get_or_create_town(db, town_name)
        areas[(town_name, village_name)] = get_or_create_village(db, town, village_name).id
        report.villages_created += 1


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def among(db: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter, not thousands."""
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def bulk_insert(db: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) in the session's transaction.

    On PostgreSQL through ``COPY … FROM STDIN``: several times faster than SQLAlchemy's
    multi-row INSERT, whose long statements psycopg spends most of its time parsing.
    Elsewhere (SQLite in development) a Core ``insert()`` with the list.
    """
    if not rows:
        return
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        db.execute(insert(table), rows)
        return
    names = list(rows[0])
    encode = [isinstance(table.c[name].type, JSON) for name in names]
    dumps = json.dumps
    columns = ", ".join(f'"{name}"' for name in names)
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([dumps(row[name]) if as_json else row[name] for name, as_json in zip(names, encode)])


_H_TABLE = Household.__table__
_M_TABLE = Member.__table__
_A_TABLE = Assessment.__table__

_HOUSEHOLD_FIELDS = (
    "village_id",
    "head_name",
    "latitude",
    "longitude",
    "monthly_income",
    "monthly_rigid_expenditure",
    "dwellings",
    "floor_area",
    "family_structures",
    "has_social_security",
    "social_activities_per_month",
    "youth_problems",
)
"""Compared one by one; the address is compared after decryption."""

_MEMBER_FIELDS = (
    "household_id",
    "name",
    "phone_hash",
    "birth_date",
    "relation",
    "groups",
    "illness",
    "disability_kind",
    "disability_grade",
    "self_care",
    "schooling",
    "labour",
)


def _household_values(h: HouseholdRow, village_id: int) -> dict[str, Any]:
    return {
        "village_id": village_id,
        "head_name": h.head_name,
        "latitude": h.latitude,
        "longitude": h.longitude,
        "monthly_income": h.monthly_income,
        "monthly_rigid_expenditure": h.monthly_rigid_expenditure,
        "dwellings": h.dwellings,
        "floor_area": h.floor_area,
        "family_structures": list(h.family_structures),
        "has_social_security": h.has_social_security,
        "social_activities_per_month": h.social_activities,
        "youth_problems": list(h.youth_problems),
    }


def _save_household_rows(
    db: Session,
    cipher: DataCipher,
    households: list[HouseholdRow],
    areas: dict[tuple[str, str], int],
    report: ImportReport,
    now: dt.datetime,
    progress: Progress | None,
) -> tuple[dict[str, int], set[int]]:
    """roster_no -> household id after inserting the new and updating the changed; and the ids
    of the households that existed before."""
    columns = [_H_TABLE.c.id, _H_TABLE.c.roster_no, _H_TABLE.c.address_enc, *(_H_TABLE.c[f] for f in _HOUSEHOLD_FIELDS)]
    ids: dict[str, int] = {}
    existed: set[int] = set()
    total = len(households)
    done = 0
    for chunk in _chunks(households):
        existing = {row.roster_no: row for row in db.execute(select(*columns).where(among(db, _H_TABLE.c.roster_no, [h.roster_no for h in chunk])))}
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for h in chunk:
            values = _household_values(h, areas[(h.town, h.village)])
            old = existing.get(h.roster_no)
            if old is None:
                values.update(roster_no=h.roster_no, address_enc=cipher.encrypt(h.address), created_at=now)
                inserts.append(values)
                continue
            ids[h.roster_no] = old.id
            existed.add(old.id)
            changed = any(getattr(old, f) != values[f] for f in _HOUSEHOLD_FIELDS)
            same_address = cipher.decrypt(old.address_enc) == h.address
            if changed or not same_address:
                values.update(id=old.id, address_enc=old.address_enc if same_address else cipher.encrypt(h.address))
                updates.append(values)
            else:
                report.households_unchanged += 1
        if inserts:
            bulk_insert(db, _H_TABLE, inserts)
            query = select(_H_TABLE.c.roster_no, _H_TABLE.c.id).where(among(db, _H_TABLE.c.roster_no, [row["roster_no"] for row in inserts]))
            ids.update((roster_no, household_id) for roster_no, household_id in db.execute(query))
            report.households_created += len(inserts)
        if updates:
            db.execute(update(Household), updates)
            report.households_updated += len(updates)
        done += len(chunk)
        if progress is not None:
            progress("写入户", done, total)
    return ids, existed


def _save_member_rows(
    db: Session,
    cipher: DataCipher,
    households: list[HouseholdRow],
    household_ids: dict[str, int],
    existed: set[int],
    report: ImportReport,
    today: dt.date,
    progress: Progress | None,
) -> None:
    pairs = [(h, m) for h in households for m in h.members]
    total = len(pairs)
    done = 0
    blind = cipher.blind_index
    file_hashes: set[str] = set()
    columns = [_M_TABLE.c.id, _M_TABLE.c.id_number_hash, _M_TABLE.c.phone_enc, *(_M_TABLE.c[f] for f in _MEMBER_FIELDS if f != "phone_hash"), _M_TABLE.c.phone_hash]
    for chunk in _chunks(pairs):
        hashes = [blind(m.id_number) for _, m in chunk]
        file_hashes.update(hashes)
        existing = {row.id_number_hash: row for row in db.execute(select(*columns).where(among(db, _M_TABLE.c.id_number_hash, hashes)))}
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for (h, m), id_hash in zip(chunk, hashes):
            values = {
                "household_id": household_ids[h.roster_no],
                "name": m.name,
                "phone_hash": blind(m.phone) if m.phone else None,
                "birth_date": m.birth_date,
                "relation": m.relation,
                "groups": list(m.groups),
                "illness": m.illness,
                "disability_kind": m.disability_kind,
                "disability_grade": m.disability_grade,
                "self_care": m.self_care,
                "schooling": m.schooling,
                "labour": m.labour,
            }
            old = existing.get(id_hash)
            if old is None:
                values.update(
                    id_number_enc=cipher.encrypt(m.id_number),
                    id_number_hash=id_hash,
                    phone_enc=cipher.encrypt(m.phone) if m.phone else None,
                    registered_on=today,
                )
                inserts.append(values)
            elif any(getattr(old, f) != values[f] for f in _MEMBER_FIELDS):
                same_phone = old.phone_hash == values["phone_hash"]
                values.update(id=old.id, phone_enc=old.phone_enc if same_phone else (cipher.encrypt(m.phone) if m.phone else None))
                updates.append(values)
            else:
                report.members_unchanged += 1
        if inserts:
            bulk_insert(db, _M_TABLE, inserts)
            report.members_created += len(inserts)
        if updates:
            db.execute(update(Member), updates)
            report.members_updated += len(updates)
        done += len(chunk)
        if progress is not None:
            progress("写入成员", done, total)
    # members stored under an imported household but not in the file: reported, not touched
    stale: set[int] = set()
    by_id = {household_ids[h.roster_no]: h.roster_no for h in households if household_ids[h.roster_no] in existed}
    for chunk in _chunks(list(by_id)):
        query = select(_M_TABLE.c.household_id, _M_TABLE.c.id_number_hash).where(among(db, _M_TABLE.c.household_id, chunk))
        for household_id, id_hash in db.execute(query):
            if id_hash not in file_hashes:
                report.stale_members += 1
                stale.add(household_id)
    report.stale_roster_nos = sorted(by_id[i] for i in stale)


def latest_results(db: Session, household_ids: Sequence[int]) -> dict[int, tuple[dict, int | None]]:
    """household id -> (``result``, rule set id) of its latest assessment, for the given households."""
    rank = func.row_number().over(partition_by=_A_TABLE.c.household_id, order_by=(_A_TABLE.c.assessed_at.desc(), _A_TABLE.c.id.desc())).label("rank")
    latest: dict[int, tuple[dict, int | None]] = {}
    for chunk in _chunks(list(household_ids)):
        ranked = select(_A_TABLE.c.household_id, _A_TABLE.c.result, _A_TABLE.c.rule_set_id, rank).where(among(db, _A_TABLE.c.household_id, chunk)).subquery()
        for household_id, result, rule_set in db.execute(select(ranked.c.household_id, ranked.c.result, ranked.c.rule_set_id).where(ranked.c.rank == 1)):
            latest[household_id] = (result, rule_set)
    return latest


def assess_households(
    db: Session,
    households: list[HouseholdRow],
    household_ids: dict[str, int],
    existed: set[int] | None = None,
    *,
    today: dt.date,
    now: dt.datetime,
    thresholds: Thresholds,
    catalogue: Catalogue,
    rule_set_id: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Assess each household; store an ``Assessment`` where the result (or the rule set) changed.
    Returns how many.

    ``existed``: the households that may have an earlier assessment (None: any of them).
    """
    created = 0
    total = len(households)
    done = 0
    for chunk in _chunks(households, 2000):
        ids = [household_ids[h.roster_no] for h in chunk]
        latest = latest_results(db, ids if existed is None else [i for i in ids if i in existed])
        rows: list[dict[str, Any]] = []
        for h in chunk:
            household_id = household_ids[h.roster_no]
            outcome = assess(household_facts_of(h, today), thresholds, catalogue)
            result = outcome.to_dict()
            if latest.get(household_id) == (result, rule_set_id):
                continue
            rows.append(
                {
                    "household_id": household_id,
                    "assessed_at": now,
                    "assessor": ASSESSOR,
                    "result": result,
                    "distressed_count": outcome.distressed_count,
                    "level": outcome.level.value,
                    "suggested_services": list(outcome.suggested_services),
                    "rule_set_id": rule_set_id,
                }
            )
        if rows:
            bulk_insert(db, _A_TABLE, rows)
            created += len(rows)
        done += len(chunk)
        if progress is not None:
            progress("评估", done, total)
    return created


# --- the template, the sample and the error report --------------------------------------------


def _header_row(sheet: Any) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    for position, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=position, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7" if column.level is Level.HOUSEHOLD else "E2EFDA")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width
        if column.as_text:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"


def _dropdowns(sheet: Any, last_row: int = 5000) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for position, column in enumerate(COLUMNS, start=1):
        if not column.choices or column.multiple:
            continue
        rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
        rule.error = f"请从列表中选择{column.header}"
        rule.showErrorMessage = True
        letter = get_column_letter(position)
        rule.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(rule)


def _instructions(workbook: Any) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet("说明")
    sheet.append(["列名", "按户/按人", "是否必填", "填写说明", "可填写的值"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        required = "必填" if column.required else "选填"
        if column.key == "roster_no":
            required = "每行必填"
        elif column.level is Level.HOUSEHOLD and column.required:
            required = "必填（同户填一行即可）"
        sheet.append([column.header, column.level.label, required, column.note, "、".join(column.choices)])
    notes = [
        "",
        "填写规则：",
        "1. 一行一个家庭成员；同一户的成员填同一个户编号，户级信息（“按户”的列）可以每行都填，也可以只填一行，每行都填时必须一致。",
        "2. 表头（第1行）不要改动；红字列为必填。行号以Excel左侧的行号为准，导入时按行号报告错误。",
        "3. 身份证号、手机号、户编号请用文本格式填写，出生日期从身份证号读取。",
        "4. 有一行错误时整个文件都不导入（可用 --skip-invalid 只导入正确的户，并生成未导入清单）。重复导入同一文件不会产生重复数据。",
    ]
    for line in notes:
        sheet.append([line])
    widths = {"A": 16, "B": 10, "C": 20, "D": 60, "E": 60}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _roster_workbook(rows: Iterable[Sequence[object]] = ()) -> Any:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    _header_row(sheet)
    for row in rows:
        sheet.append(list(row))
    _dropdowns(sheet)
    _instructions(workbook)
    return workbook


def write_template(path: str | Path) -> Path:
    """The empty roster template: header row, dropdowns, and the 说明 sheet."""
    path = Path(path)
    _roster_workbook().save(path)
    return path


def sample_rows() -> list[list[object]]:
    """Three fictitious households in real Huoshan towns, in ``COLUMNS`` order."""
    region = "341525"  # 霍山县

    def member(household: dict, name: str, relation: str, born: dt.date, seq: int, **fields: object) -> list[object]:
        values = {**household, "name": name, "relation": relation, "id_number": make_id_number(region, born, seq), **fields}
        return [values.get(c.key) for c in COLUMNS]

    wang = {
        "town": "衡山镇", "village": "城北村", "roster_no": "HS2026000101", "head_name": "王桂英",
        "address": "衡山镇城北村3组12号", "monthly_income": 650, "monthly_rigid_expenditure": 120,
        "dwellings": 1, "floor_area": 45, "family_structures": "留守家庭", "has_social_security": "有",
        "social_activities": 0.5, "size": 1, "latitude": 31.4051, "longitude": 116.3332,
    }
    chen = {
        "town": "佛子岭镇", "village": "佛子岭村", "roster_no": "FZL2026000207", "head_name": "陈建国",
        "address": "佛子岭镇佛子岭村5组8号", "monthly_income": 1800, "monthly_rigid_expenditure": 1200,
        "dwellings": 1, "floor_area": 90, "family_structures": "核心家庭", "has_social_security": "有",
        "social_activities": 1, "size": 3,
    }
    li = {
        "town": "下符桥镇", "village": "下符桥村", "roster_no": "XFQ2026000033", "head_name": "李德福",
        "address": "下符桥镇下符桥村2组21号", "monthly_income": 900, "monthly_rigid_expenditure": 200,
        "dwellings": 1, "floor_area": 60, "family_structures": "隔代家庭", "has_social_security": "有",
        "social_activities": 0.5, "youth_problems": "青少年心理问题", "size": 2,
    }
    return [
        member(wang, "王桂英", "户主", dt.date(1948, 3, 15), 22, phone="13900000001", groups="低保对象;老年人",
               illness="慢性病", self_care="半失能", labour="无劳动能力"),
        member(chen, "陈建国", "户主", dt.date(1974, 8, 2), 51, phone="13900000002", groups="低保对象;残疾人",
               disability_kind="肢体残疾", disability_grade="二级", labour="其他未就业"),
        member(chen, "刘秀兰", "配偶", dt.date(1976, 1, 20), 64, illness="慢性病", groups="低保对象",
               labour="因照料重病重残婴幼儿未就业"),
        member(chen, "陈晓雨", "女", dt.date(2009, 9, 1), 82, groups="低保对象;未成年人", schooling="高中",
               labour="无劳动能力"),
        member(li, "李德福", "户主", dt.date(1944, 11, 5), 13, phone="05645021234", groups="分散供养特困人员;老年人",
               illness="重大疾病", self_care="失能", labour="无劳动能力"),
        member(li, "李小军", "孙子", dt.date(2012, 5, 30), 35, groups="未成年人", schooling="初中", labour="无劳动能力"),
    ]


def write_sample(path: str | Path) -> Path:
    """The template filled with ``sample_rows``."""
    path = Path(path)
    _roster_workbook([list(r) for r in sample_rows()]).save(path)
    return path


def _as_text(sheet: Any, value: object) -> object:
    """A text that starts with "=" stays text (openpyxl would store it as a formula)."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_error_report(source: str | Path, errors: Sequence[RowError], invalid_rows: Sequence[int], path: str | Path) -> Path:
    """The rows that were not imported, with their reasons: sheet "未导入" holds the original
    columns plus 原行号 and 错误原因 (fix them and import this file again; the two extra columns
    are ignored), sheet "错误明细" one line per error. Written row by row (openpyxl's write-only
    mode), so memory stays flat however many rows are wrong."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    reasons: dict[int, list[str]] = {}
    for error in errors:
        reasons.setdefault(error.row, []).append(f"{error.column + '：' if error.column else ''}{error.reason}")
    wanted = set(invalid_rows)
    workbook = Workbook(write_only=True)
    rejected = workbook.create_sheet("未导入")
    rejected.freeze_panes = "A2"
    bold = Font(bold=True)

    def heading(sheet: Any, names: Sequence[object]) -> None:
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            if isinstance(name, str) and name.startswith("="):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)

    try:
        with open_roster(source) as sheet:
            header = list(sheet.header)
            while header and _blank(header[-1]):
                header.pop()
            heading(rejected, [*header, "原行号", "错误原因"])
            width = len(header)
            for row_no, cells in sheet.rows:
                if row_no in wanted:
                    values = [_as_text(rejected, v) for v in cells[:width]] + [None] * max(0, width - len(cells))
                    why = reasons.get(row_no) or ["同一户的其他行有错误，整户未导入"]
                    rejected.append([*values, row_no, "；".join(why)])
    except UnreadableRoster:
        heading(rejected, ["原行号", "错误原因"])
    detail = workbook.create_sheet("错误明细")
    detail.column_dimensions["C"].width = 80
    heading(detail, ["行号", "列", "原因"])
    for error in errors:
        detail.append([error.row, error.column, error.reason])
    path = Path(path)
    workbook.save(path)
    return path
