"""ID numbers (GB 11643): check character, birth date, format; the pure validator."""

from __future__ import annotations

import datetime as dt

import pytest

from policy.identity import IdNumber, IdNumberError, check_id_number, id_check_char, make_id_number, parse_id_number

TODAY = dt.date(2026, 11, 30)
VALID = "11010519491231002X"  # the GB 11643 example


def test_the_standard_example_is_valid():
    assert id_check_char(VALID[:17]) == "X"
    assert parse_id_number(VALID, TODAY) == IdNumber(VALID, dt.date(1949, 12, 31))


def test_lower_case_x_spaces_and_full_width_digits_are_normalised():
    assert parse_id_number(" 110105 19491231 002x ", TODAY) == IdNumber(VALID, dt.date(1949, 12, 31))
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ", TODAY) == IdNumber(VALID, dt.date(1949, 12, 31))


@pytest.mark.parametrize(
    "text, error",
    [
        ("", IdNumberError.EMPTY),
        ("1101051949123100", IdNumberError.LENGTH),
        ("11010519491231002X1", IdNumberError.LENGTH),
        ("01010519491231002X", IdNumberError.FORMAT),  # region starts 1-8
        ("1101051949123100XX", IdNumberError.FORMAT),
        ("110105194913310021", IdNumberError.BIRTH_DATE),  # month 13
        ("110105189912310021", IdNumberError.BIRTH_DATE),  # before 1900
        ("110105194912310021", IdNumberError.CHECKSUM),
    ],
)
def test_what_is_wrong_is_named(text, error):
    assert parse_id_number(text, TODAY) is error
    assert error.label.startswith("身份证号")


def test_a_birth_date_after_today_is_refused():
    future = make_id_number("341525", TODAY + dt.timedelta(days=1), 1)
    assert check_id_number(future, TODAY) is IdNumberError.BIRTH_DATE
    assert check_id_number(make_id_number("341525", TODAY, 1), TODAY) is None


def test_every_wrong_check_character_is_caught():
    first17 = make_id_number("341525", dt.date(1980, 1, 1), 123)[:17]
    right = id_check_char(first17)
    for char in "0123456789X":
        assert (check_id_number(first17 + char, TODAY) is None) is (char == right)


def test_made_numbers_tell_sex_and_mask():
    number = IdNumber(make_id_number("341525", dt.date(1980, 1, 1), 123), dt.date(1980, 1, 1))
    assert number.is_male
    assert number.masked == f"3415{'*' * 10}{number.number[-4:]}"
