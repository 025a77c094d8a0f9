"""The county's rules, roster uploads and calendar through the back office (Flask client): what
is refused, and how; who may change what; what start-up and ``flask db seed`` say."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from core.config import DEV_DEFAULTS, Settings
from models.audit import AuditEntry
from models.calendar import CalendarYear
from models.households.households import Assessment
from models.roster_uploads import MAX_UPLOAD_BYTES, RosterUpload
from models.rules import RuleChange, RuleValue, thresholds_on
from models.visits.visits import CalendarDay
from tests.admin import builders as b
from tests.admin import staff_files
from core.context import install
from tests.support import drain

TODAY = b.NOW.date()


def _count(ctx, model) -> int:
    with ctx.Session() as db:
        return db.scalar(select(func.count()).select_from(model))


def _change(web, **values):
    data = {"effective_from": TODAY.isoformat(), "reason": "霍政〔2026〕30号"}
    for key, value in values.items():
        data[key], data[f"was_{key}"] = value, ""
    return web.post("/admin/rules", data)


# -- rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("values, message", [
    ({"minimum_living_standard": "9999"}, "应在100到5000元/人·月之间"),
    ({"minimum_living_standard": "七百八"}, "请填数字"),
    ({"review_workdays": "1.5"}, "请填整数"),
    ({"rigid_expenditure_ratio": "0"}, "应在10到100%之间"),
    ({"medium_level_min": "8"}, "中度困境的起点不能多于高度困境的起点"),
])
def test_a_rule_value_out_of_range_is_refused_with_nothing_written(as_county, ctx, values, message):
    before = _count(ctx, RuleValue)
    response = _change(as_county, minimum_living_standard_ok="", **values)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _count(ctx, RuleValue) == before and _count(ctx, RuleChange) == 0


def test_several_values_are_saved_together_or_not_at_all(as_county, ctx):
    before = _count(ctx, RuleValue)
    response = _change(as_county, minimum_living_standard="820", city_floor_area_per_person="0")
    assert response.status_code == 400 and "全市人均住房面积" in response.get_data(as_text=True)
    assert _count(ctx, RuleValue) == before  # 820 was valid, but nothing of the form was kept


def test_a_change_needs_a_reason_and_is_audited_with_it(as_county, ctx, county):
    response = as_county.post("/admin/rules", {"minimum_living_standard": "820", "was_minimum_living_standard": "780", "effective_from": TODAY.isoformat(), "reason": ""})
    assert response.status_code == 400 and "请写明修改依据" in response.get_data(as_text=True)
    assert _change(as_county, minimum_living_standard="820", review_workdays="3").status_code == 302
    with ctx.Session() as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.subject == "rules"))
        assert entry.actor == f"staff:{county['staff']['county']}" and entry.detail["reason"] == "霍政〔2026〕30号"
        assert entry.detail["changes"] == {"minimum_living_standard": {"from": "780", "to": "820"}, "review_workdays": {"from": "2", "to": "3"}}
        rules = thresholds_on(db, TODAY)
        assert rules.minimum_living_standard == 820 and rules.review_workdays == 3
        assert thresholds_on(db, TODAY - dt.timedelta(days=1)).minimum_living_standard == 780  # dated: the day before, the old value


def test_a_future_value_waits_for_its_date_and_the_daily_job_reassesses_then(as_county, ctx, clock):
    from workers.reassess import apply_due_changes

    with ctx.Session.begin() as db:
        home = b.household(db, ctx.cipher, db.get(b.Village, 1))
    assert _change(as_county, minimum_living_standard="820", effective_from_ok="").status_code == 302  # today: queued
    response = as_county.post("/admin/rules", {"minimum_living_standard": "900", "was_minimum_living_standard": "820", "effective_from": "2026-07-01", "reason": "下半年标准"})
    assert response.status_code == 302
    with ctx.Session() as db:
        statuses = [c.status for c in db.scalars(select(RuleChange).order_by(RuleChange.id))]
        assert statuses == ["queued", "scheduled"]
        assert thresholds_on(db, TODAY).minimum_living_standard == 820 and thresholds_on(db, dt.date(2026, 7, 1)).minimum_living_standard == 900
    page = as_county.get("/admin/rules").get_data(as_text=True)
    assert "2026-07-01起：900" in page
    drain(ctx)
    assert apply_due_changes() == 0
    clock.now = b.cst("2026-07-01 00:05")
    assert apply_due_changes() == 1
    drain(ctx)
    with ctx.Session() as db:
        latest = db.scalar(select(Assessment).where(Assessment.household_id == home.id).order_by(Assessment.id.desc()).limit(1))
        assert "低保标准900元" in latest.result["indicators"]["income"]["reason"] and latest.assessor == "rules:2"
        assert [c.status for c in db.scalars(select(RuleChange).order_by(RuleChange.id))] == ["done", "done"]


def test_town_staff_read_the_rules_but_cannot_change_them(as_hengshan, ctx):
    page = as_hengshan.get("/admin/rules")
    assert page.status_code == 200 and "低保标准" in page.get_data(as_text=True) and "保存修改" not in page.get_data(as_text=True)
    assert _change(as_hengshan, minimum_living_standard="820").status_code == 403
    assert as_hengshan.post("/admin/rules/confirm", {"key": "minimum_living_standard", "confirm_reason": "本镇确认"}).status_code == 403
    assert _count(ctx, RuleChange) == 0


def test_the_overview_shows_the_examples_until_the_county_confirms_them(as_county, as_hengshan, ctx):
    assert "示例值（低保标准780元/人·月、全市人均住房面积40平方米）" in as_hengshan.get("/admin/").get_data(as_text=True)
    assert as_county.post("/admin/rules/confirm", {"key": "minimum_living_standard", "confirm_reason": "短"}).status_code == 400
    assert as_county.post("/admin/rules/confirm", {"key": "minimum_living_standard", "confirm_reason": "霍民〔2026〕12号"}).status_code == 302
    page = as_county.get("/admin/").get_data(as_text=True)
    assert "示例值（全市人均住房面积40平方米）" in page
    assert _change(as_county, city_floor_area_per_person="38.5").status_code == 302
    assert 'id="rules-warning"' not in as_county.get("/admin/").get_data(as_text=True)
    with ctx.Session() as db:
        assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.subject == "rules")) == 2


def test_flask_db_seed_and_production_start_up_name_the_examples_still_in_force(app, ctx, base_settings, caplog):
    output = app.test_cli_runner().invoke(args=["db", "seed"]).output
    assert "shipped examples" in output and "低保标准780元/人·月、全市人均住房面积40平方米" in output
    production = Settings.from_env({
        **DEV_DEFAULTS, "JZT_ENV": "production", "DATABASE_URL": base_settings.database_url, "REDIS_URL": base_settings.redis_url or "redis://127.0.0.1:6379/5",
        "SECRET_KEY": "k" * 48, "WECHAT_TEMPLATES": "派单提醒=tmpl",
    })
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        started = create_app(production, start_worker=False)
    started.extensions["jzt.context"].engine.dispose()
    install(ctx)  # the production app installed its own context for jobs
    assert "shipped example values still in force" in caplog.text and "低保标准780元/人·月、全市人均住房面积40平方米" in caplog.text


# -- roster uploads ---------------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused_at_once(as_hengshan, ctx, tmp_path):
    for name, content in (("名单.xlsx", b"PK\x03\x04 this is no workbook at all"), ("名单.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), ("名单.xlsx", "户编号,姓名\n1,王".encode()),
                          ("名单.csv", b"a,b"), ("名单.xlsx", b"")):
        response = as_hengshan.post("/admin/roster", {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
        assert response.status_code == 400, name
        text = response.get_data(as_text=True)
        assert any(words in text for words in ("不是Excel工作簿", "打不开", "只能上传Excel", "文件是空的")), text
    assert _count(ctx, RosterUpload) == 0


def test_a_200_mb_upload_is_refused_before_it_is_read(as_hengshan, ctx):
    token = as_hengshan.token()
    response = as_hengshan.client.post("/admin/roster", input_stream=io.BytesIO(b""), content_type="multipart/form-data; boundary=x",
                                       headers={"X-CSRF-Token": token}, environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)})
    assert response.status_code == 413 and "文件太大：名单文件最大50 MB" in response.get_data(as_text=True)
    assert MAX_UPLOAD_BYTES == 50 * 1024 * 1024 and _count(ctx, RosterUpload) == 0


def test_a_town_sees_only_its_own_uploads(as_hengshan, as_fozi, ctx, tmp_path):
    path = staff_files.as_xlsx(tmp_path / "名单.xlsx")
    response = as_hengshan.post("/admin/roster", {"file": (path.open("rb"), "名单.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    drain(ctx)
    url = response.headers["Location"]
    assert "身份证号被存成了数字" in as_hengshan.get(url).get_data(as_text=True)
    assert as_fozi.get(url).status_code == 404 and as_fozi.get(url + "/report").status_code == 404
    assert "名单.xlsx" not in as_fozi.get("/admin/roster").get_data(as_text=True)


# -- calendar ---------------------------------------------------------------------------------


def test_the_calendar_banner_shows_from_1_november_while_next_year_is_missing(as_county, as_hengshan, clock, official_calendar):
    clock.now = b.cst("2026-10-31 10:00")
    assert 'id="calendar-warning"' not in as_county.get("/admin/").get_data(as_text=True)
    clock.now = b.cst("2026-11-01 09:00")
    for web in (as_county, as_hengshan):
        assert "2027年的法定节假日和调休安排还没有录入" in web.get("/admin/budget").get_data(as_text=True)


def test_a_holiday_entered_twice_is_refused_and_nothing_changes(as_county, as_hengshan, ctx, clock, official_calendar):
    clock.now = b.cst("2026-12-02 10:00")
    post = lambda data: as_county.post("/admin/calendar/range?year=2027", data)  # noqa: E731
    assert post({"first": "2027-02-05", "last": "2027-02-08", "name": "春节"}).status_code == 302
    response = post({"first": "2027-02-08", "last": "2027-02-10", "name": "春节"})
    assert response.status_code == 400 and "2027年2月8日（周一）已录入为节假日（春节），不能重复录入" in response.get_data(as_text=True)
    with ctx.Session() as db:
        assert db.scalar(select(func.count()).select_from(CalendarDay).where(CalendarDay.day >= dt.date(2027, 1, 1))) == 4  # not 9/10 written
    weekday = as_county.post("/admin/calendar/day?year=2027", {"day": "2027-02-03", "mode": "workday"})
    assert weekday.status_code == 400 and "调休上班只能设在周六或周日" in weekday.get_data(as_text=True)
    early = as_county.post("/admin/calendar/complete?year=2027", {})
    assert early.status_code == 400 and "请先保存2027年的国务院通知全文" in early.get_data(as_text=True)
    assert as_hengshan.post("/admin/calendar/day?year=2027", {"day": "2027-02-20", "mode": "holiday", "name": "春节"}).status_code == 403
    with ctx.Session() as db:
        assert db.get(CalendarYear, 2027).complete is False
