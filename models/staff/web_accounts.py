"""Back-office log-ins (web accounts) of town and county staff.

One account per staff member: a username, a password hash (scrypt, through
``werkzeug.security``), and the lock-out state, kept in the database so that every web process
sees it: after ``MAX_FAILURES`` wrong passwords in a row the account is locked for
``LOCK_MINUTES``. A wrong password while locked does not extend the lock; nothing is checked
while it lasts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.audit import Channel, record
from db.base import Base, IdPk, Timestamp, as_utc
from models.staff.staff import Role, Staff

MAX_FAILURES = 5
"""Wrong passwords in a row that lock an account."""

LOCK_MINUTES = 15
"""How long a locked account stays locked."""

MIN_PASSWORD_LENGTH = 10

WEB_ROLES = (Role.COUNTY, Role.TOWN_A, Role.TOWN_B)
"""Who may log in to the back office."""

_HASH_METHOD = "scrypt"
#: checked when the username is unknown, so that the answer takes as long as a real check
_DUMMY_HASH = generate_password_hash("jzt-no-such-user", method=_HASH_METHOD)


class WebAccount(Base):
    __tablename__ = "web_accounts"

    id: Mapped[IdPk]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    failed_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    staff: Mapped[Staff] = relationship()


class LoginOutcome(str, Enum):
    OK = "ok"
    WRONG = "wrong"  # unknown user or wrong password: the same answer for both
    LOCKED = "locked"  # this attempt locked it, or it was locked already
    INACTIVE = "inactive"  # the account or its staff member is switched off


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    account_id: int | None = None
    locked_until: dt.datetime | None = None


class AccountError(ValueError):
    """An account cannot be created as asked (the message says why, in Chinese)."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_HASH_METHOD)


def normal_username(username: str) -> str:
    return username.strip().lower()


def find_account(db: Session, username: str) -> WebAccount | None:
    return db.scalar(select(WebAccount).where(WebAccount.username == normal_username(username)))


def authenticate(db: Session, username: str, password: str, now: dt.datetime) -> LoginResult:
    """Check a log-in; count failures and lock as the rules say; audit every attempt."""
    account = find_account(db, username)
    if account is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(LoginOutcome.WRONG)
    locked_until = as_utc(account.locked_until)
    if locked_until is not None and locked_until > now:
        record(db, "web_account", account.id, "login_refused_locked", f"web:{account.username}", Channel.WEB, now)
        return LoginResult(LoginOutcome.LOCKED, account.id, locked_until)
    if not check_password_hash(account.password_hash, password):
        return _failed(db, account, now)
    if not (account.active and account.staff.active and account.staff.role in {r.value for r in WEB_ROLES}):
        record(db, "web_account", account.id, "login_refused_inactive", f"web:{account.username}", Channel.WEB, now)
        return LoginResult(LoginOutcome.INACTIVE, account.id)
    account.failed_count, account.locked_until, account.last_login_at = 0, None, now
    record(db, "web_account", account.id, "login", f"staff:{account.staff_id}", Channel.WEB, now)
    return LoginResult(LoginOutcome.OK, account.id)


def _failed(db: Session, account: WebAccount, now: dt.datetime) -> LoginResult:
    """One more failure, counted in the database (two processes cannot lose one)."""
    count = db.execute(
        update(WebAccount).where(WebAccount.id == account.id).values(failed_count=WebAccount.failed_count + 1).returning(WebAccount.failed_count)
    ).scalar_one()
    if count < MAX_FAILURES:
        record(db, "web_account", account.id, "login_failed", f"web:{account.username}", Channel.WEB, now, failures=count)
        return LoginResult(LoginOutcome.WRONG, account.id)
    until = now + dt.timedelta(minutes=LOCK_MINUTES)
    db.execute(update(WebAccount).where(WebAccount.id == account.id).values(failed_count=0, locked_until=until))
    record(db, "web_account", account.id, "locked", f"web:{account.username}", Channel.WEB, now, until=until.isoformat())
    return LoginResult(LoginOutcome.LOCKED, account.id, until)


def all_accounts(db: Session) -> list[WebAccount]:
    return list(db.scalars(select(WebAccount).order_by(WebAccount.username)))


def account_for_session(db: Session, account_id: int) -> WebAccount | None:
    """The account behind a session, if it may still use the back office."""
    account = db.get(WebAccount, account_id)
    if account is None or not account.active or not account.staff.active:
        return None
    return account


def create_account(db: Session, staff: Staff, username: str, password: str, actor: str, now: dt.datetime, channel: Channel = Channel.CLI) -> WebAccount:
    """A log-in for a town or county staff member; refuses weak passwords and taken names."""
    username = normal_username(username)
    if not username or len(username) > 64:
        raise AccountError("用户名不能为空，最长64个字符。")
    if Role(staff.role) not in WEB_ROLES:
        raise AccountError(f"只有县民政局和乡镇A/B岗可以登录后台，{Role(staff.role).label}不能。")
    if Role(staff.role) is not Role.COUNTY and staff.town_id is None:
        raise AccountError("乡镇工作人员必须属于一个乡镇。")
    check_password_strength(password)
    if find_account(db, username) is not None:
        raise AccountError(f"用户名“{username}”已被使用。")
    if db.scalar(select(WebAccount.id).where(WebAccount.staff_id == staff.id)) is not None:
        raise AccountError(f"{staff.name}已有后台账户。")
    account = WebAccount(staff=staff, username=username, password_hash=hash_password(password), created_at=now)
    db.add(account)
    db.flush()
    record(db, "web_account", account.id, "created", actor, channel, now, staff_id=staff.id, username=username)
    return account


def set_password(db: Session, account: WebAccount, password: str, actor: str, now: dt.datetime, channel: Channel = Channel.CLI) -> None:
    check_password_strength(password)
    account.password_hash = hash_password(password)
    account.failed_count, account.locked_until = 0, None
    record(db, "web_account", account.id, "password_set", actor, channel, now)


def unlock(db: Session, account: WebAccount, actor: str, now: dt.datetime, channel: Channel = Channel.CLI) -> None:
    account.failed_count, account.locked_until = 0, None
    record(db, "web_account", account.id, "unlocked", actor, channel, now)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少{MIN_PASSWORD_LENGTH}个字符。")
    if password.isdigit() or password.isalpha():
        raise AccountError("密码要同时包含字母和数字（或符号）。")
