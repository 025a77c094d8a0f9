"""A journey with the village secretary and the provider outside WeChat's window: every notice
they get is a template whose fields read right, and the work still gets done through the pages."""

from __future__ import annotations

from urllib.parse import urlparse

from sqlalchemy import select

from bot.demo import PROVIDER, RESIDENT, SECRETARY
from models.catalogue.providers import providers_for
from models.messages import OutboundMessage
from models.requests.requests import RequestStatus, ServiceRequest
from policy.display import template_width
from tests.support import drain


def _notices(ctx, openid):
    with ctx.Session() as db:
        rows = list(db.scalars(select(OutboundMessage).where(OutboundMessage.openid == openid, OutboundMessage.channel != "reply").order_by(OutboundMessage.id)))
    return [(r.kind, r.channel, r.status, ctx.messenger.transport.shown(r.id)) for r in rows]


def test_staff_outside_the_window_get_templates_and_work_through_the_pages(chat, ctx, county, phone):
    chat.run(RESIDENT, "> 求助\n> 1\n> 膳食供应\n> 每天送午饭\n> 明天\n> 对\n> 是\n< 已收到")
    drain(ctx)
    with ctx.Session() as db:
        request = db.scalars(select(ServiceRequest)).one()
    number = request.number

    [(kind, channel, status, offer)] = _notices(ctx, PROVIDER)
    assert (kind, channel, status) == ("new_offer", "template", "sent")
    fields = {f["label"]: f["value"] for f in offer["fields"]}
    assert fields["工单编号"] == number and fields["服务项目"] == "膳食供应" and fields["服务地点"] == "城北村 王**"
    assert fields["接单截止"].count("年") == 1 and fields["办理方式"] == "点开详情接单或拒单"

    provider = phone(PROVIDER)
    provider.open(urlparse(offer["url"]).path)
    provider.open(f"/m/orders/{number}")
    assert "接单成功" in provider.post(f"/m/orders/{number}", action="accept").get_data(as_text=True)
    assert "已记录上门" in provider.post(f"/m/orders/{number}", action="on_site").get_data(as_text=True)
    assert "已记录完成" in provider.post(f"/m/orders/{number}", action="complete").get_data(as_text=True)
    drain(ctx)

    resident = _notices(ctx, RESIDENT)  # the resident chatted: their notices come as customer-service messages
    assert [(k, c) for k, c, _, _ in resident] == [("progress", "customer_service"), ("on_site", "customer_service"), ("done", "customer_service")]

    chat.run(RESIDENT, "> 评价\n> 不满意\n> 饭是凉的\n< 村里")
    drain(ctx)
    secretary = _notices(ctx, SECRETARY)
    assert [k for k, _, _, _ in secretary] == ["assigned", "reopened"]
    for kind, channel, status, shown in secretary + _notices(ctx, PROVIDER):
        assert (channel, status) == ("template", "sent"), kind
        values = [f["value"] for f in shown["fields"]]
        assert number in values and all(template_width(v) <= 20 and not v.endswith("…") for v in values), (kind, values)
        assert shown["url"].startswith("http://localhost/m/n/")

    reopened = secretary[-1][3]
    assert {f["label"]: f["value"] for f in reopened["fields"]}["工单状态"] == "不满意"
    village = phone(SECRETARY)
    village.open(urlparse(reopened["url"]).path)
    assert "饭是凉的" in village.text()
    village.open("/m/todo")
    assert number in village.text() and "村里正在重新安排" in village.text()
    with ctx.Session() as db:
        canteen = next(p for p in providers_for(db, "meals", request.village_id) if p.name == "城北村老年食堂")
    done = village.post("/m/todo/reassign", number=number, provider=str(canteen.id))
    assert "已改派" in done.get_data(as_text=True)
    with ctx.Session() as db:
        assert db.get(ServiceRequest, request.id).state is RequestStatus.OFFERED
