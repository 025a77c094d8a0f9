"""What every back-office view shares: who is logged in (``viewer()``), their area, the request's
database session, the guards run before each request, and small parsers for query strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy.orm import Session

from bot.admin import csrf
from bot.admin.blueprint import bp
from models.areas import Town
from models.budget import state_of
from models.calendar import load_work_calendar, local, local_today, missing_years
from policy.budget import BudgetLevel
from models.staff.staff import Role
from reports.supervision import Period, towns
from models.staff.web_accounts import account_for_session
from models.rules import examples_in_force, examples_text

PUBLIC_ENDPOINTS = {"admin.login", "admin.static"}


@dataclass(frozen=True)
class Viewer:
    """The logged-in staff member and their area: a town, or the whole county (``town_id`` None)."""

    account_id: int
    staff_id: int
    username: str
    name: str
    role: Role
    town_id: int | None
    town_name: str | None

    @property
    def is_county(self) -> bool:
        return self.role is Role.COUNTY

    @property
    def actor(self) -> str:
        return f"staff:{self.staff_id}"

    @property
    def area(self) -> str:
        return "全县" if self.is_county else (self.town_name or "")

    def scope(self, wanted_town: int | None = None) -> int | None:
        """The town whose data a query may read: the county may pick any (None: all); town
        staff always get their own, whatever they ask for."""
        return wanted_town if self.is_county else self.town_id

    def may_see_town(self, town_id: int | None) -> bool:
        return self.is_county or (town_id is not None and town_id == self.town_id)


def ctx():
    return current_app.extensions["jzt.context"]


def db() -> Session:
    """The request's session (closed, and rolled back if not committed, at teardown)."""
    if "jzt_db" not in g:
        g.jzt_db = ctx().Session()
    return g.jzt_db


def now() -> dt.datetime:
    return ctx().clock()


def today() -> dt.date:
    return local_today(now())


def viewer() -> Viewer:
    return g.viewer


@bp.teardown_app_request
def _close_session(_exc) -> None:
    session_ = g.pop("jzt_db", None)
    if session_ is not None:
        session_.close()


@bp.before_request
def _guard():
    """CSRF on every POST, then a log-in on every page but the log-in page."""
    csrf.check()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    loaded = _load_viewer()
    if loaded is None:
        session.pop("account_id", None)
        return redirect(url_for("admin.login", next=request.full_path if request.method == "GET" else None))
    g.viewer = loaded
    return None


def _load_viewer() -> Viewer | None:
    account_id = session.get("account_id")
    if not isinstance(account_id, int):
        return None
    account = account_for_session(db(), account_id)
    if account is None:
        return None
    staff = account.staff
    town_name = db().get(Town, staff.town_id).name if staff.town_id else None
    return Viewer(account.id, staff.id, account.username, staff.name, Role(staff.role), staff.town_id, town_name)


@bp.after_request
def _headers(response):
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    if request.endpoint != "admin.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _template_globals():
    return {"csrf_token": csrf.token, "viewer": g.get("viewer"), "budget_banner": _budget_banner, "calendar_banner": _calendar_banner,
            "missing_year": _missing_year, "rules_banner": _rules_banner}


def _missing() -> list[int]:
    if "jzt_missing_years" not in g:
        g.jzt_missing_years = missing_years(load_work_calendar(db()), today())
    return g.jzt_missing_years


def _missing_year() -> int | None:
    years = _missing()
    return years[0] if years else None


def _calendar_banner() -> str | None:
    """From 1 November, on every page, while next year's holidays are not entered."""
    years = _missing()
    if not years:
        return None
    names = "、".join(f"{y}年" for y in years)
    who = "请县民政局" if not viewer().is_county else "请"
    return f"{names}的法定节假日和调休安排还没有录入：这些年的办理期限只按周一至周五计算。{who}在国务院公布后录入。"


def _rules_banner() -> str | None:
    """On the overview, while the assessment still uses shipped examples."""
    examples = examples_in_force(db(), today())
    if not examples:
        return None
    return f"需求评估仍在使用系统自带的示例值（{examples_text(examples)}），评估结果不能作为依据。请县民政局在“规则设置”中填写本县数值或确认。"


def _budget_banner() -> str | None:
    """The county sees the cap warning on every page."""
    current = g.get("viewer")
    if current is None or not current.is_county:
        return None
    state = state_of(db(), today().year)
    if state.level in (BudgetLevel.WARNING, BudgetLevel.OVER):
        return f"服务类救助采购已用{float(state.share) * 100:.1f}%的年度上限（{state.level.label}）。"
    return None


@bp.errorhandler(400)
def _bad_request(error):
    return render_template("admin/error.html", title="请求无效", message=getattr(error, "description", "")), 400


@bp.errorhandler(403)
def _forbidden(error):
    return render_template("admin/error.html", title="无权访问", message="这个页面只对县民政局开放。"), 403


@bp.errorhandler(404)
def _not_found(error):
    return render_template("admin/error.html", title="找不到", message="没有这条记录，或它不在您的管辖范围内。"), 404


def county_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not viewer().is_county:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def not_found():
    """Records outside the viewer's area look exactly like records that do not exist."""
    abort(404)


# -- parsing ---------------------------------------------------------------------------------


def arg_int(name: str, default: int | None = None) -> int | None:
    raw = request.values.get(name, "").strip()
    return int(raw) if raw.isdigit() else default


def arg_date(name: str, default: dt.date | None = None) -> dt.date | None:
    raw = request.values.get(name, "").strip()
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def period_arg() -> Period:
    """``start``/``end`` from the query (county dates); default: this year to today."""
    default = Period.year_to_date(today())
    start, end = arg_date("start", default.start), arg_date("end", default.end)
    if start > end:
        start, end = end, start
    return Period(start, end)


def town_choices() -> list[tuple[int, str]]:
    """Towns the viewer may choose: all for the county, their own for town staff."""
    return towns(db(), None if viewer().is_county else viewer().town_id)


# -- template filters ------------------------------------------------------------------------


@bp.app_template_filter("pct")
def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


@bp.app_template_filter("when")
def _when(moment: dt.datetime | None) -> str:
    """A stored time in county time: 2026-03-01 09:12."""
    return "" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("yuan")
def _yuan(amount) -> str:
    return "—" if amount is None else f"{amount:,.2f}"
