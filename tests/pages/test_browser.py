"""The WeChat pages in a real headless Chromium (Debian's ``chromium`` through Playwright) at a
phone's 375×667, with WeChat's OAuth and JS-SDK played by the dev stand-ins. A screenshot of
every page is saved under ``var/screenshots/pages/`` (the README names it).

Chromium missing: skipped on a laptop, a failure in CI, as ``tests/admin/test_browser.py``.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.demo import PROVIDER, RESIDENT, SECRETARY, VOLUNTEER
from bot.pages.dev import PHONE_COOKIE, POSITION_COOKIE
from models.audit import AuditEntry
from models.households.households import Member
from models.messages import OutboundMessage
from models.requests.requests import RequestStatus, ServiceRequest
from models.visits.visits import Visit, VisitStatus
from tests.admin.test_browser import chromium  # noqa: F401  (the fixture)
from tests.pages.conftest import ALL_TEMPLATES
from tests.support import drain

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "pages"
PHONE = {"width": 375, "height": 667}
WECHAT_UA = "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/107.0 Mobile Safari/537.36 MicroMessenger/8.0.44"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def port():
    return _free_port()


@pytest.fixture
def settings(base_settings, port):
    return base_settings.replace(public_url=f"http://127.0.0.1:{port}", notice_templates=ALL_TEMPLATES)


@pytest.fixture
def live(app, port, county):
    server = make_server("127.0.0.1", port, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    serving.join(timeout=10)


def _phone(browser, base: str, openid: str, position: str | None = None):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, user_agent=WECHAT_UA, locale="zh-CN")
    cookies = [{"name": PHONE_COOKIE, "value": openid, "url": base}]
    if position:
        cookies.append({"name": POSITION_COOKIE, "value": position, "url": base})
    context.add_cookies(cookies)
    return context, context.new_page()


def _shot(page, name: str) -> None:
    """Save the page, and check it reads on a phone: no sideways scrolling, large type."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18


def _request(chat, ctx, item="助洁助行", need="帮忙打扫一下屋子") -> ServiceRequest:
    chat.run(RESIDENT, f"> 求助\n> 1\n> {item}\n> {need}\n> 明天\n> 对\n> 是\n< 已收到")
    drain(ctx)
    with ctx.Session() as db:
        return db.scalars(select(ServiceRequest).order_by(ServiceRequest.id.desc())).first()


def test_a_provider_opens_the_new_offer_notice_and_accepts(chromium, live, ctx, chat):  # noqa: F811
    request = _request(chat, ctx)
    with ctx.Session() as db:
        row = db.scalar(select(OutboundMessage).where(OutboundMessage.openid == PROVIDER, OutboundMessage.kind == "new_offer"))
    shown = ctx.messenger.transport.shown(row.id)
    assert shown["channel"] == "template" and shown["fields"][0]["value"] == request.number
    context, page = _phone(chromium, live, PROVIDER)
    try:
        page.goto(shown["url"])
        assert urlparse(page.url).path.startswith("/m/n/")  # back from the OAuth round trip
        assert "【新派单】" in page.locator("#notice-text").inner_text()
        _shot(page, "provider-1-notice")
        page.click("#go")
        page.wait_for_url(f"**/m/orders/{request.number}")
        assert page.locator("#who").inner_text() == "王**" and "3组12号" not in page.content()
        assert "前答复" in page.locator("#deadline").inner_text()
        _shot(page, "provider-2-offer")
        page.click("#accept")
        assert "接单成功" in page.locator("#said").inner_text()
        assert "3组12号" in page.locator("#address").inner_text()
        _shot(page, "provider-3-accepted")
    finally:
        context.close()
    with ctx.Session() as db:
        assert db.get(ServiceRequest, request.id).state is RequestStatus.ACCEPTED


def test_a_secretary_reassigns_from_todo(chromium, live, ctx, chat):  # noqa: F811
    request = _request(chat, ctx, "膳食供应", "每天送午饭")
    context, page = _phone(chromium, live, SECRETARY)
    try:
        page.goto(f"{live}/m/todo")
        card = page.locator(f"#req-{request.number}")
        assert "已派单" in card.inner_text()
        _shot(page, "secretary-1-todo")
        card.locator("select[name=provider]").select_option(label="城北村老年食堂")
        card.locator("button").click()
        assert "已改派" in page.locator("#said").inner_text() and "城北村老年食堂" in page.locator("#said").inner_text()
        _shot(page, "secretary-2-reassigned")
    finally:
        context.close()
    with ctx.Session() as db:
        assert db.scalar(select(AuditEntry).where(AuditEntry.subject == "request", AuditEntry.action == "reassigned")).actor.startswith("staff:")


def test_a_volunteer_checks_in_with_the_phones_position(chromium, live, ctx):  # noqa: F811
    with ctx.Session() as db:  # 刘德海's visit (the demo schedules it); the phone stands at his door (31.4050, 116.3301)
        visit_id = db.scalar(select(Visit.id).join(Member, Member.id == Visit.member_id).where(Member.name == "刘德海", Visit.status == VisitStatus.DUE.value))
    context, page = _phone(chromium, live, VOLUNTEER, position="31.4051,116.3302")
    try:
        page.goto(f"{live}/m/tasks")
        button = page.locator(f"#task-{visit_id} button[data-checkin]")
        button.wait_for(state="visible")
        page.wait_for_function("!document.querySelector('button[data-checkin]').disabled")  # wx.config accepted the signature
        _shot(page, "volunteer-1-tasks")
        button.click()
        page.locator("#said").wait_for()
        said = page.locator("#said").inner_text()
        assert "已签到：刘德海家" in said and "约15米" in said
        _shot(page, "volunteer-2-checked-in")
    finally:
        context.close()
    with ctx.Session() as db:
        visit = db.get(Visit, visit_id)
        assert visit.status == VisitStatus.CHECKED_IN.value and visit.distance_m == 15 and not visit.far


def test_a_resident_sees_progress(chromium, live, ctx, chat):  # noqa: F811
    request = _request(chat, ctx)
    chat.run(PROVIDER, f"> 接单 {request.number}\n< 接单成功")
    context, page = _phone(chromium, live, RESIDENT)
    try:
        page.goto(f"{live}/m/requests")
        _shot(page, "resident-1-requests")
        page.click(f"a[href='/m/requests/{request.number}']")
        assert page.locator("#status").inner_text() == "服务人员已接单"
        steps = page.locator("#steps").inner_text()
        assert "提交申请" in steps and "服务人员已接单" in steps
        _shot(page, "resident-2-progress")
    finally:
        context.close()
