"""Applications for assistance (申请): 初审 by the village, then review by the town's A/B posts.

    village_review 待初审 → town_review 待乡镇审核 → approved 已通过 / rejected 未通过 / transferred 已转介

A verified lead becomes an application (``create_from_lead``). The village's secretary or
协理员 records the first review with a two-person survey team (``first_review``); the town's
A post then has ``review_workdays`` (2) working days to approve, reject with a policy
explanation for the applicant, or transfer the matter to a department (a ``Referral`` with
``transfer_workdays``, 1 working day). The B post backs the A post up: it sees and may take
over the A post's items when the town has no active A post with a bound WeChat, or once an
item is past half time (``queue_for``, ``may_act``).

Use cases take the open session and return a ``Result`` with the ``Notice``s for the caller to
record in the same transaction; they are idempotent (repeating a step changes nothing and
sends nothing) and every change is in the audit trail. Texts are at the top of the module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import audit
from models.areas import Village
from models.calendar import as_utc, load_work_calendar, local, local_today
from models.catalogue.catalogue import load_thresholds
from db.base import Base, IdPk, Timestamp
from models.requests.dispatch import county_staff
from models.households.households import Member, mask_name
from models.leads import Lead, LeadReporter, LeadStatus
from models.notices import Facts, Notice, NoticeKind, to_all, when
from models.numbers import next_number
from policy.clocks import stage_times
from policy.thresholds import Thresholds
from policy.workdays import WorkCalendar
from models.requests.requests import Referral, create_referral
from models.households.residents import residents_of_member
from models.staff.staff import Role, Staff, town_staff, village_staff

# -- texts (notices; the chat side has its own) ---------------------------------------------------

NEW_FOR_VILLAGE = "【待初审】救助申请 {number}：{who}（由线索 {lead} 转来）。请组织两人调查组上门，在 {deadline} 前完成初审，回复“初审”办理。"
NEW_FOR_REPORTER = "您反映的情况已登记为救助申请 {number}，村里会上门调查，结果会告诉您。"
NEW_FOR_TOWN = "【待审核】救助申请 {number}：{village} {who}，村初审{advice}（调查人：{team}）。请在 {deadline} 前审核，回复“审核”查看。"
ADVICE = {True: "建议通过", False: "建议不通过"}
TO_APPLICANT = {
    "approved": "{whose} {number} 已审核通过。村里的工作人员会联系您安排帮扶。有疑问请回复“人工”。",
    "rejected": "{whose} {number} 经乡镇审核，暂不符合条件。政策说明：{explanation}\n如有疑问或不同意见，请回复“人工”，或联系村里、乡镇民政办。",
    "transferred": "{whose} {number} 需要由{department}办理，乡镇已转介（编号 {referral}），会在 {deadline} 前转过去，并告诉您结果。",
}
WHOSE_RESIDENT = "您的救助申请"
WHOSE_REPORTER = "您反映情况后登记的救助申请"
TO_VILLAGE = "【审核结果】救助申请 {number}（{who}）：{result}。"
RESULT = {"approved": "已通过", "rejected": "未通过，原因：{explanation}", "transferred": "已转介{department}（{referral}）"}
TAKEN_OVER = "【B岗已接手】救助申请 {number} 已由B岗{name}办理：{result}。"
REFERRAL_DONE = "您的转介事项 {number} 已转交{department}，他们会联系您。有疑问请回复“人工”。"
# the clocks (models.deadlines.application_alerts)
TOWN_HALF_TIME_B = "【B岗提醒】救助申请 {number}（{village}）已过一半审核时限（{deadline} 到期），A岗仍未办理，您可以接手：回复“审核”查看。"
TOWN_OVERDUE = "【审核逾期】救助申请 {number}（{village}）已超过审核期限（{deadline}），请尽快办理；B岗可直接接手。"


class ApplicationStatus(str, Enum):
    VILLAGE_REVIEW = "village_review"  # 待初审
    TOWN_REVIEW = "town_review"  # 待乡镇审核
    APPROVED = "approved"  # 已通过
    REJECTED = "rejected"  # 未通过（附政策说明）
    TRANSFERRED = "transferred"  # 已转介其他部门

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ApplicationStatus.VILLAGE_REVIEW: "待初审",
    ApplicationStatus.TOWN_REVIEW: "待乡镇审核",
    ApplicationStatus.APPROVED: "已通过",
    ApplicationStatus.REJECTED: "未通过",
    ApplicationStatus.TRANSFERRED: "已转介",
}
OPEN_STATUSES = (ApplicationStatus.VILLAGE_REVIEW.value, ApplicationStatus.TOWN_REVIEW.value)


class Source(str, Enum):
    LEAD = "lead"  # a neighbour's report, verified by the village
    RESIDENT = "resident"  # the household itself (or a proxy)


class Decision(str, Enum):
    """What the town decides; the value is the application's status afterwards."""

    APPROVE = "approved"
    REJECT = "rejected"
    TRANSFER = "transferred"


class Outcome(str, Enum):
    DONE = "done"
    ALREADY = "already"  # the same step was done before (a repeated message): nothing changed
    CLOSED = "closed"  # the application is at another step (decided, or not yet reviewed)
    NOT_ALLOWED = "not_allowed"  # another village or town, another role, or B before takeover
    INVALID = "invalid"  # see ``Result.problem``


class Problem(str, Enum):
    SURVEYORS = "surveyors"  # two different names are needed
    FINDINGS = "findings"
    EXPLANATION = "explanation"  # a rejection needs a policy explanation
    DEPARTMENT = "department"


MIN_EXPLANATION = 4
"""Characters a policy explanation needs at least (a reason, not "不行")."""


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_town_status", "town_id", "status"),)

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(24), unique=True)  # SQ20261207-0001
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    source: Mapped[str] = mapped_column(String(12))
    #: one application per lead: the database refuses a second
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), unique=True)
    subject_enc: Mapped[str] = mapped_column(Text)  # who: a name or a description
    contact_enc: Mapped[str | None] = mapped_column(Text)  # an address or a phone
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.VILLAGE_REVIEW.value)
    # 初审: the two-person survey team, what they found, and the village's advice
    surveyor_1: Mapped[str | None] = mapped_column(String(32))
    surveyor_2: Mapped[str | None] = mapped_column(String(32))
    findings_enc: Mapped[str | None] = mapped_column(Text)
    village_recommends: Mapped[bool | None]
    village_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    village_reviewed_at: Mapped[dt.datetime | None]
    #: the town post holding the review: town_a, or town_b (no A post, or taken over)
    assigned_post: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[dt.datetime | None]
    explanation_enc: Mapped[str | None] = mapped_column(Text)  # the policy explanation of a rejection
    department: Mapped[str | None] = mapped_column(String(16))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    #: the clock of the current step (初审, then the town's review); no deadline once decided
    stage_started_at: Mapped[dt.datetime]
    deadline: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[dt.datetime]

    @property
    def state(self) -> ApplicationStatus:
        return ApplicationStatus(self.status)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    application: Application | None = None
    notices: tuple[Notice, ...] = ()
    referral: Referral | None = None
    #: the B post acted on an item the A post held
    took_over: bool = False
    problem: Problem | None = None


class Refused(ValueError):
    """A caller asked for something its own checks should have prevented (wrong village, a
    lead that is not verified): a bug at the call site, not a user's mistake."""


# -- reading -----------------------------------------------------------------------------------


def find_by_number(db: Session, number: str) -> Application | None:
    return db.scalar(select(Application).where(Application.number == number.strip().upper()))


def awaiting_first_review(db: Session, village_id: int) -> list[Application]:
    query = select(Application).where(Application.village_id == village_id, Application.status == ApplicationStatus.VILLAGE_REVIEW.value)
    return list(db.scalars(query.order_by(Application.deadline, Application.id)))


def find_referral(db: Session, number: str) -> Referral | None:
    return db.scalar(select(Referral).where(Referral.number == number.strip().upper()))


def town_referrals(db: Session, town_id: int) -> list[Referral]:
    """Referrals of the town's villages still waiting to be handed to their department."""
    query = select(Referral).join(Village, Village.id == Referral.village_id).where(Village.town_id == town_id, Referral.status == "pending")
    return list(db.scalars(query.order_by(Referral.deadline, Referral.id)))


def rules(db: Session) -> tuple[WorkCalendar, Thresholds]:
    return load_work_calendar(db), load_thresholds(db)


def deadline_after(now: dt.datetime, workdays: int, calendar: WorkCalendar) -> dt.datetime:
    return as_utc(calendar.add_workdays(local(now), workdays))


def half_time(app: Application, calendar: WorkCalendar, thresholds: Thresholds) -> dt.datetime:
    """When half of the current step's office time has passed (the B post may take over)."""
    return as_utc(stage_times(local(app.stage_started_at), local(app.deadline), calendar, thresholds).warn)


# -- the town's queue and the A/B rule --------------------------------------------------------------

TOWN_ROLES = (Role.TOWN_A.value, Role.TOWN_B.value)


@dataclass(frozen=True)
class QueueItem:
    application: Application
    half_time: dt.datetime
    #: the B post sees an item the A post holds (A absent, or past half time)
    takeover: bool


def a_post_present(db: Session, town_id: int) -> bool:
    """The town has an active A post with a bound WeChat."""
    return any(s.openid for s in town_staff(db, town_id, {Role.TOWN_A}))


def queue_for(db: Session, staff: Staff, now: dt.datetime) -> list[QueueItem]:
    """The applications ``staff`` may review now, soonest deadline first; empty for anyone but
    the town's own A and B posts."""
    if not _is_town_post(staff):
        return []
    calendar, thresholds = rules(db)
    query = select(Application).where(Application.town_id == staff.town_id, Application.status == ApplicationStatus.TOWN_REVIEW.value)
    items = [_item(app, calendar, thresholds) for app in db.scalars(query.order_by(Application.deadline, Application.id))]
    if staff.role == Role.TOWN_A.value:
        return items
    absent = not a_post_present(db, staff.town_id)
    return [i for i in items if not i.takeover or absent or now >= i.half_time]


def may_act(db: Session, staff: Staff, app: Application, now: dt.datetime) -> bool:
    """The town's A post always; the B post on its own items, and on the A post's once the town
    has no A post present or the item is past half time."""
    if not _is_town_post(staff) or staff.town_id != app.town_id:
        return False
    if staff.role == Role.TOWN_A.value or app.assigned_post != Role.TOWN_A.value:
        return True
    calendar, thresholds = rules(db)
    return not a_post_present(db, app.town_id) or now >= half_time(app, calendar, thresholds)


def _is_town_post(staff: Staff | None) -> bool:
    return bool(staff and staff.active and staff.role in TOWN_ROLES and staff.town_id and staff.village_id is None)


def _item(app: Application, calendar: WorkCalendar, thresholds: Thresholds) -> QueueItem:
    return QueueItem(app, half_time(app, calendar, thresholds), app.assigned_post == Role.TOWN_A.value)


# -- use cases ---------------------------------------------------------------------------------------


def create_from_lead(db: Session, cipher, lead_id: int, staff_id: int, now: dt.datetime) -> tuple[Application, tuple[Notice, ...]]:
    """Turn a verified lead into an application waiting for 初审 (2 working days).

    ``staff_id`` is the village's secretary or 协理员 doing it. Idempotent: a lead that already
    has an application returns it, with no notices. Raises ``Refused`` for a lead that is not
    verified (mark it verified first; the same transaction is fine), has no village, or belongs
    to another village than the staff's.
    """
    lead = db.scalar(select(Lead).where(Lead.id == lead_id).with_for_update())
    existing = db.scalar(select(Application).where(Application.lead_id == lead_id)) if lead else None
    if existing is not None:
        return existing, ()
    staff = db.get(Staff, staff_id)
    _check_convertible(lead, staff)
    village = db.get(Village, lead.village_id)
    calendar, thresholds = rules(db)
    app = Application(
        number=next_number(db, "SQ", local_today(now)), household_id=lead.household_id, village_id=village.id, town_id=village.town_id,
        source=Source.LEAD.value, lead_id=lead.id, subject_enc=cipher.encrypt(cipher.decrypt(lead.subject_enc)),
        contact_enc=cipher.encrypt(cipher.decrypt(lead.address_enc)), stage_started_at=now,
        deadline=deadline_after(now, thresholds.review_workdays, calendar), created_by_id=staff.id, created_at=now, updated_at=now,
    )
    db.add(app)
    db.flush()
    audit.record(db, "application", app.id, "created", _actor(staff), audit.Channel.WECHAT, now, source="lead", lead=lead.number)
    audit.record(db, "lead", lead.id, "application_created", _actor(staff), audit.Channel.WECHAT, now, application=app.number)
    return app, _created_notices(db, cipher, app, lead, staff, now)


def _check_convertible(lead: Lead | None, staff: Staff | None) -> None:
    if lead is None:
        raise Refused("no such lead")
    if lead.status not in (LeadStatus.VERIFIED.value, LeadStatus.CONVERTED.value):
        raise Refused(f"lead {lead.number} is {lead.status}: verify it first")
    if lead.village_id is None:
        raise Refused(f"lead {lead.number} has no village: set it first")
    if not _is_village_reviewer(staff, lead.village_id):
        raise Refused(f"staff {staff.id if staff else None} may not convert leads of village {lead.village_id}")


def _created_notices(db: Session, cipher, app: Application, lead: Lead, creator: Staff, now: dt.datetime) -> tuple[Notice, ...]:
    who = cipher.decrypt(app.subject_enc)
    staff_text = NEW_FOR_VILLAGE.format(number=app.number, who=who, lead=lead.number, deadline=when(app.deadline))
    staff_facts = Facts(number=app.number, item="救助申请初审", village=_village_name(db, app), person=mask_name(who), deadline=app.deadline, at=now, status="待初审", next_step="两人入户调查后初审")
    reporter_facts = Facts(number=app.number, item="救助申请", at=now, status="已登记", next_step="村里会上门调查")
    village = to_all((s.openid for s in village_staff(db, app.village_id) if s.id != creator.id), staff_text, NoticeKind.APPLICATION, staff_facts)
    return village + to_all(_reporters(db, cipher, lead.id), NEW_FOR_REPORTER.format(number=app.number), NoticeKind.PROGRESS, reporter_facts)


def link_household(db: Session, app: Application, household_id: int, member_id: int | None, staff: Staff, now: dt.datetime) -> bool:
    """Record the household (and member) once the village has created it; the member's bound
    WeChat users are then told the outcome. False when ``staff`` is not of the village."""
    if not (_is_village_reviewer(staff, app.village_id) or (_is_town_post(staff) and staff.town_id == app.town_id)):
        return False
    app.household_id, app.member_id, app.updated_at = household_id, member_id, now
    audit.record(db, "application", app.id, "household_linked", _actor(staff), audit.Channel.WECHAT, now, household=household_id, member=member_id)
    return True


def first_review(
    db: Session,
    cipher,
    app: Application,
    staff: Staff,
    *,
    surveyors: tuple[str, str],
    findings: str,
    recommend: bool,
    now: dt.datetime,
    channel: audit.Channel = audit.Channel.WECHAT,
) -> Result:
    """初审: the survey team's two members (different people), findings and the village's advice;
    the application goes to the town's A post (the B post if there is none) for 2 working days."""
    app = _locked(db, app.id)
    if not _is_village_reviewer(staff, app.village_id):
        return Result(Outcome.NOT_ALLOWED, app)
    if app.state is not ApplicationStatus.VILLAGE_REVIEW:
        return Result(Outcome.ALREADY if app.village_reviewed_at else Outcome.CLOSED, app)
    team = tuple(_name(s) for s in surveyors)
    if len(team) != 2 or not all(team) or team[0] == team[1]:
        return Result(Outcome.INVALID, app, problem=Problem.SURVEYORS)
    if not findings or not findings.strip():
        return Result(Outcome.INVALID, app, problem=Problem.FINDINGS)
    calendar, thresholds = rules(db)
    app.surveyor_1, app.surveyor_2 = team
    app.findings_enc, app.village_recommends = cipher.encrypt(findings.strip()), recommend
    app.village_reviewer_id, app.village_reviewed_at = staff.id, now
    app.status = ApplicationStatus.TOWN_REVIEW.value
    app.assigned_post = Role.TOWN_A.value if a_post_present(db, app.town_id) else Role.TOWN_B.value
    app.stage_started_at, app.deadline, app.updated_at = now, deadline_after(now, thresholds.review_workdays, calendar), now
    audit.record(db, "application", app.id, "first_review", _actor(staff), channel, now, surveyors=list(team), recommend=recommend, post=app.assigned_post)
    text = NEW_FOR_TOWN.format(number=app.number, village=_village_name(db, app), who=mask_name(cipher.decrypt(app.subject_enc)),
                               advice=ADVICE[recommend], team="、".join(team), deadline=when(app.deadline))
    facts = Facts(number=app.number, item="救助申请审核", village=_village_name(db, app), person=mask_name(cipher.decrypt(app.subject_enc)), deadline=app.deadline, at=now,
                  status="待审核", next_step=f"村初审{ADVICE[recommend]}")
    return Result(Outcome.DONE, app, to_all(_post_openids(db, app), text, NoticeKind.APPLICATION, facts))


def town_decide(
    db: Session,
    cipher,
    app: Application,
    staff: Staff,
    decision: Decision,
    note: str | None,
    now: dt.datetime,
    channel: audit.Channel = audit.Channel.WECHAT,
) -> Result:
    """The town's decision: approve; reject (``note`` = the policy explanation, told to the
    applicant); or transfer (``note`` = the department; a referral due in 1 working day).
    The B post deciding an A post's item takes it over (allowed per ``may_act``)."""
    app = _locked(db, app.id)
    if not _is_town_post(staff) or staff.town_id != app.town_id:
        return Result(Outcome.NOT_ALLOWED, app)
    if app.state is not ApplicationStatus.TOWN_REVIEW:
        return Result(Outcome.ALREADY if app.status == decision.value else Outcome.CLOSED, app)
    if not may_act(db, staff, app, now):
        return Result(Outcome.NOT_ALLOWED, app)
    note = (note or "").strip()
    if decision is Decision.REJECT and len(note) < MIN_EXPLANATION:
        return Result(Outcome.INVALID, app, problem=Problem.EXPLANATION)
    if decision is Decision.TRANSFER and not note:
        return Result(Outcome.INVALID, app, problem=Problem.DEPARTMENT)
    took_over = _take_over_if_b(db, app, staff, now, channel)
    referral = _apply(db, cipher, app, staff, decision, note, now)
    audit.record(db, "application", app.id, decision.value, _actor(staff), channel, now, department=app.department, referral=referral.number if referral else None)
    notices = _decision_notices(db, cipher, app, referral, staff, took_over, now)
    return Result(Outcome.DONE, app, notices, referral, took_over)


def _take_over_if_b(db: Session, app: Application, staff: Staff, now: dt.datetime, channel: audit.Channel) -> bool:
    if staff.role != Role.TOWN_B.value or app.assigned_post != Role.TOWN_A.value:
        return False
    app.assigned_post = Role.TOWN_B.value
    audit.record(db, "application", app.id, "taken_over", _actor(staff), channel, now)
    return True


def _apply(db: Session, cipher, app: Application, staff: Staff, decision: Decision, note: str, now: dt.datetime) -> Referral | None:
    app.status, app.decided_by_id, app.decided_at, app.updated_at, app.deadline = decision.value, staff.id, now, now, None
    if decision is Decision.REJECT:
        app.explanation_enc = cipher.encrypt(note)
    if decision is not Decision.TRANSFER:
        return None
    app.department = note
    calendar, thresholds = rules(db)
    matter = f"救助申请 {app.number} 转介：{cipher.decrypt(app.findings_enc) if app.findings_enc else cipher.decrypt(app.subject_enc)}"
    member = db.get(Member, app.member_id) if app.member_id else None
    referral = create_referral(db, cipher, openid=next(iter(applicants(db, cipher, app)), ""), member=member, department=note, matter=matter,
                               deadline=deadline_after(now, thresholds.transfer_workdays, calendar), now=now)
    referral.village_id = referral.village_id or app.village_id  # a lead's household may not be on record yet
    audit.record(db, "referral", referral.id, "from_application", _actor(staff), audit.Channel.WECHAT, now, application=app.number)
    app.referral_id = referral.id
    return referral


RESULT_STATUS = {"approved": "已通过", "rejected": "未通过", "transferred": "已转介"}
RESULT_NEXT = {"approved": "村里会联系您安排帮扶", "rejected": "点开查看政策说明", "transferred": "转{department}办理"}


def _decision_notices(db: Session, cipher, app: Application, referral: Referral | None, staff: Staff, took_over: bool, now: dt.datetime) -> tuple[Notice, ...]:
    explanation = cipher.decrypt(app.explanation_enc) if app.explanation_enc else ""
    values = {"number": app.number, "explanation": explanation, "department": app.department or "",
              "referral": referral.number if referral else "", "deadline": when(referral.deadline) if referral else ""}
    who = mask_name(cipher.decrypt(app.subject_enc))
    whose = WHOSE_RESIDENT if _residents(db, app) else WHOSE_REPORTER
    result = RESULT[app.status].format(**values)
    facts = Facts(number=app.number, item="救助申请", person=who, at=now, status=RESULT_STATUS[app.status], next_step=RESULT_NEXT[app.status].format(**values))
    notices = to_all(applicants(db, cipher, app), TO_APPLICANT[app.status].format(whose=whose, **values), NoticeKind.REVIEW_RESULT, facts)
    notices += to_all((s.openid for s in village_staff(db, app.village_id)), TO_VILLAGE.format(number=app.number, who=who, result=result), NoticeKind.REVIEW_RESULT, facts)
    if took_over:
        b_facts = Facts(**{**facts.__dict__, "next_step": f"已由B岗{staff.name}办理"})
        notices += to_all((s.openid for s in town_staff(db, app.town_id, {Role.TOWN_A})), TAKEN_OVER.format(number=app.number, name=staff.name, result=result), NoticeKind.REVIEW_RESULT, b_facts)
    return notices


def hand_over_referral(db: Session, referral: Referral, staff: Staff, now: dt.datetime, channel: audit.Channel = audit.Channel.WECHAT) -> Result:
    """转交: the town has handed a referral of its villages to the department; the resident is told."""
    referral = db.scalar(select(Referral).where(Referral.id == referral.id).with_for_update().execution_options(populate_existing=True))
    village = db.get(Village, referral.village_id) if referral.village_id else None
    if not _is_town_post(staff) or village is None or village.town_id != staff.town_id:
        return Result(Outcome.NOT_ALLOWED, referral=referral)
    if referral.status != "pending":
        return Result(Outcome.ALREADY, referral=referral)
    referral.status, referral.transferred_at = "transferred", now
    audit.record(db, "referral", referral.id, "transferred", _actor(staff), channel, now, department=referral.department)
    people = [referral.openid, *(residents_of_member(db, referral.member_id) if referral.member_id else [])]
    facts = Facts(number=referral.number, item=f"转介{referral.department}", at=now, status="已转交", next_step=f"{referral.department}会联系您")
    return Result(Outcome.DONE, referral=referral, notices=to_all(people, REFERRAL_DONE.format(number=referral.number, department=referral.department), NoticeKind.REFERRAL, facts))


# -- who hears --------------------------------------------------------------------------------------


def applicants(db: Session, cipher, app: Application) -> list[str]:
    """Who is told the outcome: the WeChat users bound to the member; without them, whoever
    reported the lead (reporters who stayed anonymous to staff are still told)."""
    return _residents(db, app) or (_reporters(db, cipher, app.lead_id) if app.lead_id else [])


def _residents(db: Session, app: Application) -> list[str]:
    return residents_of_member(db, app.member_id) if app.member_id else []


def _reporters(db: Session, cipher, lead_id: int) -> list[str]:
    rows = db.scalars(select(LeadReporter.openid_enc).where(LeadReporter.lead_id == lead_id).order_by(LeadReporter.id))
    return list(dict.fromkeys(cipher.decrypt(token) for token in rows))


def _post_openids(db: Session, app: Application) -> list[str]:
    """The post holding the review; the county when the town has nobody bound."""
    role = Role(app.assigned_post)
    people = [s for s in town_staff(db, app.town_id, {role}) if s.openid] or [s for s in town_staff(db, app.town_id, set(map(Role, TOWN_ROLES))) if s.openid]
    return [s.openid for s in people or county_staff(db)]


# -- helpers ----------------------------------------------------------------------------------------


def _locked(db: Session, app_id: int) -> Application:
    """The row, locked for this transaction and re-read: two decisions never both pass."""
    return db.scalar(select(Application).where(Application.id == app_id).with_for_update().execution_options(populate_existing=True))


def _is_village_reviewer(staff: Staff | None, village_id: int) -> bool:
    return bool(staff and staff.active and staff.role in (Role.SECRETARY.value, Role.ASSISTANT.value) and staff.village_id == village_id)


def _village_name(db: Session, app: Application) -> str:
    return db.get(Village, app.village_id).name


def _name(text: str | None) -> str:
    return "".join((text or "").split())


def _actor(staff: Staff) -> str:
    return f"staff:{staff.id}"
