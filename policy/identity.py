"""Resident ID numbers (居民身份证号码, GB 11643-1999): format, birth date, check character.

Pure and shared: the roster import validates with ``parse_id_number``; the chat parsers may use
``check_id_number`` / ``id_check_char`` instead of their own copy. A number is 18 characters:
6 region digits (the first one 1-8), the birth date ``YYYYMMDD``, a 3-digit sequence (odd for
men, even for women) and a check character (0-9 or X) computed from the first 17.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11643 weights of the first 17 digits."""

ID_CHECK_CHARS = "10X98765432"
"""The check character for (weighted sum mod 11)."""

EARLIEST_BIRTH = dt.date(1900, 1, 1)

_FORMAT = re.compile(r"[1-8]\d{16}[\dX]")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


class IdNumberError(str, Enum):
    """Why a text is not a valid ID number; ``.label`` is the reason in plain Chinese."""

    EMPTY = "empty"
    LENGTH = "length"
    FORMAT = "format"
    BIRTH_DATE = "birth_date"
    CHECKSUM = "checksum"

    @property
    def label(self) -> str:
        return _ERROR_LABELS[self]


_ERROR_LABELS = {
    IdNumberError.EMPTY: "身份证号为空",
    IdNumberError.LENGTH: "身份证号应为18位",
    IdNumberError.FORMAT: "身份证号格式不对（前17位应为数字，最后一位为数字或X）",
    IdNumberError.BIRTH_DATE: "身份证号中的出生日期不对",
    IdNumberError.CHECKSUM: "身份证号校验位不对（最后一位与前17位不符）",
}


@dataclass(frozen=True)
class IdNumber:
    """A valid ID number, upper case, with what it tells."""

    number: str
    birth_date: dt.date

    @property
    def is_male(self) -> bool:
        return int(self.number[16]) % 2 == 1

    @property
    def masked(self) -> str:
        """3415**********123X: for readbacks and notices."""
        return f"{self.number[:4]}{'*' * 10}{self.number[-4:]}"


def normalise_id_number(text: str) -> str:
    """Drop spaces, turn full-width digits and a lower-case x into the canonical form."""
    return "".join(str(text).split()).translate(_FULL_WIDTH).upper()


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def birth_date_of(number: str) -> dt.date | None:
    """The birth date in an 18-character number, or None if it is not a real day."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def check_id_number(number: str, today: dt.date) -> IdNumberError | None:
    """None when ``number`` (already normalised) is valid on ``today``, else what is wrong."""
    if not number:
        return IdNumberError.EMPTY
    if len(number) != 18:
        return IdNumberError.LENGTH
    if not _FORMAT.fullmatch(number):
        return IdNumberError.FORMAT
    born = birth_date_of(number)
    if born is None or not EARLIEST_BIRTH <= born <= today:
        return IdNumberError.BIRTH_DATE
    if id_check_char(number[:17]) != number[17]:
        return IdNumberError.CHECKSUM
    return None


def parse_id_number(text: str, today: dt.date) -> IdNumber | IdNumberError:
    """Normalise and validate ``text``: the ``IdNumber``, or the ``IdNumberError``."""
    number = normalise_id_number(text)
    error = check_id_number(number, today)
    if error is not None:
        return error
    born = birth_date_of(number)
    assert born is not None  # checked above
    return IdNumber(number, born)


def make_id_number(region: str, born: dt.date, sequence: int) -> str:
    """A well-formed number for ``region`` (6 digits), ``born`` and ``sequence`` (0-999).

    For test data and samples only: it is valid by checksum, not a real person's number.
    """
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("region is 6 digits and sequence 0-999")
    return first17 + id_check_char(first17)
