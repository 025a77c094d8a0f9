"""The needs ledger export: one town, one row per household, printable, no ID numbers."""

from __future__ import annotations

import datetime as dt
import re

from openpyxl import load_workbook

from reports import needs_ledger as ledger
from models.areas import find_village
from models.households.households import Household, Member
from policy.assessment import Indicator
from roster import import_roster
from tests.models.conftest import NOW, SAMPLE, TODAY, col, sample

EXPORTED_ON = dt.date(2026, 12, 1)
ID_LIKE = re.compile(r"\d{17}[\dXx]")


def import_sample_and_an_unassessed_household(ctx) -> None:
    with ctx.Session.begin() as db:
        assert import_roster(db, ctx.cipher, SAMPLE, today=TODAY, now=NOW).imported
        village = find_village(db, "衡山镇", "城北村")
        household = Household(village=village, roster_no="HS2026000001", head_name="周明", address_enc=ctx.cipher.encrypt("衡山镇城北村9组1号"))
        household.members.append(Member(name="周明", id_number_enc=ctx.cipher.encrypt("X"), id_number_hash="h-zhou", birth_date=dt.date(1950, 1, 1)))
        db.add(household)


def export(ctx, tmp_path, town: str = "衡山镇"):
    path = tmp_path / "needs.xlsx"
    with ctx.Session() as db:
        count = ledger.export_needs_ledger(db, ledger.find_town(db, town), path, EXPORTED_ON)
    return count, load_workbook(path)["需求台账"]


def test_the_needs_ledger_has_one_row_per_household_of_the_town(county, tmp_path):
    ctx = county
    import_sample_and_an_unassessed_household(ctx)
    count, sheet = export(ctx, tmp_path)
    assert count == 2

    assert sheet["A1"].value == "霍山县服务类社会救助需求台账（衡山镇）"
    assert sheet["A2"].value == "导出日期：2026年12月1日"
    front = [sheet.cell(3, c).value for c in range(1, 6)]
    assert front == ["序号", "村（社区）", "户编号", "户主", "家庭人口"]
    assert [sheet.cell(4, c).value for c in range(6, 16)] == [i.label for i in Indicator]
    assert [sheet.cell(3, c).value for c in (6, 8, 10, 11, 12, 14)] == ["物质维度", "健康维度", "教育维度", "就业维度", "家庭照顾维度", "社会支持维度"]
    assert [sheet.cell(3, c).value for c in range(16, 21)] == ["困境数", "困境程度", "所需服务", "评估日期", "评估规则"]
    assert sheet.max_column == len(ledger.COLUMNS) == 20

    data = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(data) == 2 and sheet.max_row == 6
    unassessed, wang = sorted(data, key=lambda r: r[2])
    assert wang[:5] == (2, "城北村", "HS2026000101", "王桂英", 1)
    marks = wang[5:15]
    assert set(marks) <= {"正常", "困境"} and marks.count("困境") == wang[15] == 5
    assert marks[0] == "困境" and marks[list(Indicator).index(Indicator.FAMILY_STRUCTURE)] == "困境"
    assert wang[16] == "中"
    assert wang[17].startswith("探访慰问、帮办代办") and "邻里互助" in wang[17]
    assert wang[18].date() == NOW.astimezone(ledger.LOCAL_TZ).date()
    assert wang[19] == "R1"  # the rule set the import assessed with, listed on the second sheet
    rules = list(sheet.parent["评估规则"].iter_rows(values_only=True))
    assert rules[0] == ("评估规则", "所用数值") and rules[1][0] == "R1" and "低保标准780元/人·月" in rules[1][1]
    assert unassessed[:5] == (1, "城北村", "HS2026000001", "周明", 1)
    assert unassessed[5:15] == ("未评估",) * 10 and unassessed[16] == "未评估"


def test_no_id_number_phone_or_address_appears(county, tmp_path):
    ctx = county
    import_sample_and_an_unassessed_household(ctx)
    for town in ("衡山镇", "佛子岭镇", "下符桥镇"):
        _, sheet = export(ctx, tmp_path, town)
        cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
        text = "\n".join(cells)
        assert not ID_LIKE.search(text)
        for row in sample():
            assert row[col("id_number")] not in text
            assert row[col("address")] not in text
            if row[col("phone")]:
                assert row[col("phone")] not in text
    assert "李德福" in text and "李小军" not in text  # heads only; the last town was 下符桥镇


def test_only_the_towns_households_are_listed(county, tmp_path):
    ctx = county
    import_sample_and_an_unassessed_household(ctx)
    count, sheet = export(ctx, tmp_path, "佛子岭镇")
    assert count == 1
    (row,) = sheet.iter_rows(min_row=5, values_only=True)
    assert row[1:5] == ("佛子岭村", "FZL2026000207", "陈建国", 3)
    assert "慈善救助" in row[17]


def test_the_ledger_is_set_up_for_print(county, tmp_path):
    ctx = county
    import_sample_and_an_unassessed_household(ctx)
    _, sheet = export(ctx, tmp_path)
    assert sheet.freeze_panes == "E5"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$3:$4"
    assert sheet.column_dimensions["R"].width >= 30
    assert "A1:T1" in {str(r) for r in sheet.merged_cells.ranges}


def test_cli_export_needs(app, county, tmp_path):
    import_sample_and_an_unassessed_household(county)
    runner = app.test_cli_runner()
    out = tmp_path / "衡山镇需求台账.xlsx"
    result = runner.invoke(args=["ledger", "export", "needs", "--town", "衡山镇", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "衡山镇需求台账：2 户" in result.output
    assert load_workbook(out)["需求台账"].max_row == 6
    unknown = runner.invoke(args=["ledger", "export", "needs", "--town", "城关镇", "--out", str(out)])
    assert unknown.exit_code != 0 and "衡山镇" in unknown.output and "城关镇" in unknown.output


def test_db_seed_loads_the_catalogue_once_and_keeps_edits(app, ctx):
    from models.catalogue.catalogue import ServiceItem

    runner = app.test_cli_runner()
    first = runner.invoke(args=["db", "seed"])
    assert first.exit_code == 0 and "11 items added" in first.output
    with ctx.Session.begin() as db:
        db.get(ServiceItem, "meals").name = "助餐服务"
    again = runner.invoke(args=["db", "seed"])
    assert "0 items added" in again.output
    with ctx.Session() as db:
        assert db.get(ServiceItem, "meals").name == "助餐服务"
