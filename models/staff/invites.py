"""One-time invite codes that bind a WeChat user to a staff role and area.

``flask staff invite`` creates the Staff record (not yet bound) and an invite; the
person sends the code to the bot. Codes are stored as keyed hashes, expire, and work
once. Leaving (``flask staff remove``) unbinds at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from enum import Enum

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import audit
from db.crypto import DataCipher
from db.base import Base, IdPk, Timestamp, as_utc
from models.catalogue.providers import Provider
from models.staff.staff import Staff

INVITE_TTL = dt.timedelta(days=7)
CODE_DIGITS = 8


class Redeemed(str, Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    ALREADY_STAFF = "already_staff"


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[IdPk]
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[Timestamp]

    staff: Mapped[Staff] = relationship()


def create_invite(db: Session, cipher: DataCipher, staff: Staff, now: dt.datetime) -> str:
    """A fresh numeric code (easy to read out on the phone); only its hash is kept."""
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        digest = cipher.blind_index("invite:" + code)
        if db.scalar(select(Invite.id).where(Invite.code_hash == digest)) is None:
            break
    db.add(Invite(code_hash=digest, staff=staff, expires_at=now + INVITE_TTL, created_at=now))
    db.flush()
    audit.record(db, "staff", staff.id, "invited", "cli", audit.Channel.CLI, now, role=staff.role)
    return code


def redeem(db: Session, cipher: DataCipher, code: str, openid: str, now: dt.datetime) -> tuple[Redeemed, Staff | None]:
    invite = db.scalar(select(Invite).where(Invite.code_hash == cipher.blind_index("invite:" + code)).with_for_update())
    if invite is None:
        return Redeemed.UNKNOWN, None
    if invite.used_at is not None:
        return Redeemed.USED, None
    if as_utc(invite.expires_at) < now:
        return Redeemed.EXPIRED, None
    if db.scalar(select(Staff.id).where(Staff.openid == openid, Staff.active.is_(True))) is not None:
        return Redeemed.ALREADY_STAFF, None
    invite.used_at = now
    staff = invite.staff
    staff.openid, staff.active = openid, True
    if staff.provider_id:
        db.get(Provider, staff.provider_id).openid = openid
    audit.record(db, "staff", staff.id, "bound", f"wechat:{openid[:12]}", audit.Channel.WECHAT, now)
    return Redeemed.OK, staff


def remove_staff(db: Session, staff: Staff, now: dt.datetime) -> None:
    """A volunteer who leaves loses access at once: unbound and inactive."""
    if staff.provider_id:
        provider = db.get(Provider, staff.provider_id)
        if provider.openid == staff.openid:
            provider.openid = None
    staff.openid, staff.active = None, False
    audit.record(db, "staff", staff.id, "removed", "cli", audit.Channel.CLI, now)
