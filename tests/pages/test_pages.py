"""The WeChat pages through the Flask client: silent OAuth, who may see what, actions as the chat's."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select

from bot.demo import NEIGHBOUR, PROVIDER, RESIDENT, SECRETARY, TOWN_A, VOLUNTEER
from bot.pages import identity
from models.audit import AuditEntry
from models.messages import OutboundMessage
from models.requests.requests import RequestStatus, ServiceRequest
from models.visits.visits import Visit, VisitStatus
from tests.pages.phone import TOKEN
from tests.support import drain


def _request(chat, ctx) -> ServiceRequest:
    chat.run(RESIDENT, "> 求助\n> 1\n> 助洁助行\n> 帮忙打扫一下屋子\n> 明天\n> 对\n> 是\n< 已收到")
    drain(ctx)
    with ctx.Session() as db:
        return db.scalars(select(ServiceRequest)).one()


def test_the_silent_oauth_round_trip_carries_no_personal_data(phone, county, ctx, chat):
    request = _request(chat, ctx)
    me = phone(RESIDENT)
    page = me.open(f"/m/requests/{request.number}")
    assert page.status_code == 200 and request.number in me.text() and "助洁助行" in me.text()
    authorize = urlparse(me.visited[0])
    assert authorize.path == "/dev/oauth/oauth2/authorize"
    query = parse_qs(authorize.query)
    assert query["scope"] == ["snsapi_base"] and query["redirect_uri"] == ["http://localhost/m/oauth"] and query["state"]
    assert not any(RESIDENT in url or "王桂英" in url for url in me.visited)
    me.open("/m/requests")  # the session holds: no second round trip
    assert not me.last.history


def test_a_tampered_replayed_or_foreign_state_gets_a_polite_page(phone, county, client):
    me = phone(RESIDENT)
    first = me.client.get("/m/requests")
    state = parse_qs(urlparse(first.headers["Location"]).query)["state"][0]
    code = county_code(me)
    tampered = me.client.get(f"/m/oauth?code={code}&state={state[:-2]}xx")
    assert tampered.status_code == 400 and "链接无效" in tampered.get_data(as_text=True)
    ok = me.client.get(f"/m/oauth?code={code}&state={state}")
    assert ok.status_code == 302 and ok.headers["Location"] == "/m/requests"
    replay = me.client.get(f"/m/oauth?code={county_code(me)}&state={state}")
    assert replay.status_code == 400 and "已经用过了" in replay.get_data(as_text=True)
    other = phone(NEIGHBOUR)  # a state made for one browser, opened in another
    assert other.client.get(f"/m/oauth?code={county_code(other)}&state={state}").status_code == 400


def test_an_expired_state_and_a_used_code_get_a_polite_page(phone, county, monkeypatch):
    me = phone(RESIDENT)
    state = parse_qs(urlparse(me.client.get("/m/requests").headers["Location"]).query)["state"][0]
    monkeypatch.setattr(identity, "STATE_SECONDS", -1)
    expired = me.client.get(f"/m/oauth?code={county_code(me)}&state={state}")
    assert expired.status_code == 400 and "链接已过期" in expired.get_data(as_text=True)
    monkeypatch.undo()
    code = county_code(me)
    state = parse_qs(urlparse(me.client.get("/m/requests").headers["Location"]).query)["state"][0]
    assert me.client.get(f"/m/oauth?code={code}&state={state}").status_code == 302
    me.client.delete_cookie(identity.SESSION_COOKIE, path="/m", domain="localhost")
    state = parse_qs(urlparse(me.client.get("/m/requests").headers["Location"]).query)["state"][0]
    used = me.client.get(f"/m/oauth?code={code}&state={state}")  # WeChat: 40163 code been used
    assert used.status_code == 400 and "没能确认" in used.get_data(as_text=True)


def county_code(me) -> str:
    """What WeChat's authorize page gives this phone (the fake's code)."""
    return me.client.application.extensions["jzt.context"].messenger.transport.issue_code(me.openid)


def test_another_persons_request_is_403(phone, county, ctx, chat):
    request = _request(chat, ctx)
    stranger = phone(NEIGHBOUR)
    assert stranger.open(f"/m/requests/{request.number}").status_code == 403
    assert "不是您的" in stranger.text()
    assert phone(VOLUNTEER).open(f"/m/orders/{request.number}").status_code == 403  # not a provider


def test_a_notice_page_opens_for_its_addressee_only(phone, county, ctx, chat):
    request = _request(chat, ctx)
    with ctx.Session() as db:
        row = db.scalar(select(OutboundMessage).where(OutboundMessage.openid == PROVIDER, OutboundMessage.kind == "new_offer"))
        assert row.channel == "template" and row.status == "sent"  # the provider never chatted: outside the window
    url = urlparse(ctx.messenger.transport.shown(row.id)["url"]).path
    provider = phone(PROVIDER)
    assert provider.open(url).status_code == 200 and "【新派单】" in provider.text() and request.number in provider.text()
    assert phone(SECRETARY).open(url).status_code == 403
    assert phone(NEIGHBOUR).open(url[:-3] + "abc").status_code == 404


def test_a_double_tapped_accept_takes_the_order_once(phone, county, ctx, chat):
    request = _request(chat, ctx)
    provider = phone(PROVIDER)
    provider.open(f"/m/orders/{request.number}")
    assert "王**" in provider.text() and "3组12号" not in provider.text()
    token = TOKEN.search(provider.text()).group(1)
    first = provider.post(f"/m/orders/{request.number}", action="accept")
    assert "接单成功" in first.get_data(as_text=True) and "3组12号" in first.get_data(as_text=True)
    second = provider.post(f"/m/orders/{request.number}", action="accept", csrf_token=token)  # the second tap, from the old page
    assert "已经接过单了" in second.get_data(as_text=True)
    with ctx.Session() as db:
        accepted = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.subject == "request", AuditEntry.action == "accepted"))
        told = db.scalar(select(func.count()).select_from(OutboundMessage).where(OutboundMessage.openid == RESIDENT, OutboundMessage.kind == "progress"))
        assert accepted == 1 and told == 1
        assert db.get(ServiceRequest, request.id).state is RequestStatus.ACCEPTED


def test_a_form_without_the_page_token_is_refused(phone, county, ctx, chat):
    request = _request(chat, ctx)
    provider = phone(PROVIDER)
    provider.open(f"/m/orders/{request.number}")
    refused = provider.client.post(f"/m/orders/{request.number}", data={"action": "accept", "csrf_token": "0" * 32})
    assert refused.status_code == 400
    with ctx.Session() as db:
        assert db.get(ServiceRequest, request.id).state is RequestStatus.OFFERED


def test_a_check_in_far_outside_the_county_is_refused(phone, county, ctx):
    volunteer = phone(VOLUNTEER)
    volunteer.open("/m/tasks")
    with ctx.Session() as db:
        visit = db.scalars(select(Visit).where(Visit.status == VisitStatus.DUE.value)).first()
    refused = volunteer.post(f"/m/tasks/{visit.id}", action="checkin", lat="39.9042", lng="116.4074")  # Beijing
    assert refused.status_code == 400 and "不在霍山县内" in refused.get_data(as_text=True)
    assert volunteer.post(f"/m/tasks/{visit.id}", action="checkin", lat="nan", lng="1").status_code == 400
    with ctx.Session() as db:
        assert db.get(Visit, visit.id).status == VisitStatus.DUE.value
    done = volunteer.post(f"/m/tasks/{visit.id}", action="checkin", lat="31.4022", lng="116.3336")
    assert done.status_code == 200 and "已签到" in done.get_data(as_text=True)
    with ctx.Session() as db:
        assert db.get(Visit, visit.id).status == VisitStatus.CHECKED_IN.value
        assert db.scalar(select(AuditEntry).where(AuditEntry.subject == "visit", AuditEntry.action == "checked_in")).channel == "wechat"


def test_staff_pages_are_for_their_role(phone, county):
    assert phone(RESIDENT).open("/m/todo").status_code == 403
    assert phone(SECRETARY).open("/m/review").status_code == 403
    assert phone(TOWN_A).open("/m/review").status_code == 200
    assert phone(SECRETARY).open("/m/todo").status_code == 200


def test_the_simulator_shows_what_the_phone_shows_and_opens_the_page_as_the_persona(app, county, ctx, chat):
    request = _request(chat, ctx)
    simulator = app.test_client()
    inbox = simulator.get(f"/dev/inbox/{PROVIDER}").get_json()["messages"]
    [offer] = [m for m in inbox if m["kind"] == "new_offer"]
    assert offer["channel"] == "template" and offer["fields"][0] == {"label": "工单编号", "value": request.number}
    assert offer["url"].startswith("http://localhost/m/n/")
    frame = simulator.get(f"/simulator/phone?openid={PROVIDER}&path={urlparse(offer['url']).path}")
    assert frame.status_code == 200 and 'width="375" height="667"' in frame.get_data(as_text=True)
    page = simulator.get(urlparse(offer["url"]).path, follow_redirects=True)
    assert page.status_code == 200 and "【新派单】" in page.get_data(as_text=True)


def test_the_wechat_stand_ins_answer_this_machine_only(client, county):
    assert client.get("/dev/jweixin.js").status_code == 200
    assert client.get("/dev/jweixin.js", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    assert client.get("/dev/jweixin.js", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 404
    assert client.get("/dev/jweixin.js", headers={"Host": "jzt.example.gov.cn"}).status_code == 404


def test_production_sends_the_phone_to_wechats_own_authorize_page(base_settings, engine, ctx):
    from bot.app import create_app
    from core.context import install

    production = base_settings.replace(env="production", transport="wechat", public_url="https://jzt.example.gov.cn", secret_key="s" * 48,
                                       redis_url=base_settings.redis_url or "redis://127.0.0.1:6379/15")
    app = create_app(production, start_worker=False)
    try:
        client = app.test_client()
        assert client.get("/dev/oauth/oauth2/authorize").status_code == 404 and client.get("/simulator/phone").status_code == 404
        sent = client.get("/m/requests", base_url="https://jzt.example.gov.cn")
        url = urlparse(sent.headers["Location"])
        assert (url.scheme, url.netloc, url.path, url.fragment) == ("https", "open.weixin.qq.com", "/connect/oauth2/authorize", "wechat_redirect")
        query = parse_qs(url.query)
        assert query["scope"] == ["snsapi_base"] and query["redirect_uri"] == ["https://jzt.example.gov.cn/m/oauth"]
        assert "Secure" in sent.headers["Set-Cookie"] and "HttpOnly" in sent.headers["Set-Cookie"]
    finally:
        app.extensions["jzt.context"].engine.dispose()
        install(ctx)  # the production app installed its own context for jobs
