"""Ledger exports: asked for with a reason, built by a real RQ worker, downloaded, audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.guarded import Job
from models.areas import Village
from models.audit import AuditEntry
from models.ledger_exports import LedgerExport
from models.requests.requests import RequestStatus
from tests.admin import builders as b
from tests.support import drain
from workers.exports import build_export, expire_export_files

DAY = dt.timedelta(days=1)
PERIOD = {"start": "2026-06-01", "end": "2026-06-30"}


@pytest.fixture
def activity(ctx, county):
    cipher, now = ctx.cipher, b.NOW
    with ctx.Session.begin() as db:
        provider, wang, liu, zhang = b.three_homes(db, cipher, county)
        b.assessment(db, wang, "high")
        b.priced(db, "cleaning", "80")
        b.request(db, cipher, wang, RequestStatus.COMPLETED, created=now - 3 * DAY, completed=now - 2 * DAY, rating="satisfied", provider=provider)
        b.request(db, cipher, liu, RequestStatus.ACCEPTED, created=now - DAY, provider=provider)
        b.request(db, cipher, liu, RequestStatus.RECEIVED, created=now - 40 * DAY)  # May: outside the period
        b.request(db, cipher, zhang, RequestStatus.RECEIVED, created=now - DAY)  # 佛子岭镇
        b.visit(db, wang, dt.date(2026, 6, 1), done_on=dt.date(2026, 6, 1))
        b.visit(db, liu, dt.date(2026, 6, 5))
        b.referral(db, cipher, wang.village, deadline=now - DAY)
    return county


def _ask(web, kind: str, town: int | None, reason: str = "月度工作台账归档", **period) -> int:
    response = web.post("/admin/ledgers", {"kind": kind, "town": "" if town is None else str(town), "reason": reason, **(period or PERIOD)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _sheet(web, export_id: int, name: str | None = None):
    response = web.get(f"/admin/ledgers/{export_id}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return list((workbook[name] if name else workbook.worksheets[0]).iter_rows(values_only=True))


def _town(ctx, county, village: str) -> int:
    with ctx.Session() as db:
        return db.get(Village, county["villages"][village]).town_id


def test_service_ledger_of_a_town_with_traces(as_hengshan, ctx, activity):
    export_id = _ask(as_hengshan, "service", _town(ctx, activity, "城北村"))
    status = as_hengshan.get(f"/admin/ledgers/{export_id}/status").get_json()
    assert status["status"] == "queued" and status["download"] is None
    drain(ctx)
    status = as_hengshan.get(f"/admin/ledgers/{export_id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["rows"] == 2
    rows = _sheet(as_hengshan, export_id)
    assert rows[0][0] == "霍山县服务类社会救助服务台账（衡山镇）"
    header, data = rows[2], rows[3:]
    assert header[:3] == ("序号", "服务单号", "乡镇") and header[-1] == "服务留痕"
    assert [r[4] for r in data] == ["王桂英", "刘德海"] and {r[2] for r in data} == {"衡山镇"}
    done = data[0]
    assert done[8] == "已完成" and done[9] == "康乐家政" and done[12] == 80 and done[13] == "满意"
    assert "创建/受理（居民）" in done[14] and "接单（康乐家政）" in done[14] and "已完成（康乐家政）" in done[14]


def test_every_export_is_audited_with_who_and_why(as_hengshan, ctx, activity):
    export_id = _ask(as_hengshan, "visits", None, reason="县里检查探访台账")
    drain(ctx)
    _sheet(as_hengshan, export_id)
    with ctx.Session() as db:
        entries = list(db.scalars(select(AuditEntry).where(AuditEntry.subject == "export", AuditEntry.subject_id == export_id).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["requested", "generated", "downloaded"]
    assert entries[0].actor == f"staff:{activity['staff']['hengshan']}" and entries[0].detail["reason"] == "县里检查探访台账"
    assert entries[0].detail["town_id"] == _town(ctx, activity, "城北村")  # town staff export their own town, whatever they ask


def test_a_reason_is_required(as_county, ctx, activity):
    response = as_county.post("/admin/ledgers", {"kind": "service", "town": "", "reason": " ", **PERIOD})
    assert response.status_code == 400 and "导出用途" in response.get_data(as_text=True)
    with ctx.Session() as db:
        assert db.scalar(select(LedgerExport.id)) is None


def test_visit_ledger_rows(as_county, ctx, activity):
    export_id = _ask(as_county, "visits", None)
    drain(ctx)
    data = _sheet(as_county, export_id)[3:]
    assert [(r[3], r[5].date() if hasattr(r[5], "date") else r[5], r[12]) for r in data] == [("王桂英", dt.date(2026, 6, 1), "按时"), ("刘德海", dt.date(2026, 6, 5), "逾期未访")]


def test_needs_ledger_reuses_the_town_ledger(as_county, ctx, activity):
    export_id = _ask(as_county, "needs", _town(ctx, activity, "城北村"))
    drain(ctx)
    rows = _sheet(as_county, export_id)
    assert rows[0][0] == "霍山县服务类社会救助需求台账（衡山镇）"
    assert {r[3] for r in rows[4:]} == {"王桂英", "刘德海"}


def test_needs_ledger_needs_a_town(as_county, activity):
    response = as_county.post("/admin/ledgers", {"kind": "needs", "town": "", "reason": "月度归档导出"})
    assert response.status_code == 400 and "按乡镇导出" in response.get_data(as_text=True)


def test_task_list_by_responsible_unit(as_county, ctx, activity):
    export_id = _ask(as_county, "tasks", None)
    drain(ctx)
    summary = {r[2]: r for r in _sheet(as_county, export_id, "责任清单")[3:]}
    assert summary["县人社局"][4:8] == (1, 0, 1, 1)
    assert summary["衡山镇人民政府"][4:8] == (1, 0, 1, 1)
    assert summary["城北村（衡山镇）"][4:8] == (2, 1, 1, 1)
    assert summary["康乐家政"][4:6] == (2, 1)
    assert summary["县财政局"][4] == "—"
    pending = _sheet(as_county, export_id, "待办事项")[3:]
    assert {(r[2], r[3]) for r in pending} >= {("衡山镇人民政府", "转介转办（县人社局）"), ("城北村（衡山镇）", "探访"), ("康乐家政", "提供服务")}


def test_progress_is_in_the_job_meta(as_county, ctx, activity):
    export_id = _ask(as_county, "service", None)
    drain(ctx)
    meta = Job.fetch(f"export-{export_id}", connection=ctx.redis).get_meta()
    assert meta["done"] == meta["total"] == 3


def test_town_staff_cannot_see_other_towns_exports(as_county, as_fozi, ctx, activity):
    export_id = _ask(as_county, "service", _town(ctx, activity, "城北村"), reason="城北村专项检查")
    drain(ctx)
    assert as_fozi.get(f"/admin/ledgers/{export_id}").status_code == 404
    assert as_fozi.get(f"/admin/ledgers/{export_id}/download").status_code == 404
    assert "城北村专项检查" not in as_fozi.get("/admin/ledgers").get_data(as_text=True)


def test_running_the_job_twice_builds_once(as_county, ctx, activity):
    export_id = _ask(as_county, "service", None)
    drain(ctx)
    assert build_export(export_id) == 0
    with ctx.Session() as db:
        assert db.scalar(select(AuditEntry.id).where(AuditEntry.subject == "export", AuditEntry.action == "generated").limit(2).offset(1)) is None


def test_a_ledger_file_is_deleted_after_seven_days_and_the_record_stays(as_county, ctx, clock, activity):
    export_id = _ask(as_county, "service", None)
    drain(ctx)
    assert as_county.get(f"/admin/ledgers/{export_id}/download").status_code == 200
    clock.advance(days=6)
    assert expire_export_files() == 0
    clock.advance(days=2)
    assert expire_export_files() == 1 and expire_export_files() == 0
    assert as_county.get(f"/admin/ledgers/{export_id}/download").status_code == 404
    assert "文件已过期，请重新导出" in as_county.get("/admin/ledgers").get_data(as_text=True)
    with ctx.Session() as db:
        export = db.get(LedgerExport, export_id)
        assert export.content is None and export.reason == "月度工作台账归档"
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.subject == "export", AuditEntry.subject_id == export_id).order_by(AuditEntry.id)))
    assert actions == ["requested", "generated", "downloaded", "expired"]
