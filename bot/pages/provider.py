"""A provider's orders (任务): offers with a masked name and address until accepted, then what the
job needs; 接单 / 拒单 / 上门 / 完成 run the chat commands' own code (``handlers.provider``)."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from bot.pages.common import act, bp, ctx, db, my_staff, not_yours, page
from handlers.provider import HANDLERS
from models.catalogue.catalogue import load_catalogue
from models.households.households import mask_address, mask_name
from models.requests.dispatch import open_offers_for_provider
from models.requests.requests import Offer, OfferStatus, RequestStatus, ServiceRequest, find_by_number, provider_requests
from models.staff.staff import Role

ACTIONS = ("accept", "decline", "on_site", "complete")
IN_HAND = (RequestStatus.ACCEPTED, RequestStatus.ON_SITE)


def _provider_id() -> int:
    return my_staff().provider_id


@bp.get("/orders")
@page({Role.PROVIDER})
def orders():
    catalogue = load_catalogue(db(), active_only=False)
    offers = [(db().get(ServiceRequest, o.request_id), o) for o in open_offers_for_provider(db(), _provider_id())]
    in_hand = provider_requests(db(), _provider_id(), IN_HAND)
    return render_template("pages/orders.html", title="我的单子", catalogue=catalogue, offers=offers, in_hand=in_hand, masked=_masked)


@bp.route("/orders/<number>", methods=["GET", "POST"])
@page({Role.PROVIDER})
def order(number: str):
    service = find_by_number(db(), number)
    offer = _offer(service)
    if service is None or (offer is None and service.provider_id != _provider_id()):
        return not_yours()
    said = None
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in ACTIONS:
            return not_yours()
        reason = request.form.get("reason", "").strip()[:100]
        said = act(lambda turn: HANDLERS[action](turn, _provider_id(), service.number, reason))
        db().expire_all()
        service, offer = db().get(ServiceRequest, service.id), _offer(service)
    return render_template("pages/order.html", title=service.number, **_detail(service, offer), said=said)


def _offer(service: ServiceRequest | None) -> Offer | None:
    if service is None:
        return None
    return db().scalar(select(Offer).where(Offer.request_id == service.id, Offer.provider_id == _provider_id()))


def _masked(service: ServiceRequest) -> tuple[str, str]:
    return mask_name(service.member.name), mask_address(ctx().cipher.decrypt(service.address_enc))


def _detail(service: ServiceRequest, offer: Offer | None) -> dict:
    cipher = ctx().cipher
    item = load_catalogue(db(), active_only=False)[service.item_code].name
    mine = service.provider_id == _provider_id() and service.state in (*IN_HAND, RequestStatus.COMPLETED)
    open_offer = offer is not None and offer.status == OfferStatus.OPEN.value and service.state is RequestStatus.OFFERED
    if mine:
        member = service.member
        who, address = member.name, cipher.decrypt(service.address_enc)
        phone = cipher.decrypt(member.phone_enc) if member.phone_enc else "无"
        need = cipher.decrypt(service.description_enc)
    else:
        (who, address), phone, need = _masked(service), None, None
    return {"service": service, "item": item, "who": who, "address": address, "phone": phone, "need": need, "mine": mine,
            "open_offer": open_offer, "deadline": offer.deadline if open_offer else None, "gone": not mine and not open_offer}
