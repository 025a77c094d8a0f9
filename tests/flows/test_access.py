"""Access by role and area: nobody sees another area's people, through the bot or beneath it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.demo import PROVIDER, RESIDENT, SECRETARY, TOWN_A, VOLUNTEER
from models.households.households import Member
from models.leads import open_leads
from models.requests.requests import ServiceRequest, provider_requests, requests_of, village_requests
from models.households.residents import bind, set_consent
from models.staff.staff import Role, Staff
from models.visits.visits import Visit, overdue_visits, volunteer_visits
from tests.support import drain

FOZILING = {"volunteer": "o_fz_volunteer", "secretary": "o_fz_secretary", "resident": "o_fz_resident"}


def _second_village(ctx):
    """佛子岭村 gets its own resident (张建国), volunteer and secretary."""
    with ctx.Session.begin() as db:
        zhang = db.scalar(select(Member).where(Member.name == "张建国"))
        village = zhang.household.village
        for role, openid in (("volunteer", FOZILING["volunteer"]), ("secretary", FOZILING["secretary"])):
            db.add(Staff(name=f"佛子岭{role}", role=role, town_id=village.town_id, village_id=village.id, openid=openid))
        set_consent(db, FOZILING["resident"], True, ctx.clock())
        bind(db, FOZILING["resident"], zhang, "本人")
        db.flush()
        for member, staff_openid in ((zhang, FOZILING["volunteer"]), (db.scalar(select(Member).where(Member.name == "王桂英")), VOLUNTEER)):
            staff = db.scalar(select(Staff).where(Staff.openid == staff_openid))
            db.add(Visit(member_id=member.id, village_id=member.household.village_id, staff_id=staff.id, due_date=ctx.clock().date() - dt.timedelta(days=3), photos=[], created_at=ctx.clock()))


def test_no_role_sees_another_areas_records(chat, ctx, county, capsys):
    _second_village(ctx)
    chat.run(RESIDENT, "> 求助\n> 1\n> 帮办代办\n> 王家买药\n> 尽快\n> 对\n> 是\n")
    chat.run(FOZILING["resident"], "> 求助\n> 1\n> 探访慰问\n> 张家看看\n> 尽快\n> 对\n> 是\n")
    for openid, who in ((RESIDENT, "王奶奶"), (FOZILING["resident"], "张家孩子")):
        chat.run(openid, f"> 报告\n> 1\n> {who}\n> {'城北村' if openid == RESIDENT else '佛子岭村'}\n> 村口\n> 6\n> 没有\n> 不急\n> 是\n")
    drain(ctx)

    people = {"城北村": ("王桂英", "王奶奶", "3组12号"), "佛子岭村": ("张建国", "张家孩子", "2组8号")}
    viewers = {  # openid, home village, the words that show their view
        "城北村 secretary": (SECRETARY, "城北村", ("待办",)),
        "城北村 volunteer": (VOLUNTEER, "城北村", ("任务",)),
        "佛子岭村 secretary": (FOZILING["secretary"], "佛子岭村", ("待办",)),
        "佛子岭村 volunteer": (FOZILING["volunteer"], "佛子岭村", ("任务",)),
        "城北村 resident": (RESIDENT, "城北村", ("进度", "待办", "任务")),
        "佛子岭村 resident": (FOZILING["resident"], "佛子岭村", ("进度", "待办", "任务")),
        "provider": (PROVIDER, None, ("任务", "待办")),
        "town A": (TOWN_A, None, ("待办", "任务")),
    }
    pairs = 0
    for name, (openid, home, words) in viewers.items():
        for word in words:
            reply = chat.say(openid, word)
            for village, markers in people.items():
                if village == home:
                    continue
                for marker in markers:
                    pairs += 1
                    assert marker not in reply, f"{name} saw {marker} of {village} with {word!r}:\n{reply}"
    pairs += _beneath_the_bot(ctx)
    with capsys.disabled():
        print(f"\naccess pairs tried: {pairs} (none leaked)")


def _beneath_the_bot(ctx) -> int:
    """The functions the handlers call, with every staff member against every other village."""
    pairs = 0
    with ctx.Session() as db:
        staff = list(db.scalars(select(Staff).where(Staff.village_id.is_not(None))))
        requests = list(db.scalars(select(ServiceRequest)))
        for person in staff:
            seen = {r.id for r in village_requests(db, person.village_id)}
            for request in requests:
                pairs += 1
                assert request.village_id == person.village_id or request.id not in seen
            for visit in volunteer_visits(db, person.id) + overdue_visits(db, person.village_id, ctx.clock().date()):
                pairs += 1
                assert visit.village_id == person.village_id
            for lead in open_leads(db, person.village_id):
                pairs += 1
                assert lead.village_id == person.village_id
        for request in requests:  # a resident's list holds only their own and their bound members'
            for openid in (RESIDENT, FOZILING["resident"]):
                pairs += 1
                mine = requests_of(db, openid, [])
                assert all(r.requested_by == openid for r in mine)
        provider = db.scalar(select(Staff).where(Staff.openid == PROVIDER))
        pairs += len(provider_requests(db, provider.provider_id, ()))
    return pairs

