"""A small two-town county with known figures, for the back-office tests.

衡山镇 (城北村, 南岳社区) and 佛子岭镇 (佛子岭村); web accounts for the county (``county``),
衡山镇's A post (``hengshan``) and 佛子岭镇's A post (``fozi``), all with ``PASSWORD``.
Every builder takes an open session and flushes; the test commits.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models import audit
from models.alerts import claim
from models.applications import Application
from models.areas import Town, Village, get_or_create_town, get_or_create_village
from models.calendar import COUNTY_TZ
from models.catalogue.catalogue import ServiceItem, seed_catalogue
from models.households.households import Assessment, Household, Member
from models.leads import Lead
from models.numbers import next_number
from models.catalogue.providers import Provider
from models.requests.requests import Referral, RequestStatus, ServiceRequest
from models.staff.staff import Role, Staff
from models.visits.visits import Visit, VisitStatus
from models.staff.web_accounts import create_account

PASSWORD = "test-pass-2026"
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.timezone.utc)  # Monday 10:00 in the county

_serial = itertools.count(1)


def cst(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=COUNTY_TZ).astimezone(dt.timezone.utc)


def areas(db) -> dict[str, Village]:
    seed_catalogue(db)
    hengshan, fozi = get_or_create_town(db, "衡山镇"), get_or_create_town(db, "佛子岭镇")
    return {
        "城北村": get_or_create_village(db, hengshan, "城北村"),
        "南岳社区": get_or_create_village(db, hengshan, "南岳社区"),
        "佛子岭村": get_or_create_village(db, fozi, "佛子岭村"),
    }


def web_user(db, username: str, role: Role, town: Town | None, name: str | None = None) -> Staff:
    person = Staff(name=name or f"{username}工作人员", role=role.value, town_id=town.id if town else None)
    db.add(person)
    db.flush()
    create_account(db, person, username, PASSWORD, "test", NOW)
    return person


def accounts(db, villages: dict[str, Village]) -> dict[str, Staff]:
    return {
        "county": web_user(db, "county", Role.COUNTY, None, "县民政局刘科长"),
        "hengshan": web_user(db, "hengshan", Role.TOWN_A, villages["城北村"].town, "周科长"),
        "fozi": web_user(db, "fozi", Role.TOWN_A, villages["佛子岭村"].town, "佛子岭A岗"),
    }


def household(db, cipher, village: Village, head: str = "王桂英", address: str | None = None, phone: str | None = "13805640001") -> Household:
    n = next(_serial)
    home = Household(village=village, roster_no=f"H{n:05d}", head_name=head, address_enc=cipher.encrypt(address or f"霍山县{village.town.name}{village.name}3组{n}号"))
    db.add(home)
    id_number = f"34242519480315{n:04d}"
    db.add(Member(household=home, name=head, id_number_enc=cipher.encrypt(id_number), id_number_hash=cipher.blind_index(id_number),
                  phone_enc=cipher.encrypt(phone) if phone else None, phone_hash=cipher.blind_index(phone) if phone else None,
                  birth_date=dt.date(1948, 3, 15), groups=["minimum_living"], relation="户主"))
    db.flush()
    return home


def two_villages(db, county) -> tuple[Village, Village]:
    """The demo county's 城北村 (衡山镇) and 佛子岭村 (佛子岭镇)."""
    return db.get(Village, county["villages"]["城北村"]), db.get(Village, county["villages"]["佛子岭村"])


def three_homes(db, cipher, county) -> tuple[Provider, Household, Household, Household]:
    """康乐家政 serving both villages; 王桂英 and 刘德海 in 城北村, 张建国 in 佛子岭村."""
    chengbei, fozi = two_villages(db, county)
    serving = provider(db, "康乐家政", [chengbei, fozi])
    return serving, household(db, cipher, chengbei, "王桂英"), household(db, cipher, chengbei, "刘德海"), household(db, cipher, fozi, "张建国")


def member_of(home: Household) -> Member:
    return home.members[0]


def assessment(db, home: Household, level: str, at: dt.datetime = NOW, count: int = 3) -> Assessment:
    row = Assessment(household_id=home.id, assessed_at=at, assessor="test", result={"indicators": {}, "services": []}, distressed_count=count, level=level, suggested_services=[])
    db.add(row)
    db.flush()
    return row


def request(db, cipher, home: Household, status: RequestStatus = RequestStatus.RECEIVED, item: str = "cleaning", created: dt.datetime = NOW,
            completed: dt.datetime | None = None, rating: str | None = None, provider: Provider | None = None) -> ServiceRequest:
    person = member_of(home)
    row = ServiceRequest(
        number=next_number(db, "FW", created.date()), member_id=person.id, village_id=home.village_id, item_code=item,
        description_enc=cipher.encrypt("打扫卫生"), address_enc=home.address_enc, requested_by="o_resident", status=status.value,
        created_at=created, completed_at=completed, rating=rating, provider_id=provider.id if provider else None,
        assigned_at=created + dt.timedelta(minutes=30) if provider else None,
    )
    db.add(row)
    db.flush()
    audit.record(db, "request", row.id, "created", "wechat:o_resident", audit.Channel.WECHAT, created, item=item)
    if provider is not None:
        audit.record(db, "request", row.id, "accepted", f"provider:{provider.id}", audit.Channel.WECHAT, created + dt.timedelta(minutes=30))
    if completed is not None:
        audit.record(db, "request", row.id, "completed", f"provider:{provider.id if provider else 0}", audit.Channel.WECHAT, completed)
    return row


def escalate(db, row: ServiceRequest, at: dt.datetime = NOW) -> None:
    row.status = RequestStatus.ESCALATED.value
    claim(db, "request", row.id, "town_a", at)
    audit.record(db, "request", row.id, "escalated", "system", audit.Channel.WORKER, at)


def referral(db, cipher, village: Village, deadline: dt.datetime, transferred_at: dt.datetime | None = None, department: str = "人社") -> Referral:
    row = Referral(number=next_number(db, "ZJ", deadline.date()), openid="o_resident", village_id=village.id, department=department, matter_enc=cipher.encrypt("找工作"),
                   status="transferred" if transferred_at else "pending", deadline=deadline, transferred_at=transferred_at, created_at=deadline - dt.timedelta(days=1))
    db.add(row)
    db.flush()
    return row


def lead(db, cipher, village: Village, deadline: dt.datetime, status: str = "open", missed: bool = False) -> Lead:
    row = Lead(number=next_number(db, "BG", deadline.date()), village_id=village.id, subject_enc=cipher.encrypt("王奶奶"), address_enc=cipher.encrypt("城北村"),
               situations=[], status=status, deadline=deadline, created_at=deadline - dt.timedelta(days=2), updated_at=deadline - dt.timedelta(days=2))
    db.add(row)
    db.flush()
    if missed:
        claim(db, "lead", row.id, "town", deadline)
    return row


def visit(db, home: Household, due: dt.date, done_on: dt.date | None = None, escalated: bool = False) -> Visit:
    done_at = None if done_on is None else dt.datetime.combine(done_on, dt.time(10), tzinfo=COUNTY_TZ).astimezone(dt.timezone.utc)
    row = Visit(member_id=member_of(home).id, village_id=home.village_id, due_date=due, status=VisitStatus.DONE.value if done_on else VisitStatus.DUE.value,
                completed_at=done_at, outcome="normal" if done_on else None, photos=[], escalated=escalated, created_at=NOW)
    db.add(row)
    db.flush()
    return row


def priced(db, code: str, cost: str | None) -> ServiceItem:
    item = db.get(ServiceItem, code)
    item.unit_cost = None if cost is None else Decimal(cost)
    return item


def provider(db, name: str, villages: list[Village], items: tuple[str, ...] = ("cleaning",)) -> Provider:
    row = Provider(name=name, daily_capacity=10, villages=list(villages), item_rows=[db.get(ServiceItem, c) for c in items])
    db.add(row)
    db.flush()
    return row


def application(db, cipher, village: Village, deadline: dt.datetime, decided_at: dt.datetime | None = None, missed: bool = False) -> Application:
    """An application in the town's review (deadline ``deadline``), decided at ``decided_at``;
    ``missed``: the clock reached the town review's deadline first."""
    row = Application(number=next_number(db, "SQ", deadline.date()), village_id=village.id, town_id=village.town_id, source="resident", subject_enc=cipher.encrypt("王桂英"),
                      status="approved" if decided_at else "town_review", stage_started_at=deadline - dt.timedelta(days=2), deadline=None if decided_at else deadline,
                      decided_at=decided_at, assigned_post="town_a", updated_at=decided_at or deadline)
    db.add(row)
    db.flush()
    if missed:
        claim(db, "application", row.id, "town_review:town", deadline)
    return row
