"""A small county for the dispatch tests, and helpers to run jobs and read inboxes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from models.audit import trail
from models.households.households import Member
from models.messages import outbound_for
from models.requests.requests import Offer, ServiceRequest
from models.staff.staff import Role
from tests.support import drain
from tests.workers import builders as b

RESIDENT = "o_resident_wang"


@dataclass
class Scene:
    town_id: int
    village_id: int
    member_id: int
    providers: dict[str, int]
    secretary: str = "o_secretary_zhang"
    town_a: str | None = "o_town_a_liu"
    town_b: str | None = "o_town_b_chen"


def build(ctx, providers=("甲家政", "乙家政", "丙家政", "丁家政"), capacity: int = 10, town_a: bool = True, town_b: bool = True) -> Scene:
    with ctx.Session.begin() as db:
        town, (village,) = b.county(db)
        b.staff(db, Role.SECRETARY, "张书记", town=town, village=village, openid="o_secretary_zhang")
        if town_a:
            b.staff(db, Role.TOWN_A, "刘A岗", town=town, openid="o_town_a_liu")
        if town_b:
            b.staff(db, Role.TOWN_B, "陈B岗", town=town, openid="o_town_b_chen")
        b.staff(db, Role.COUNTY, "县民政局", openid="o_county")
        person = b.member(db, ctx.cipher, village, name="王桂英")
        b.resident(db, RESIDENT, person)
        ids = {name: b.provider(db, name, villages=[village], capacity=capacity).id for name in providers}
        return Scene(town.id, village.id, person.id, ids, town_a="o_town_a_liu" if town_a else None, town_b="o_town_b_chen" if town_b else None)


def new_request(ctx, scene: Scene, item: str = "cleaning") -> int:
    with ctx.Session.begin() as db:
        person = db.get(Member, scene.member_id)
        return b.service_request(db, ctx.cipher, person, item, now=ctx.clock()).id


def run(ctx, func, *args, queue: str = "default"):
    """Enqueue ``func`` and run every queued job with RQ's worker; the job's return value."""
    job = ctx.queue(queue).enqueue(func, *args)
    drain(ctx)
    job.refresh()
    return job.return_value()


def inbox(ctx, openid: str) -> list[str]:
    with ctx.Session() as db:
        return [ctx.cipher.decrypt(r.body_enc) for r in outbound_for(db, openid)]


def offers_of(ctx, request_id: int) -> list[tuple[int, str]]:
    """(provider id, status) of every offer of a request, oldest first."""
    with ctx.Session() as db:
        return [(o.provider_id, o.status) for o in db.scalars(select(Offer).where(Offer.request_id == request_id).order_by(Offer.id))]


def request_row(ctx, request_id: int) -> ServiceRequest:
    with ctx.Session() as db:
        return db.get(ServiceRequest, request_id)


def actions(ctx, request_id: int) -> list[str]:
    with ctx.Session() as db:
        return [e.action for e in trail(db, "request", request_id)]
