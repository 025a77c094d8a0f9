"""The town's A/B posts: 审核, the review queue with its working-day countdown, one application
as 审核 SQ… shows it in chat, and 通过 / 驳回 / 转介 / 转交 run by the chat commands' own code
(``handlers.town``), the B post's take-over rule included."""

from __future__ import annotations

from flask import render_template, request

from bot.pages.common import act, bp, ctx, db, my_staff, not_yours, page
from bot.pages.village import my_staff_in
from conversations.flows.request import DEPARTMENTS
from handlers import town as chat
from models.applications import queue_for, rules, town_referrals
from models.staff.staff import Role

TOWN_ROLES = {Role.TOWN_A, Role.TOWN_B}
DECISIONS = {"approve", "reject", "transfer"}


@bp.get("/review")
@page(TOWN_ROLES)
def review():
    return _queue()


@bp.post("/review/handover/<number>")
@page(TOWN_ROLES)
def hand_over(number: str):
    return _queue(act(lambda turn: chat._hand_over(turn, my_staff_in(turn), number.upper())))


@bp.route("/review/<number>", methods=["GET", "POST"])
@page(TOWN_ROLES)
def application(number: str):
    number = number.upper()
    said = None
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in DECISIONS:
            return not_yours()
        rest = request.form.get("note", "").strip()[:300]
        said = act(lambda turn: chat._decide(turn, my_staff_in(turn), number, action, rest))
        return _queue(said)
    detail = act(lambda turn: chat._detail(turn, my_staff_in(turn), number))
    if detail == chat.NOT_FOUND.format(number=number):
        return not_yours()
    return render_template("pages/application.html", title=number, number=number, detail=detail, departments=DEPARTMENTS)


def _queue(said: str | None = None):
    db().expire_all()
    staff, now = my_staff(), ctx().clock()
    calendar, _ = rules(db())
    items = [(i, chat._countdown(i.application.deadline, now, calendar), i.takeover and staff.role == Role.TOWN_B.value) for i in queue_for(db(), staff, now)]
    referrals = [(r, chat._countdown(r.deadline, now, calendar)) for r in town_referrals(db(), staff.town_id)]
    return render_template("pages/review.html", title="审核", said=said, items=items, referrals=referrals, staff=staff)
