"""The back office in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The app runs in a real HTTP server thread on a free loopback port, with an RQ worker thread
for the exports. Town and county staff log in, see only their area, look at the charts, export
a ledger and the downloaded .xlsx is opened with openpyxl.

Chromium missing: skipped on a laptop, a failure in CI (``CI=true``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from models.requests.requests import RequestStatus
from tests.admin import builders as b
from tests.conftest import IN_CI
from workers.embedded import ThreadWorker

CHROMIUM = os.environ.get("JZT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if IN_CI:
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("CI needs the playwright package (pip install -e '.[test]')")
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _Worker:
    """RQ's worker in burst passes on a thread, as the embedded dev setup runs it."""

    def __init__(self, ctx):
        self.ctx, self.stop = ctx, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        worker = ThreadWorker(list(self.ctx.queues.values()), connection=self.ctx.redis)
        while not self.stop.is_set():
            worker.work(burst=True, logging_level="WARNING")
            self.stop.wait(0.2)


@pytest.fixture
def live(app, ctx, county):
    """The app on http://127.0.0.1:<free port>, and a worker thread; both stopped afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    worker = _Worker(ctx)
    worker.thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    worker.stop.set()
    worker.thread.join(timeout=10)
    server.shutdown()
    serving.join(timeout=10)


@pytest.fixture
def scene(ctx, county):
    cipher, now = ctx.cipher, b.NOW
    with ctx.Session.begin() as db:
        provider, wang, liu, zhang = b.three_homes(db, cipher, county)
        b.assessment(db, wang, "high")
        b.assessment(db, liu, "medium")
        b.assessment(db, zhang, "low")
        b.request(db, cipher, wang, RequestStatus.COMPLETED, created=now - 3 * DAY, completed=now - 2 * DAY, rating="satisfied", provider=provider)
        b.request(db, cipher, liu, RequestStatus.ACCEPTED, created=now - DAY, provider=provider)
        b.request(db, cipher, zhang, RequestStatus.RECEIVED, created=now - DAY)
        b.visit(db, wang, dt.date(2026, 6, 1), done_on=dt.date(2026, 6, 1))
        return {"wang": wang.id, "zhang": zhang.id}


def _log_in(browser, base: str, username: str):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/admin/")
    assert "/login" in page.url  # not logged in yet
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", b.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    return context, page


def _charts(page) -> dict[str, str]:
    """Each chart's id and its text, once all of them are drawn with a size."""
    charts = page.locator("svg.chart")
    assert charts.count() == 6
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 40
    return {charts.nth(i).get_attribute("id"): charts.nth(i).text_content() for i in range(charts.count())}


def test_town_staff_see_their_town_and_export_a_ledger(chromium, live, scene, tmp_path):
    context, page = _log_in(chromium, live, "hengshan")
    try:
        assert "周科长" in page.locator("#whoami").inner_text()
        table = page.locator("#areas").inner_text()
        assert "城北村" in table and "佛子岭" not in page.content()
        charts = _charts(page)
        assert "城北村" in charts["chart-levels"] and "佛子岭" not in charts["chart-levels"]
        page.locator("#chart-levels rect title").first.wait_for(state="attached")

        page.goto(f"{live}/admin/households/{scene['zhang']}")  # another town's household
        assert "没有这条记录" in page.content()

        page.goto(f"{live}/admin/ledgers")
        page.select_option("select[name=kind]", "service")
        page.fill("input[name=start]", "2026-06-01")
        page.fill("input[name=end]", "2026-06-30")
        page.fill("input[name=reason]", "月度服务台账归档")
        page.click("#export-form button[type=submit]")
        page.wait_for_url("**/admin/ledgers/*")
        page.locator("#download").wait_for(state="visible", timeout=30_000)
        assert "已完成" in page.locator(".progress-text").inner_text()
        with page.expect_download() as download:
            page.click("#download")
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
    finally:
        context.close()
    assert target.name.startswith("服务台账-衡山镇-20260601-20260630")
    rows = list(load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    data = rows[3:]
    assert [r[4] for r in data] == ["王桂英", "刘德海"] and {r[2] for r in data} == {"衡山镇"}
    assert data[0][8] == "已完成" and "接单（康乐家政）" in data[0][14]


def test_county_sees_every_town_and_unmasks_with_a_reason(chromium, live, scene):
    context, page = _log_in(chromium, live, "county")
    try:
        table = page.locator("#areas").inner_text()
        assert "衡山镇" in table and "佛子岭镇" in table
        charts = _charts(page)
        assert "衡山镇" in charts["chart-requests"] and "佛子岭镇" in charts["chart-requests"]

        page.click("#areas >> text=衡山镇")
        page.wait_for_url("**/admin/?town=*")
        assert "城北村" in page.locator("#areas").inner_text()
        page.click("#areas >> text=城北村")
        page.wait_for_url("**/admin/villages/*")
        page.click(f"a[href='/admin/households/{scene['wang']}']")
        assert page.locator("#head-name").inner_text() == "王**"
        page.fill("#unmask-form input[name=reason]", "入户核实，需联系户主")
        page.click("#unmask-form button[type=submit]")
        assert page.locator("#head-name").inner_text() == "王桂英"
        assert page.locator("#unmasked-note").is_visible()

        page.goto(f"{live}/admin/audit?subject=household&subject_id={scene['wang']}")
        assert "入户核实，需联系户主" in page.locator("#audit").inner_text()
    finally:
        context.close()


def test_wrong_passwords_lock_the_account_in_the_browser(chromium, live, county):
    context = chromium.new_context()
    page = context.new_page()
    try:
        for _ in range(5):
            page.goto(f"{live}/login")
            page.fill("input[name=username]", "fozi")
            page.fill("input[name=password]", "wrong-password-1")
            page.click("button[type=submit]")
        assert "锁定15分钟" in page.locator("#login-error").inner_text()
    finally:
        context.close()
