"""Pure text normalisation for typed and spoken Chinese answers.

Elderly users mostly answer by voice; WeChat's speech recognition returns text with
fillers ("嗯，那个，是的。"), full-width characters and numbers read digit by digit
("幺三八零零……").  The parsers run every answer through these functions first.

Nothing here knows about dialogue steps; every function takes and returns plain values.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType

_SEP = r"[\s,、。.!?;:~…\-—·]"
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_WHITESPACE_RE = re.compile(r"\s+")
_TRAILING_PUNCT = ",、。.!?;:~…-—·'\" "

# --- fillers -------------------------------------------------------------------------

_ALWAYS_FILLERS_RE = re.compile("[嗯呃啊]+")
"""Pure hesitation sounds: they never belong to a word, so they go wherever they are."""

_LEADING_INTERJECTIONS_RE = re.compile("^[哦噢喔唉哎诶欸呀]+")
"""Interjections that open an utterance ("哦，好的", "哎呀我忘了")."""

_LEADING_E_RE = re.compile("^额+(?![度外头定])")
"""额 as a hesitation ("额，我想问"), but not the start of 额度/额外/额头/额定."""

_LEADING_DEMONSTRATIVE_RE = re.compile(
    rf"^(?:那个|这个)(?={_SEP}|我|你|您|他|她|咱|俺|就|请问|想)"
)
"""那个/这个 as a leading filler: only before a pause or a pronoun ("那个我想问"),
so "那个人"/"这个月" keep their meaning."""

_LEADING_JIUSHI_RE = re.compile(rf"^(?:就是说|就是(?={_SEP}))")
"""就是 only when clearly a filler: "就是说……" or "就是，……".  A bare "就是" (= "exactly")
and "就是这个" are kept."""

_LEADING_RANHOU_RE = re.compile(r"^然后(?=.)")
"""然后 that opens an utterance is a speech habit; in the middle it is a real connective."""

_STANDALONE_RE = re.compile(
    rf"(?:^(?:那个|这个|就是|然后|哦|噢|喔|唉|哎|诶|欸|呀|额)(?={_SEP}))"
    rf"|(?:(?<={_SEP})(?:那个|这个|就是|然后|哦|噢|喔|唉|哎|诶|欸|呀|额)(?={_SEP}|$))"
)
"""A filler set off by pauses on at least one side ("我想，那个，问一下")."""

_TRAILING_PARTICLES_RE = re.compile("[啊呀哦噢哈啦唉哎]+$")
"""Sentence-final particles that add tone, not meaning ("好呀", "对哦", "好的哈")."""

_SEPARATOR_RUN_RE = re.compile(rf"({_SEP})(?:{_SEP})+")
_LEADING_SEPARATORS_RE = re.compile(r"^[\s,、。.!?;:~…—·]+")  # keeps a minus sign

# --- digits --------------------------------------------------------------------------

SPOKEN_DIGITS = MappingProxyType({
    "零": "0", "〇": "0", "洞": "0",
    "一": "1", "幺": "1", "腰": "1",
    "二": "2", "两": "2",
    "三": "3", "四": "4", "五": "5", "六": "6",
    "七": "7", "拐": "7",
    "八": "8", "九": "9", "勾": "9",
})
"""Characters for digits read one by one; 洞/幺/拐/勾 are the radio-style readings
(0, 1, 7, 9) that people use to make phone numbers unambiguous."""

_SPOKEN_DIGITS_TABLE = str.maketrans(dict(SPOKEN_DIGITS))
_DIGIT_SEPARATORS = r"[\s\-–—_,、。.·/]"
_CHECK_CHAR_RE = re.compile(rf"(\d)({_DIGIT_SEPARATORS}*)[叉xX×](?![A-Za-z])")
_BETWEEN_DIGITS_RE = re.compile(rf"(?<=\d){_DIGIT_SEPARATORS}+(?=[\dX])")

NUMERAL_DIGITS = MappingProxyType({
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
})
"""Digit characters in a Chinese numeral (二十三, 两千)."""

SMALL_UNITS = MappingProxyType({"十": 10, "百": 100, "千": 1000})
LARGE_UNITS = MappingProxyType({"万": 10_000, "亿": 100_000_000})
NUMERAL_CHARS = "".join(NUMERAL_DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS)
"""Every character that may appear in a Chinese numeral."""

_NUMERAL_TOKEN_RE = re.compile(rf"\d+|[{NUMERAL_CHARS}]")


def normalize(text: str | None) -> str:
    """Return ``text`` in one canonical form.

    NFKC (full-width ``２`` → ``2``, ``，`` → ``,``, ``②`` → ``2``), zero-width characters
    removed, runs of whitespace collapsed to one space, surrounding whitespace and
    trailing speech punctuation (``。！？，、…~``) removed.
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = _ZERO_WIDTH_RE.sub("", text)
    text = _WHITESPACE_RE.sub(" ", text).strip()
    return text.rstrip(_TRAILING_PUNCT)


def strip_fillers(text: str | None) -> str:
    """Return ``normalize(text)`` without the filler words speech recognition produces.

    Choices, conservative so that meaning survives:

    * 嗯, 呃, 啊 are pure hesitation sounds and go wherever they are.
    * 哦, 噢, 喔, 唉, 哎, 诶, 欸, 呀 go at the start, at the end, or between pauses.
    * 额 goes at the start (not in 额度/额外/额头/额定) or between pauses, never at the
      end (补助金额).
    * 那个, 这个 go at the start before a pause or a pronoun ("那个我想问"), or between
      pauses; "那个人", "这个月", "就选那个买药的" are kept.
    * 就是 goes only as "就是说……", "就是，……" or between pauses; a bare "就是" means
      "exactly" and stays, as does "我就是想问".
    * 然后 goes at the start of an utterance or between pauses, not in the middle.
    * Tone particles 啊, 呀, 哦, 噢, 哈, 啦, 唉, 哎 go at the end ("好呀" → "好").

    An answer made only of fillers becomes ``""``.
    """
    text = normalize(text)
    previous = None
    while text != previous:
        previous = text
        text = _ALWAYS_FILLERS_RE.sub("", text)
        text = _STANDALONE_RE.sub("", text)
        for pattern in (
            _LEADING_INTERJECTIONS_RE,
            _LEADING_E_RE,
            _LEADING_DEMONSTRATIVE_RE,
            _LEADING_JIUSHI_RE,
            _LEADING_RANHOU_RE,
            _TRAILING_PARTICLES_RE,
        ):
            text = pattern.sub("", text)
        text = _tidy_separators(text)
    return text


def _tidy_separators(text: str) -> str:
    """Collapse runs of pauses left behind by removed fillers and trim the ends."""
    text = _SEPARATOR_RUN_RE.sub(lambda m: " " if m.group(1).isspace() else m.group(1), text)
    text = _LEADING_SEPARATORS_RE.sub("", text)
    return normalize(text)


def spoken_digits(text: str | None) -> str:
    """Turn digits read one by one into ASCII digits, for phone and ID numbers.

    ``"幺三八 零零幺三，八零零零"`` → ``"13800138000"``.  Maps 零/〇/洞 → 0, 一/幺/腰 → 1,
    二/两 → 2, 三…九, 拐 → 7, 勾 → 9; removes separators (spaces, dashes, commas, 、, 。,
    dots, slashes) between digits; turns x/X/叉/× right after a digit into ``X`` (the ID
    checksum character).  Other text is left alone, so this is not for amounts or
    decimals ("1.5" becomes "15").
    """
    text = normalize(text).translate(_SPOKEN_DIGITS_TABLE)
    text = _CHECK_CHAR_RE.sub(r"\1\2X", text)
    return _BETWEEN_DIGITS_RE.sub("", text)


MAX_NUMERAL_CHARS = 40
"""No number anyone says or types is longer; a longer run (a pasted wall of digits) is not a
number, and would exceed Python's 4,300-digit limit on ``int(str)``."""


def chinese_number(text: str | None) -> int | None:
    """Return the non-negative integer written in ``text``, or ``None``.

    Accepts ASCII digits ("23"), Chinese numerals ("二十三", "一百零五", "两", "十",
    "三万零五百"), the colloquial short forms ("一千五" = 1500, "两万三" = 23000,
    "一百二" = 120), mixed forms ("1万5", "3千") and digits read one by one without
    units ("二零二四" = 2024).  The whole text must be the number; anything else, or a
    malformed numeral such as "二三十", gives ``None``.
    """
    text = normalize(text).replace(" ", "").replace(",", "")
    if not text or len(text) > MAX_NUMERAL_CHARS or _NUMERAL_TOKEN_RE.sub("", text):
        return None
    tokens = _NUMERAL_TOKEN_RE.findall(text)
    if not any(token in SMALL_UNITS or token in LARGE_UNITS for token in tokens):
        return _digit_sequence(tokens)
    return _numeral_with_units(tokens)


def _digit_value(token: str) -> int | None:
    """The value of a digit token (an ASCII run or one Chinese digit), else ``None``."""
    if token.isdigit() and token.isascii():
        return int(token)
    return NUMERAL_DIGITS.get(token)


def _digit_sequence(tokens: list[str]) -> int | None:
    """Digits without units: ASCII ("23"), one Chinese digit ("两"), or three or more
    Chinese digits read one by one ("二零二四" → 2024).  Two Chinese digits in a row are
    an estimate in speech ("七八个" = seven or eight), so they give ``None``."""
    if len(tokens) == 1:
        return _digit_value(tokens[0])
    chinese = [token for token in tokens if not token.isascii()]
    if 0 < len(chinese) < 3 or "俩" in chinese:
        return None
    return int("".join(str(_digit_value(token)) for token in tokens))


def _numeral_with_units(tokens: list[str]) -> int | None:
    """Evaluate a numeral with 十/百/千/万/亿, or ``None`` if it is malformed."""
    total = 0  # value of the finished 万/亿 groups
    section = 0  # value of the current group below 万
    pending: int | None = None  # a digit not yet multiplied by a unit
    previous_unit: int | None = None  # the unit right before the pending digit
    last_small_unit = 10_000  # small units must fall within a group
    last_large_unit = 10**16  # large units must fall along the numeral
    after_zero = False
    for token in tokens:
        if token in SMALL_UNITS:
            unit = SMALL_UNITS[token]
            if unit >= last_small_unit:
                return None
            if pending is None:
                if unit != 10 or section:
                    return None
                pending = 1  # "十五": an implied 一
            section += pending * unit
            pending, previous_unit, last_small_unit, after_zero = None, unit, unit, False
        elif token in LARGE_UNITS:
            unit = LARGE_UNITS[token]
            group = section + (pending or 0)
            if unit >= last_large_unit or (group == 0 and total == 0):
                return None
            total = (total + group) * unit if unit > 10_000 else total + group * unit
            section, pending, previous_unit = 0, None, unit
            last_small_unit, last_large_unit, after_zero = 10_000, unit, False
        else:
            value = _digit_value(token)
            if pending is not None or value is None:
                return None  # two digits in a row: "二三十"
            if value == 0 and not token.isascii():
                after_zero, previous_unit = True, None
                continue
            pending = value
            if after_zero:
                previous_unit = None
            after_zero = False
    return total + section + _trailing_digit(pending, previous_unit, tokens[-1])


def _trailing_digit(pending: int | None, previous_unit: int | None, last_token: str) -> int:
    """Value of the last digit: "一千五" means 1500, so a lone digit right after a
    unit counts one unit lower (五 after 千 is 500)."""
    if pending is None:
        return 0
    is_single_digit = len(last_token) == 1 and pending < 10
    if previous_unit and previous_unit > 10 and is_single_digit:
        return pending * previous_unit // 10
    return pending
