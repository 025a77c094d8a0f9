"""Small builders for the worker tests: a county with villages, people, staff and providers.

Every builder takes an open session and flushes, so ids are there; the test commits.
"""

from __future__ import annotations

import datetime as dt
import itertools

from models.areas import Town, Village, get_or_create_town, get_or_create_village
from models.calendar import COUNTY_TZ
from models.catalogue.catalogue import ServiceItem, seed_catalogue
from models.households.households import Household, Member
from models.leads import Lead
from models.numbers import next_number
from models.catalogue.providers import Provider
from models.requests.requests import Referral, RequestStatus, ServiceRequest
from models.households.residents import bind
from models.staff.staff import Role, Staff
from models.visits.visits import Visit, VisitStatus

_serial = itertools.count(1)


def cst(text: str) -> dt.datetime:
    """A county (China Standard Time) moment, in UTC as the clock gives it: ``cst("2025-09-30 15:00")``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=COUNTY_TZ).astimezone(dt.timezone.utc)


def county(db, town_name: str = "衡山镇", village_names: tuple[str, ...] = ("城北村",)) -> tuple[Town, list[Village]]:
    seed_catalogue(db)
    town = get_or_create_town(db, town_name)
    return town, [get_or_create_village(db, town, name) for name in village_names]


def household(db, cipher, village: Village, address: str | None = None) -> Household:
    n = next(_serial)
    row = Household(village=village, roster_no=f"T{n:06d}", head_name=f"户主{n}", address_enc=cipher.encrypt(address or f"衡山镇{village.name}3组{n}号"))
    db.add(row)
    db.flush()
    return row


def member(db, cipher, village: Village, name: str = "王桂英", groups=("minimum_living",), registered_on: dt.date = dt.date(2025, 1, 1), **kw) -> Member:
    home = household(db, cipher, village)
    id_number = f"34152519500101{next(_serial):04d}"
    row = Member(
        household=home, name=name, id_number_enc=cipher.encrypt(id_number), id_number_hash=cipher.blind_index(id_number),
        birth_date=dt.date(1950, 1, 1), groups=list(groups), registered_on=registered_on, **kw,
    )
    db.add(row)
    db.flush()
    return row


def provider(db, name: str, items=("cleaning",), villages=(), capacity: int = 10, openid: str | None = None, **kw) -> Provider:
    row = Provider(name=name, daily_capacity=capacity, openid=openid if openid is not None else f"o_{name}", **kw)
    row.villages = list(villages)
    row.item_rows = [db.get(ServiceItem, code) for code in items]
    db.add(row)
    db.flush()
    return row


def staff(db, role: Role, name: str, town: Town | None = None, village: Village | None = None, openid: str | None = None) -> Staff:
    row = Staff(name=name, role=role.value, town=town, village=village, openid=openid or f"o_{role.value}_{name}")
    db.add(row)
    db.flush()
    return row


def service_request(db, cipher, member: Member, item_code: str = "cleaning", now: dt.datetime | None = None, address: str = "衡山镇城北村3组12号") -> ServiceRequest:
    now = now or dt.datetime.now(dt.timezone.utc)
    row = ServiceRequest(
        number=next_number(db, "FW", now.date()), member_id=member.id, village_id=member.household.village_id, item_code=item_code,
        description_enc=cipher.encrypt("打扫卫生"), address_enc=cipher.encrypt(address), requested_by="o_resident",
        status=RequestStatus.RECEIVED.value, created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def resident(db, openid: str, member: Member, relation: str = "本人"):
    return bind(db, openid, member, relation)


def referral(db, cipher, village: Village, created: dt.datetime, deadline: dt.datetime, department: str = "人社") -> Referral:
    row = Referral(
        number=next_number(db, "ZJ", created.date()), openid="o_resident", village_id=village.id, department=department,
        matter_enc=cipher.encrypt("想参加技能培训"), deadline=deadline, created_at=created,
    )
    db.add(row)
    db.flush()
    return row


def done_visit(db, member: Member, on: dt.datetime, staff_row: Staff | None = None, kind: str = "routine") -> Visit:
    row = Visit(member_id=member.id, village_id=member.household.village_id, staff_id=staff_row.id if staff_row else None, kind=kind,
                due_date=on.date(), status=VisitStatus.DONE.value, completed_at=on, checkin_at=on, outcome="正常")
    db.add(row)
    db.flush()
    return row


def lead(db, cipher, village: Village | None, created: dt.datetime, deadline: dt.datetime) -> Lead:
    row = Lead(
        number=next_number(db, "BG", created.date()), village_id=village.id if village else None,
        subject_enc=cipher.encrypt("独居老人"), address_enc=cipher.encrypt("城北村"), situations=["alone"], deadline=deadline,
        created_at=created, updated_at=created,
    )
    db.add(row)
    db.flush()
    return row
