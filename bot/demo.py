"""The demo county for ``make run`` and the simulator: real Huoshan town names, fake people.

``seed`` is idempotent: running it again changes nothing. The personas are fake
openids the simulator uses; each is bound to a role in the demo county.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.alerts import claim
from models.areas import get_or_create_town, get_or_create_village
from models.budget import BudgetYear, set_funds
from models.calendar import day_start
from models.calendar import seed as seed_calendar
from models.catalogue.catalogue import ServiceItem, load_catalogue, load_thresholds, seed_catalogue
from db.crypto import DataCipher
from models.households.households import Assessment, Household, Member, household_facts, new_member
from models.numbers import next_number
from policy.assessment import assess
from models.catalogue.providers import Provider
from models.requests.requests import RequestStatus, ServiceRequest
from models.households.residents import bind, set_consent
from models.staff.staff import Role, Staff
from models.visits.schedule import schedule_due_visits
from models.visits.visits import Visit, VisitStatus
from models.staff.web_accounts import WebAccount, create_account


@dataclass(frozen=True)
class Persona:
    openid: str
    name: str
    role: str  # shown in the simulator only


RESIDENT = "o_demo_resident_wang"
NEIGHBOUR = "o_demo_neighbour_chen"
VOLUNTEER = "o_demo_volunteer_li"
SECRETARY = "o_demo_secretary_zhang"
PROVIDER = "o_demo_provider_kang"
TOWN_A = "o_demo_town_a_zhou"

PERSONAS = (
    Persona(RESIDENT, "王桂英（居民，78岁，低保，城北村）", "resident"),
    Persona(NEIGHBOUR, "陈大姐（邻居，未登记）", "reporter"),
    Persona(VOLUNTEER, "李志强（红马夹志愿者，城北村）", "volunteer"),
    Persona(SECRETARY, "张书记（城北村书记）", "secretary"),
    Persona(PROVIDER, "康乐家政（服务机构接单人）", "provider"),
    Persona(TOWN_A, "周科长（衡山镇A岗）", "town_a"),
)

#: back-office log-ins of the demo county (dev only): (username, password, staff name, role)
WEB_ACCOUNTS = (
    ("county", "jzt-county-2026", "县民政局刘科长", Role.COUNTY),
    ("hengshan", "jzt-town-2026", "周科长", Role.TOWN_A),
)

# (town, village, registered population, long-term recipients)
VILLAGES = (
    ("衡山镇", "城北村", 4200, 63),
    ("衡山镇", "南岳社区", 6800, 41),
    ("佛子岭镇", "佛子岭村", 3100, 55),
    ("下符桥镇", "下符桥村", 2600, 38),
)


def seed(db: Session, cipher: DataCipher, today: dt.date | None = None) -> str:
    """Create the demo county; running it again changes nothing."""
    today = today or dt.date.today()
    seed_catalogue(db)
    calendar = seed_calendar(db, today=today)
    villages = {}
    for town_name, village_name, population, recipients in VILLAGES:
        town = get_or_create_town(db, town_name)
        villages[village_name] = get_or_create_village(db, town, village_name, registered_population=population, long_term_recipients=recipients, station_phone="0564-5012345")
    if db.scalar(select(Household).where(Household.roster_no == "DEMO-0001")) is None:
        _households(db, cipher, villages, today)
        _providers(db, cipher, villages)
        _staff(db, villages)
        now = dt.datetime.now(dt.timezone.utc)
        set_consent(db, RESIDENT, True, now)
        bind(db, RESIDENT, _member_named(db, "王桂英"), "本人")
        db.flush()
        schedule_due_visits(db, now, load_thresholds(db))  # the volunteer persona has visits to make
    _assessments(db, today)
    _web_accounts(db)
    return f"{len(VILLAGES)} villages, {len(PERSONAS)} personas, calendar years {calendar.seeded[0]}–{calendar.seeded[-1]}"


def _household(db, cipher, village, roster_no, head, address, lat, lng, **facts) -> Household:
    household = Household(village=village, roster_no=roster_no, head_name=head, address_enc=cipher.encrypt(address), latitude=lat, longitude=lng, **facts)
    db.add(household)
    return household


def _households(db: Session, cipher: DataCipher, villages: dict, today: dt.date) -> None:
    wang = _household(db, cipher, villages["城北村"], "DEMO-0001", "王桂英", "霍山县衡山镇城北村3组12号", 31.4021, 116.3335,
                      monthly_income=Decimal("620"), monthly_rigid_expenditure=Decimal("300"), floor_area=Decimal("45"),
                      family_structures=["left_behind"], social_activities_per_month=Decimal("0.5"))
    new_member(db, cipher, wang, name="王桂英", id_number="342425194803150027", phone="13805640001", groups=["minimum_living", "elderly"],
               illness="chronic", self_care="semi_dependent", relation="户主")
    liu = _household(db, cipher, villages["城北村"], "DEMO-0002", "刘德海", "霍山县衡山镇城北村5组3号", 31.4050, 116.3301,
                     monthly_income=Decimal("900"), floor_area=Decimal("30"), family_structures=["left_behind"], has_social_security=True)
    new_member(db, cipher, liu, name="刘德海", id_number="342425194201080017", phone="13805640002", groups=["extreme_poverty_dispersed", "elderly"],
               disability_kind="physical", disability_grade=2, self_care="semi_dependent", relation="户主")
    zhang = _household(db, cipher, villages["佛子岭村"], "DEMO-0003", "张建国", "霍山县佛子岭镇佛子岭村2组8号", 31.3502, 116.2710,
                       monthly_income=Decimal("2600"), monthly_rigid_expenditure=Decimal("1700"), floor_area=Decimal("90"),
                       family_structures=["single_parent"])
    new_member(db, cipher, zhang, name="张建国", id_number="34242519810512003X", phone="13805640003", groups=["marginal"], labour="employed", relation="户主")
    new_member(db, cipher, zhang, name="张小红", id_number="342425200809150026", groups=["marginal", "minor"], schooling="high_school", relation="女儿")


def _providers(db: Session, cipher: DataCipher, villages: dict) -> None:
    items = {i.code: i for i in db.scalars(select(ServiceItem))}
    everywhere = list(villages.values())
    for name, codes, covered, capacity, openid in (
        ("康乐家政服务有限公司", ("errand", "cleaning", "meals"), everywhere, 20, PROVIDER),
        ("城北村老年食堂", ("meals",), [villages["城北村"]], 30, None),
        ("衡山镇红马夹志愿服务队", ("visit", "volunteer_service", "neighbour_help"), [villages["城北村"], villages["南岳社区"]], 15, None),
        ("霍山县颐和养老院", ("institutional_care", "daily_care"), everywhere, 5, None),
    ):
        db.add(Provider(name=name, item_rows=[items[c] for c in codes], villages=covered, daily_capacity=capacity, openid=openid,
                        contact_name="负责人", contact_phone_enc=cipher.encrypt("0564-5020000")))


def _staff(db: Session, villages: dict) -> None:
    chengbei = villages["城北村"]
    provider = db.scalar(select(Provider).where(Provider.openid == PROVIDER))
    for name, role, village, openid in (
        ("李志强", Role.VOLUNTEER, chengbei, VOLUNTEER),
        ("张书记", Role.SECRETARY, chengbei, SECRETARY),
        ("陈协理员", Role.ASSISTANT, chengbei, None),
    ):
        db.add(Staff(name=name, role=role.value, town_id=village.town_id, village_id=village.id, openid=openid))
    db.add(Staff(name="周科长", role=Role.TOWN_A.value, town_id=chengbei.town_id, openid=TOWN_A))
    db.add(Staff(name="吴干事", role=Role.TOWN_B.value, town_id=chengbei.town_id))
    db.add(Staff(name="康乐家政接单员", role=Role.PROVIDER.value, provider_id=provider.id, openid=PROVIDER))


def _member_named(db: Session, name: str) -> Member:
    return db.scalar(select(Member).where(Member.name == name))


def _assessments(db: Session, today: dt.date) -> None:
    """The demo households' needs assessment (附件2), once."""
    thresholds, catalogue = load_thresholds(db), load_catalogue(db)
    for household in db.scalars(select(Household).where(Household.roster_no.like("DEMO-%"))):
        if db.scalar(select(Assessment.id).where(Assessment.household_id == household.id).limit(1)) is not None:
            continue
        outcome = assess(household_facts(household, today), thresholds, catalogue)
        db.add(Assessment(household_id=household.id, assessor="demo", result=outcome.to_dict(), distressed_count=outcome.distressed_count,
                          level=outcome.level.value, suggested_services=list(outcome.suggested_services)))
    db.flush()


def _web_accounts(db: Session) -> None:
    """A county and a town (衡山镇 A post) log-in for the back office, once."""
    town = get_or_create_town(db, "衡山镇")
    now = dt.datetime.now(dt.timezone.utc)
    for username, password, name, role in WEB_ACCOUNTS:
        if db.scalar(select(WebAccount.id).where(WebAccount.username == username)) is not None:
            continue
        staff = db.scalar(select(Staff).where(Staff.name == name, Staff.role == role.value))
        if staff is None:
            staff = Staff(name=name, role=role.value, town_id=None if role is Role.COUNTY else town.id)
            db.add(staff)
            db.flush()
        create_account(db, staff, username, password, "demo", now)


# -- a few months of activity, for the back office (``flask demo seed`` only) ------------------

HISTORY = "o_demo_history"
"""The requester of the demo's past requests: their presence means the history is there."""

UNIT_COSTS = {"cleaning": Decimal("80"), "meals": Decimal("15"), "errand": Decimal("30"), "daily_care": Decimal("120")}


def seed_activity(db: Session, cipher: DataCipher, today: dt.date | None = None) -> str:
    """Past requests, visits, prices and the year's funds, so the back office has something to show.
    Idempotent; never overwrites a unit cost or funds the county entered."""
    today = today or dt.date.today()
    if db.scalar(select(ServiceRequest.id).where(ServiceRequest.requested_by == HISTORY).limit(1)) is not None:
        return "demo activity already there"
    for code, cost in UNIT_COSTS.items():
        item = db.get(ServiceItem, code)
        if item is not None and item.unit_cost is None:
            item.unit_cost = cost
    county = db.scalar(select(Staff).where(Staff.role == Role.COUNTY.value))
    if db.get(BudgetYear, today.year) is None and county is not None:
        set_funds(db, today.year, Decimal("150000"), county.id, dt.datetime.now(dt.timezone.utc), note="演示数据")
    liu, zhang = _member_named(db, "刘德海"), _member_named(db, "张建国")
    provider = db.scalar(select(Provider).where(Provider.openid == PROVIDER))
    made = 0
    for days_ago, member, code, status, rating in (
        (40, liu, "cleaning", RequestStatus.COMPLETED, "satisfied"),
        (33, liu, "meals", RequestStatus.COMPLETED, "basic"),
        (21, zhang, "errand", RequestStatus.COMPLETED, "unsatisfied"),
        (12, liu, "cleaning", RequestStatus.COMPLETED, None),
        (3, liu, "errand", RequestStatus.ACCEPTED, None),
        (1, zhang, "meals", RequestStatus.ESCALATED, None),
    ):
        _past_request(db, cipher, member, code, status, rating, provider, today - dt.timedelta(days=days_ago))
        made += 1
    visits = _past_visits(db, liu, today)
    return f"{made} past requests, {visits} visits"


def _past_request(db: Session, cipher: DataCipher, member: Member, code: str, status: RequestStatus, rating: str | None, provider: Provider, day: dt.date) -> None:
    created = day_start(day) + dt.timedelta(hours=9, minutes=20)
    request = ServiceRequest(number=next_number(db, "FW", day), member_id=member.id, village_id=member.household.village_id, item_code=code,
                             description_enc=cipher.encrypt("演示：过去的服务请求"), address_enc=cipher.encrypt(cipher.decrypt(member.household.address_enc)),
                             requested_by=HISTORY, relation="本人",
                             status=status.value, created_at=created, rating=rating)
    db.add(request)
    db.flush()
    steps = [("created", "wechat:o_demo_histo", created), ("offered", "system", created + dt.timedelta(minutes=1))]
    if status is RequestStatus.ESCALATED:
        steps.append(("escalated", "system", created + dt.timedelta(hours=4)))
        claim(db, "request", request.id, "town_a", created + dt.timedelta(hours=4))
    else:
        request.provider_id, request.assigned_at = provider.id, created + dt.timedelta(minutes=40)
        steps.append(("accepted", f"provider:{provider.id}", request.assigned_at))
    if status is RequestStatus.COMPLETED:
        request.completed_at = created + dt.timedelta(hours=6)
        steps += [("on_site", f"provider:{provider.id}", created + dt.timedelta(hours=5)), ("completed", f"provider:{provider.id}", request.completed_at)]
    if rating:
        steps.append(("rated", "wechat:o_demo_histo", request.completed_at + dt.timedelta(hours=2)))
    for action, actor, at in steps:
        audit.record(db, "request", request.id, action, actor, audit.Channel.WECHAT if actor.startswith(("wechat", "provider")) else audit.Channel.WORKER, at)


def _past_visits(db: Session, member: Member, today: dt.date) -> int:
    volunteer = db.scalar(select(Staff).where(Staff.openid == VOLUNTEER))
    count = 0
    for months_ago, done_late in ((3, False), (2, True), (1, False)):
        due = today - dt.timedelta(days=30 * months_ago)
        done_at = day_start(due + dt.timedelta(days=3 if done_late else -1)) + dt.timedelta(hours=2)
        db.add(Visit(member_id=member.id, village_id=member.household.village_id, staff_id=volunteer.id, due_date=due, status=VisitStatus.DONE.value,
                     checkin_at=done_at - dt.timedelta(minutes=30), completed_at=done_at, outcome="normal", photos=[], created_at=done_at))
        count += 1
    return count
