"""The county runs it without a shell, in a real headless Chromium (Debian's ``chromium``):
the county changes the 低保标准 and the households are re-assessed by a worker; a town uploads
its roster as .xls and .xlsx made the way staff make them and sees the row errors; the county
enters the 2027 holidays and a deadline across the Spring Festival moves.

No 2027 arrangement of the State Council could be found in public material (as of April 2026
a holiday-data maintainer answered "国务院还没发布", vsme/chinese-days#44; the crate
holiday-engine calls its 2027 "estimated"), so the county here enters a plausible one, marked
as a test notice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from models.calendar import load_work_calendar
from models.catalogue.catalogue import load_thresholds
from models.deadlines import review_deadline
from models.households.households import Assessment, Household
from models.households.reassess import reassess_all
from models.leads import Lead
from models.numbers import next_number
from models.rules import change_rules
from tests.admin import builders as b
from tests.admin import staff_files
from tests.admin.test_browser import _log_in, chromium, live  # noqa: F401  (fixtures)

NOTICE_2027 = """（测试用示例，并非国务院正式通知）国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月14日（周日）上班。"""


def _home(db, cipher, village, head: str, income: int):
    """A one-person household with two distressed indicators besides income (no labour force,
    a left-behind family): the income indicator decides between low (2) and medium (3)."""
    home = b.household(db, cipher, village, head)
    home.monthly_income, home.dwellings, home.floor_area = Decimal(income), 1, Decimal(100)
    home.family_structures, home.has_social_security, home.social_activities_per_month = ["left_behind"], True, Decimal(2)
    db.flush()
    return home


def test_the_county_raises_the_minimum_living_standard_and_households_are_reassessed(chromium, live, ctx, county, tmp_path):  # noqa: F811
    today = b.NOW.date()
    with ctx.Session.begin() as db:
        chengbei = db.get(b.Village, county["villages"]["城北村"])
        below, above = _home(db, ctx.cipher, chengbei, "王桂英", 700), _home(db, ctx.cipher, chengbei, "刘德海", 900)
        change_rules(db, {"minimum_living_standard": "650"}, dt.date(2026, 1, 1), "县政府2026年低保标准", county["staff"]["county"], b.NOW, today)
    with ctx.Session.begin() as db:
        reassess_all(db, today=today, now=b.NOW - dt.timedelta(days=30), assessor="import")
        before = {a.household_id: (a.level, a.rule_set_id) for a in db.scalars(select(Assessment))}
    assert before[below.id][0] == before[above.id][0] == "low"

    context, page = _log_in(chromium, live, "county")
    try:
        page.goto(f"{live}/admin/rules")
        row = page.locator("#rule-minimum_living_standard")
        assert row.locator(".current").inner_text() == "650" and "县民政局确定" in row.inner_text()
        page.fill("input[name=minimum_living_standard]", "9999")  # out of range: refused, nothing written
        page.fill("input[name=reason]", "霍政〔2026〕30号 调整城乡低保标准")
        page.click("#rules-form button[type=submit]")
        assert "应在100到5000元/人·月之间" in page.locator("#form-error").inner_text()

        page.fill("input[name=minimum_living_standard]", "800")
        page.fill("input[name=effective_from]", today.isoformat())
        page.fill("input[name=reason]", "霍政〔2026〕30号 调整城乡低保标准")
        page.click("#rules-form button[type=submit]")
        page.wait_for_url("**/admin/rules/changes/*")
        assert "650 → 800" in page.locator("#changed-values").inner_text()
        page.locator("#reassess-status .progress-text", has_text="重新评估完成").wait_for(timeout=30_000)
        assert "2户" in page.locator("#reassess-status").inner_text() and "升高1户" in page.locator("#reassess-status").inner_text()

        page.goto(f"{live}/admin/households/{below.id}")
        latest = page.locator("details").first
        assert "困境程度 中（3项困境）" in latest.inner_text() and "R2" in latest.inner_text()
        assert "低保标准800元" in latest.inner_text() and "低于低保标准800元" in latest.inner_text()
        page.goto(f"{live}/admin/households/{above.id}")
        assert "困境程度 低" in page.locator("details").first.inner_text()

        page.goto(f"{live}/admin/ledgers")
        page.select_option("select[name=kind]", "needs")
        page.select_option("select[name=town]", label="衡山镇")
        page.fill("input[name=reason]", "低保标准调整后核对需求台账")
        page.click("#export-form button[type=submit]")
        page.locator("#download").wait_for(state="visible", timeout=30_000)
        with page.expect_download() as download:
            page.click("#download")
        target = tmp_path / "needs.xlsx"
        download.value.save_as(target)

        page.goto(f"{live}/admin/audit?subject=rules")
        assert "霍政〔2026〕30号" in page.locator("#audit").inner_text()
    finally:
        context.close()
    workbook = load_workbook(target)
    rows = {r[3]: r for r in workbook["需求台账"].iter_rows(min_row=5, values_only=True)}
    assert rows["王桂英"][16] == "中" and rows["王桂英"][19] == "R2" and rows["刘德海"][19] == "R2"
    sets = {r[0]: r[1] for r in workbook["评估规则"].iter_rows(min_row=2, values_only=True)}
    assert "低保标准800元/人·月" in sets["R2"]


def test_a_town_uploads_xls_and_xlsx_made_by_staff_and_sees_the_row_errors(chromium, live, ctx, county, tmp_path):  # noqa: F811
    xls, xlsx = staff_files.as_xls(tmp_path / "衡山镇名单.xls"), staff_files.as_xlsx(tmp_path / "衡山镇名单.xlsx")
    context, page = _log_in(chromium, live, "hengshan")
    try:
        page.goto(f"{live}/admin/roster")
        with page.expect_download() as template:
            page.click("#template-link")
        assert template.value.suggested_filename.endswith("模板.xlsx")

        page.set_input_files("input[name=file]", str(xls))
        page.click("#upload-form button[type=submit]")
        page.wait_for_url("**/admin/roster/*")
        page.locator("#import-summary").wait_for(timeout=30_000)
        assert "没有导入任何数据" in page.locator("#not-imported").inner_text()
        errors = page.locator("#row-errors").inner_text()
        assert "身份证号被存成了数字" in errors and "只能导入本乡镇" in errors
        assert [page.locator("#row-errors tbody tr").nth(i).locator("td").first.inner_text() for i in range(2)] == ["4", "5"]  # Excel's rows: title, header, data
        with page.expect_download() as report:
            page.click("#report-link")
        target = tmp_path / report.value.suggested_filename
        report.value.save_as(target)

        page.goto(f"{live}/admin/roster")
        page.set_input_files("input[name=file]", str(xlsx))
        page.check("input[name=skip_invalid]")
        page.click("#upload-form button[type=submit]")
        page.wait_for_url("**/admin/roster/*")
        page.locator("#import-summary").wait_for(timeout=30_000)
        assert "户新增 1" in page.locator("#imported").inner_text()
        assert "身份证号被存成了数字" in page.locator("#row-errors").inner_text()
    finally:
        context.close()
    rejected = list(load_workbook(target, read_only=True)["未导入"].iter_rows(values_only=True))
    assert rejected[0][-2:] == ("原行号", "错误原因") and [r[-2] for r in rejected[1:]] == [4, 5]
    with ctx.Session() as db:
        imported = db.scalar(select(Household).where(Household.roster_no == "HS-0001"))
        assert imported.head_name == "陈桂兰" and imported.monthly_income == Decimal("650.00")  # full-width digits and trailing spaces read
        assert db.scalar(select(Household).where(Household.roster_no == "FZ-0001")) is None  # another town's household: never imported by a town


def test_the_county_enters_2027_and_a_deadline_across_the_spring_festival_moves(chromium, live, ctx, county, clock, official_calendar):  # noqa: F811
    clock.now = b.cst("2027-02-04 10:00")  # the county is late: 2027 has not been entered
    with ctx.Session.begin() as db:
        weekdays_only = review_deadline(clock.now, load_work_calendar(db), load_thresholds(db))
        village = db.get(b.Village, county["villages"]["城北村"])
        lead = Lead(number=next_number(db, "BG", clock.now.date()), village_id=village.id, subject_enc=ctx.cipher.encrypt("王奶奶"), address_enc=ctx.cipher.encrypt("城北村"),
                    situations=[], status="open", deadline=weekdays_only, created_at=clock.now, updated_at=clock.now)
        db.add(lead)
        db.flush()
        lead_id, number = lead.id, lead.number
    assert weekdays_only == b.cst("2027-02-08 10:00")

    context, page = _log_in(chromium, live, "county")
    try:
        assert "2027年的法定节假日" in page.locator("#calendar-warning").inner_text()
        page.click("#calendar-warning a")
        page.wait_for_url("**/admin/calendar?year=2027")
        page.fill("#notice-form textarea[name=notice]", NOTICE_2027)
        page.click("#notice-form button[type=submit]")
        assert "放假调休，共9天" in page.locator("#notice-text").inner_text()

        page.check("#mode input[value=holiday]")
        page.fill("#mode input[name=name]", "元旦")
        page.click("button[data-day='2027-01-01']")
        assert "已将2027年1月1日（周五）设为节假日（元旦）" in page.locator(".flash").inner_text()
        assert "holiday" in page.get_attribute("button[data-day='2027-01-01']", "class")
        for day in ("2027-01-02", "2027-01-03"):
            page.click(f"button[data-day='{day}']")

        page.fill("#range-form input[name=first]", "2027-02-05")
        page.fill("#range-form input[name=last]", "2027-02-13")
        page.fill("#range-form input[name=name]", "春节")
        page.click("#range-form button[type=submit]")
        moved = page.locator(".flash").inner_text()
        assert f"{number} 02-08 10:00 → 02-16 10:00" in moved  # weekdays only → after the Spring Festival

        page.check("#mode input[value=workday]")
        page.click("button[data-day='2027-02-14']")
        assert f"{number} 02-16 10:00 → 02-15 10:00" in page.locator(".flash").inner_text()  # the make-up Sunday counts

        page.check("#mode input[value=holiday]")
        page.fill("#mode input[name=name]", "春节")
        page.click("button[data-day='2027-02-10']")  # entered twice
        assert "2027年2月10日（周三）已录入为节假日（春节），不能重复录入" in page.locator("#form-error").inner_text()

        page.click("#complete-form button[type=submit]")
        assert "2027年工作日历已录入完成" in page.locator(".flash").inner_text()
        assert page.locator("#calendar-warning").count() == 0

        page.fill("#calc-form input[name=calc_start]", "2027-02-04T10:00")
        page.fill("#calc-form input[name=calc_days]", "2")
        page.click("#calc-form button[type=submit]")
        assert "2027-02-15 10:00" in page.locator("#calc-result").inner_text()
    finally:
        context.close()
    with ctx.Session() as db:
        assert db.get(Lead, lead_id).deadline == b.cst("2027-02-15 10:00")
        assert 2027 in load_work_calendar(db).known_years
