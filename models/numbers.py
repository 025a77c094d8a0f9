"""Short numbers people can read out on the phone: FW20241203-0042, BG20241203-0007."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base


class NumberSequence(Base):
    __tablename__ = "number_sequences"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)  # "FW20241203"
    last: Mapped[int] = mapped_column(default=0)


def next_number(db: Session, prefix: str, day: dt.date) -> str:
    """The next number of the day for ``prefix``; safe under concurrent transactions."""
    key = f"{prefix}{day:%Y%m%d}"
    for _ in range(3):
        value = db.execute(update(NumberSequence).where(NumberSequence.key == key).values(last=NumberSequence.last + 1).returning(NumberSequence.last)).scalar()
        if value is not None:
            return f"{key}-{value:04d}"
        try:
            with db.begin_nested():
                db.add(NumberSequence(key=key, last=0))
        except IntegrityError:
            pass  # another transaction created today's row first; increment it
    raise RuntimeError(f"could not allocate a number for {key}")
