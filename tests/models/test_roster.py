"""Roster import: validation (pure), import into PostgreSQL, skip-invalid, re-import, the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

import roster
from models.catalogue.catalogue import load_catalogue, load_thresholds
from models.households.households import Assessment, Household, Member, household_facts
from policy.assessment import assess
from policy.identity import make_id_number
from roster import HEADERS, RowError, import_roster, load_roster, validate
from tests.models.conftest import NOW, SAMPLE, TEMPLATE, TODAY, col, sample, write_roster


def run_import(ctx, path, **kw):
    with ctx.Session.begin() as db:
        return import_roster(db, ctx.cipher, path, today=TODAY, now=NOW, **kw)


def counts(ctx) -> tuple[int, int, int]:
    with ctx.Session() as db:
        return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Household, Member, Assessment))


def where(errors: list[RowError]) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in errors}


def extra_household(roster_no: str = "HS2026000102", first_seq: int = 100) -> list[list[object]]:
    """A valid two-member household in 衡山镇城北村, household values only on its first row."""
    head = [None] * len(HEADERS)
    values = {
        "town": "衡山镇", "village": "城北村", "roster_no": roster_no, "head_name": "张秀梅",
        "address": "衡山镇城北村1组3号", "name": "张秀梅", "relation": "户主",
        "id_number": make_id_number("341525", dt.date(1960, 2, 2), first_seq), "groups": "低保边缘家庭成员",
        "labour": "从事劳动生产", "monthly_income": "1500元", "dwellings": 1, "floor_area": "70㎡",
        "family_structures": "单亲家庭", "has_social_security": "有", "social_activities": 1, "size": 2,
    }
    for key, value in values.items():
        head[col(key)] = value
    child = [None] * len(HEADERS)
    for key, value in {
        "roster_no": roster_no, "name": "张小雨", "relation": "女",
        "id_number": make_id_number("341525", dt.date(2014, 6, 1), first_seq + 2), "schooling": "小学",
        "labour": "无劳动能力", "groups": "未成年人",
    }.items():
        child[col(key)] = value
    return [head, child]


# --- validation (pure) ------------------------------------------------------------------------


def numbered(rows):
    return list(enumerate(rows, start=2))


def test_the_sample_is_valid():
    result = validate(HEADERS, numbered(sample()), TODAY)
    assert result.ok and result.rows == 6 and result.household_count == 3
    chen = next(h for h in result.households if h.head_name == "陈建国")
    assert chen.size == 3 and [m.row for m in chen.members] == [3, 4, 5]
    assert chen.members[0].birth_date == dt.date(1974, 8, 2)
    assert chen.members[0].groups == ("minimum_living", "disabled")
    assert chen.members[0].disability_kind == "physical" and chen.members[0].disability_grade == 2
    assert chen.monthly_rigid_expenditure == Decimal("1200.00")


def test_household_values_may_stand_on_one_row_only_like_a_merged_cell():
    result = validate(HEADERS, numbered(extra_household()), TODAY)
    assert result.ok, result.errors
    (household,) = result.households
    assert household.monthly_income == Decimal("1500.00") and household.floor_area == Decimal("70.00")
    assert household.monthly_rigid_expenditure == Decimal("0.00")  # blank is 0
    assert household.members[1].schooling == "primary" and household.members[1].illness == "none"


def test_rows_of_one_household_that_disagree_are_reported():
    rows = sample()
    rows[2][col("monthly_income")] = 9999  # 刘秀兰's row says another income than 陈建国's
    result = validate(HEADERS, numbered(rows), TODAY)
    assert [(e.row, e.column) for e in result.errors] == [(4, "家庭月收入")]
    assert "第3行" in result.errors[0].reason
    assert result.invalid_rows == [3, 4, 5]
    assert len(result.households) == 2


def test_blank_rows_are_skipped_and_row_numbers_stay_excel_row_numbers():
    rows = sample()
    rows[0][col("id_number")] = "34152519480315002"  # 17 characters
    result = validate(HEADERS, [(2, [None] * len(HEADERS)), (3, rows[0]), (4, ("",) * 3)], TODAY)
    assert where(result.errors) == {(3, "身份证号")}
    assert result.rows == 1


def test_missing_and_duplicated_headers_are_file_errors():
    header = [h for h in HEADERS if h not in ("身份证号", "家庭人口")] + ["乡镇", "备注"]
    result = validate(header, numbered(sample()), TODAY)
    assert where(result.errors) == {(1, "身份证号"), (1, "家庭人口"), (1, "乡镇")}
    assert result.households == []


def test_headers_are_found_by_name_in_any_order_and_with_aliases():
    order = list(reversed(range(len(HEADERS))))
    header = [HEADERS[i] for i in order]
    header[header.index("身份证号")] = "公民身份号码"
    header[header.index("村（社区）")] = "村(社区)*"
    rows = [[row[i] for i in order] for row in sample()]
    assert validate(header, numbered(rows), TODAY).ok


def test_unknown_village_is_refused_unless_areas_may_be_created():
    known = {("衡山镇", "城北村"), ("佛子岭镇", "佛子岭村")}
    result = validate(HEADERS, numbered(sample()), TODAY, known_villages=known)
    assert where(result.errors) == {(6, "村（社区）"), (7, "村（社区）")}
    assert "下符桥镇下符桥村" in result.errors[0].reason
    assert result.unknown_areas == [("下符桥镇", "下符桥村")]
    assert validate(HEADERS, numbered(sample()), TODAY, known_villages=None).ok


@pytest.mark.parametrize(
    "key, value, reason",
    [
        ("id_number", 341525197408020511, "存成了数字"),
        ("id_number", "341525197408020510", "校验位"),
        ("phone", "1390000000", "11位"),
        ("groups", "特困人员", "分散供养特困人员"),
        ("groups", "低保户", "不是可填写的值"),
        ("illness", "感冒", "可填：无疾病、慢性病"),
        ("disability_grade", "五级", "不是残疾等级"),
        ("disability_grade", None, "也要填残疾等级"),
        ("labour", None, "必填"),
        ("monthly_income", "一千", "应填数字"),
        ("monthly_income", -5, "负数"),
        ("dwellings", 1.5, "整数"),
        ("has_social_security", "不清楚", "有”或“无"),
        ("name", None, "必填"),
        ("latitude", 200, "-90到90"),
    ],
)
def test_each_bad_value_is_reported_with_its_column(key, value, reason):
    rows = sample()
    rows[1][col(key)] = value  # 陈建国, Excel row 3
    result = validate(HEADERS, numbered(rows), TODAY)
    header = roster.BY_KEY[key].header
    assert (3, header) in where(result.errors), result.errors
    assert any(reason in e.reason for e in result.errors if e.row == 3), result.errors
    assert 3 in result.invalid_rows


def test_household_checks_size_head_and_groups():
    rows = sample()
    rows[1][col("relation")] = "配偶"  # 陈 household loses its head
    rows[4][col("size")] = 3  # 李 household has 2 rows
    rows[5][col("size")] = 3
    rows[0][col("groups")] = None  # 王 household: nobody in a target group
    result = validate(HEADERS, numbered(rows), TODAY)
    assert where(result.errors) == {(2, "救助类别"), (3, "与户主关系"), (6, "家庭人口")}
    assert "有2行" in next(e.reason for e in result.errors if e.row == 6)


def test_duplicate_id_numbers_and_two_heads():
    rows = sample()
    rows[3][col("id_number")] = rows[2][col("id_number")]
    rows[5][col("relation")] = "本人"
    result = validate(HEADERS, numbered(rows), TODAY)
    assert where(result.errors) == {(5, "身份证号"), (7, "与户主关系")}
    assert "第4行" in next(e.reason for e in result.errors if e.row == 5)


def test_the_module_docstring_documents_every_column():
    for header in HEADERS:
        assert header in roster.__doc__


def test_the_committed_template_and_sample_match_the_layout():
    for path in (TEMPLATE, SAMPLE):
        workbook = load_workbook(path)
        assert workbook.sheetnames == ["名单", "说明"]
        assert tuple(c.value for c in workbook["名单"][1]) == HEADERS
        explained = [row[0] for row in workbook["说明"].iter_rows(min_row=2, max_row=len(HEADERS) + 1, values_only=True)]
        assert explained == list(HEADERS)
    template = load_workbook(TEMPLATE)["名单"]
    assert template.max_row == 1 and template.freeze_panes == "A2"
    dropdowns = {str(dv.sqref).split(":")[0] for dv in template.data_validations.dataValidation}
    single_choice = [i for i, c in enumerate(roster.COLUMNS, start=1) if c.choices and not c.multiple]
    assert dropdowns == {f"{get_column_letter(i)}2" for i in single_choice} and len(dropdowns) == 7
    result = load_roster(SAMPLE, TODAY)
    assert result.ok and result.rows == 6 and result.household_count == 3
    assert {h.town for h in result.households} == {"衡山镇", "佛子岭镇", "下符桥镇"}


def test_an_unreadable_file_is_one_error(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("not a workbook")
    result = load_roster(path, TODAY)
    assert [(e.row, e.column) for e in result.errors] == [(0, "")]


# --- import (PostgreSQL) ----------------------------------------------------------------------


def test_good_file_is_imported_encrypted_and_assessed(county):
    ctx = county
    report = run_import(ctx, SAMPLE)
    assert report.imported and report.errors == []
    assert (report.households_created, report.members_created, report.assessments_created) == (3, 6, 3)
    assert counts(ctx) == (3, 6, 3)

    with ctx.Session() as db:
        chen = db.scalar(select(Household).where(Household.roster_no == "FZL2026000207"))
        assert chen.village.full_name == "佛子岭镇佛子岭村"
        assert "佛子岭" not in chen.address_enc and ctx.cipher.decrypt(chen.address_enc) == "佛子岭镇佛子岭村5组8号"
        assert [m.name for m in chen.members] == ["陈建国", "刘秀兰", "陈晓雨"]
        head = chen.members[0]
        id_number = sample()[1][col("id_number")]
        assert id_number not in head.id_number_enc and ctx.cipher.decrypt(head.id_number_enc) == id_number
        assert head.id_number_hash == ctx.cipher.blind_index(id_number)
        assert head.phone_hash == ctx.cipher.blind_index("13900000002") and ctx.cipher.decrypt(head.phone_enc) == "13900000002"
        assert chen.members[1].phone_enc is None and chen.members[1].phone_hash is None
        assert head.birth_date == dt.date(1974, 8, 2) and head.relation == "户主"
        assert head.disability_kind == "physical" and head.disability_grade == 2

        # what the import stored is what the rules say about the stored household
        thresholds, catalogue = load_thresholds(db), load_catalogue(db)
        for household in db.scalars(select(Household)):
            stored = db.scalar(select(Assessment).where(Assessment.household_id == household.id))
            expected = assess(household_facts(household, TODAY), thresholds, catalogue)
            assert stored.result == expected.to_dict()
            assert stored.level == expected.level.value and stored.assessor == "import"
            assert stored.suggested_services == list(expected.suggested_services)
        levels = {h.roster_no: a.level for h, a in db.execute(select(Household, Assessment).join(Assessment))}
        assert levels == {"HS2026000101": "medium", "FZL2026000207": "medium", "XFQ2026000033": "high"}


def bad_file(tmp_path):
    """The sample with errors in every household, plus one more bad and one good household.

    row 2  王桂英   家庭人口 blank                                   -> (2, 家庭人口)
    row 3  陈建国   wrong check character                           -> (3, 身份证号)
    row 4  刘秀兰   fine, but her household is bad                  -> skipped only
    row 5  陈晓雨   ID typed as a number                            -> (5, 身份证号)
    row 6,7 李      unknown village                                 -> (6|7, 村（社区）)
    row 8  赵       家庭人口 2 for one row, unknown illness         -> (8, 家庭人口), (8, 疾病)
    row 9,10 张     valid
    """
    rows = sample()
    rows[0][col("size")] = None
    chen_id = rows[1][col("id_number")]
    rows[1][col("id_number")] = chen_id[:-1] + ("0" if chen_id[-1] != "0" else "1")
    rows[3][col("id_number")] = int(rows[3][col("id_number")][:-1])
    rows[4][col("village")] = rows[5][col("village")] = "不存在村"
    zhao = list(rows[0])
    zhao[col("roster_no")], zhao[col("name")], zhao[col("head_name")] = "HS2026000199", "赵大山", "赵大山"
    zhao[col("id_number")] = make_id_number("341525", dt.date(1950, 5, 5), 17)
    zhao[col("size")], zhao[col("illness")] = 2, "感冒"
    return write_roster(tmp_path / "bad.xlsx", [*rows, zhao, *extra_household()])


BAD_FILE_ERRORS = {(2, "家庭人口"), (3, "身份证号"), (5, "身份证号"), (6, "村（社区）"), (7, "村（社区）"), (8, "家庭人口"), (8, "疾病")}


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_error(county, tmp_path):
    ctx = county
    report = run_import(ctx, bad_file(tmp_path))
    assert not report.imported
    assert where(report.errors) == BAD_FILE_ERRORS
    assert report.invalid_rows == [2, 3, 4, 5, 6, 7, 8]
    assert report.unknown_areas == [("下符桥镇", "不存在村")]
    assert counts(ctx) == (0, 0, 0)
    assert all(str(e).startswith(f"第{e.row}行【{e.column}】：") for e in report.errors)


def test_skip_invalid_imports_the_good_households_and_reports_the_rest(county, tmp_path):
    ctx = county
    path = bad_file(tmp_path)
    report = run_import(ctx, path, skip_invalid=True)
    assert report.imported
    assert where(report.errors) == BAD_FILE_ERRORS
    assert (report.households_created, report.members_created, report.assessments_created) == (1, 2, 1)
    assert counts(ctx) == (1, 2, 1)

    out = roster.write_error_report(path, report.errors, report.invalid_rows, tmp_path / "rest.xlsx")
    workbook = load_workbook(out)
    rejected = list(workbook["未导入"].iter_rows(values_only=True))
    assert rejected[0] == (*HEADERS, "原行号", "错误原因")
    assert [r[-2] for r in rejected[1:]] == [2, 3, 4, 5, 6, 7, 8]
    by_row = {r[-2]: r[-1] for r in rejected[1:]}
    assert "同一户的其他行有错误" in by_row[4]
    assert "家庭人口" in by_row[8] and "疾病" in by_row[8]
    assert rejected[3][col("name")] == "刘秀兰"  # the original values are kept
    detail = list(workbook["错误明细"].iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[1]) for r in detail} == BAD_FILE_ERRORS
    # the report itself can be fixed and imported: its extra columns are ignored
    assert not any(e.row <= 1 for e in load_roster(out, TODAY).errors)


def test_create_areas_adds_the_missing_villages(ctx, tmp_path):
    report = run_import(ctx, SAMPLE, create_areas=True)
    assert report.imported and (report.towns_created, report.villages_created) == (3, 3)
    assert report.catalogue_items == 0  # not seeded: assessed, but no service suggested
    again = run_import(ctx, SAMPLE, create_areas=True)
    assert (again.towns_created, again.villages_created, again.households_unchanged) == (0, 0, 3)


def test_importing_the_same_file_again_changes_nothing(county, tmp_path):
    ctx = county
    first = run_import(ctx, SAMPLE)
    with ctx.Session() as db:
        before = {m.id: (m.id_number_enc, m.phone_enc, m.household_id) for m in db.scalars(select(Member))}
    again = run_import(ctx, SAMPLE)
    assert again.imported and again.errors == []
    assert (again.households_created, again.households_updated, again.households_unchanged) == (0, 0, 3)
    assert (again.members_created, again.members_updated, again.members_unchanged) == (0, 0, 6)
    assert again.assessments_created == 0 and again.stale_members == 0
    assert counts(ctx) == (3, 6, 3) and first.households_created == 3
    with ctx.Session() as db:
        assert {m.id: (m.id_number_enc, m.phone_enc, m.household_id) for m in db.scalars(select(Member))} == before


def test_a_changed_roster_updates_what_changed_and_reassesses_only_on_a_new_result(county, tmp_path):
    ctx = county
    run_import(ctx, SAMPLE)
    rows = sample()
    rows[0][col("monthly_income")] = 5000  # 王桂英: income indicator becomes normal
    rows[1][col("phone")] = "13900000099"  # 陈建国: new phone, same assessment
    report = run_import(ctx, write_roster(tmp_path / "changed.xlsx", rows))
    assert (report.households_created, report.households_updated, report.households_unchanged) == (0, 1, 2)
    assert (report.members_created, report.members_updated, report.members_unchanged) == (0, 1, 5)
    assert report.assessments_created == 1
    assert counts(ctx) == (3, 6, 4)
    with ctx.Session() as db:
        head = db.scalar(select(Member).where(Member.name == "陈建国"))
        assert ctx.cipher.decrypt(head.phone_enc) == "13900000099"
        wang = db.scalar(select(Household).where(Household.roster_no == "HS2026000101"))
        assert wang.monthly_income == Decimal("5000.00")
        latest = db.scalars(select(Assessment).where(Assessment.household_id == wang.id).order_by(Assessment.id)).all()
        assert len(latest) == 2 and latest[-1].result["indicators"]["income"]["distressed"] is False


def test_members_missing_from_the_roster_are_reported_not_deleted(county, tmp_path):
    ctx = county
    run_import(ctx, SAMPLE)
    rows = sample()
    del rows[3]  # 陈晓雨 leaves
    rows[1][col("size")] = rows[2][col("size")] = 2
    report = run_import(ctx, write_roster(tmp_path / "smaller.xlsx", rows))
    assert report.stale_members == 1 and report.stale_roster_nos == ["FZL2026000207"]
    assert counts(ctx)[1] == 6


def test_progress_is_reported_per_stage(county):
    seen: dict[str, tuple[int, int | None]] = {}
    run_import(county, SAMPLE, progress=lambda stage, done, total: seen.__setitem__(stage, (done, total)))
    assert seen == {"读取": (6, 6), "写入户": (3, 3), "写入成员": (6, 6), "评估": (3, 3)}


# --- the CLI ----------------------------------------------------------------------------------


def test_cli_import_reports_counts_and_is_idempotent(app, county):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "户：新增 3，更新 0，未变 0" in result.output
    assert "成员：新增 6，更新 0，未变 0" in result.output
    again = runner.invoke(args=["ledger", "import", str(SAMPLE)])
    assert "户：新增 0，更新 0，未变 3" in again.output and "评估：新增 0 条" in again.output


def test_cli_refuses_a_bad_file_and_prints_every_error(app, county, tmp_path):
    path = bad_file(tmp_path)
    result = app.test_cli_runner().invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 1
    for row, column in BAD_FILE_ERRORS:
        assert f"第{row}行【{column}】" in result.output
    assert "没有导入任何数据" in result.output and "--create-areas" in result.output
    assert counts(county) == (0, 0, 0)
    assert not (tmp_path / "bad-未导入.xlsx").exists()


def test_cli_skip_invalid_writes_the_report_next_to_the_file(app, county, tmp_path):
    path = bad_file(tmp_path)
    result = app.test_cli_runner().invoke(args=["ledger", "import", str(path), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bad-未导入.xlsx").exists()
    assert "未导入的 7 行" in result.output and "户：新增 1" in result.output
    assert counts(county) == (1, 2, 1)


def test_cli_writes_the_template_and_the_sample(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "template", str(tmp_path / "t.xlsx")]).exit_code == 0
    assert runner.invoke(args=["ledger", "template", str(tmp_path / "s.xlsx"), "--sample"]).exit_code == 0
    assert load_roster(tmp_path / "t.xlsx", TODAY).rows == 0
    assert load_roster(tmp_path / "s.xlsx", TODAY).rows == 6
