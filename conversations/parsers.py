"""Typed parsers: turn one user answer into a value a dialogue step can store.

Every parser is a small frozen dataclass with ``parse(answer, today) -> Ok | Invalid``.
A parser never raises on user input: anything it cannot understand is ``Invalid``,
optionally with a short Chinese hint the engine can put in front of the re-prompt.
``Ok.value`` is JSON-serialisable (it is kept in Redis between turns) and
``Ok.readback`` is how to say the value back, which the engine does for ``critical``
parsers (phone, ID number, amount) before moving on.

``today`` is passed in so tests control the clock; only the date and ID parsers use it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

from conversations.inputs import InputKind, UserInput
from conversations.speech import (
    NUMERAL_CHARS,
    chinese_number,
    normalize,
    spoken_digits,
    strip_fillers,
)


@dataclass(frozen=True)
class Ok:
    """A parsed answer: a JSON-serialisable ``value`` and how to say it back."""

    value: Any
    readback: str = ""


@dataclass(frozen=True)
class Invalid:
    """An answer the parser could not use; ``hint`` is an optional short reason."""

    hint: str = ""


ParseResult = Ok | Invalid


class Parser(Protocol):
    """What the engine needs from a parser."""

    kind: ClassVar[str]
    critical: ClassVar[bool]

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult: ...


_TEXT_KINDS = (InputKind.TEXT, InputKind.VOICE)
_NOT_TEXT_HINT = "请用文字或语音回答"
_NOT_HEARD_HINT = "没听清，请再说一遍，或者打字回复"
_WEEKDAY_NAMES = "一二三四五六日"


def _answer_text(answer: UserInput) -> str | Invalid:
    """The normalised text of a typed or spoken answer, or why there is none."""
    if answer.kind not in _TEXT_KINDS:
        return Invalid(_NOT_TEXT_HINT)
    text = normalize(answer.text)
    if not text:
        return Invalid(_NOT_HEARD_HINT)
    return text


def _compact(text: str) -> str:
    """``text`` without fillers and without any spaces (Chinese needs none)."""
    return strip_fillers(text).replace(" ", "")


# --- Choice ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer of a multiple choice: stored ``key``, shown ``label``, other names."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """The label and synonyms, normalised, longest first."""
        terms = {normalize(term).replace(" ", "").lower() for term in (self.label, *self.synonyms)}
        return tuple(sorted((term for term in terms if term), key=len, reverse=True))


_ORDINAL_RE = re.compile(
    r"^我?就?(?:想要|想选|要选|选择|选项|要|选|是)?第?"
    r"(?P<number>\d+|[一二两三四五六七八九十]+)"
    r"(?:个|项|号|条|种|类)?(?:选项)?(?:吧|的|呢)?$"
)
"""An answer that is only a position: "2", "二", "第二个", "第2项", "选2", "2号", "我选二"."""

FUZZY_THRESHOLD = 90
"""Minimum rapidfuzz ratio (0-100) between the pinyin of an option and of the answer."""

FUZZY_MARGIN = 5
"""A fuzzy match must beat the runner-up by this much, or the answer is ambiguous."""


@dataclass(frozen=True)
class Choice:
    """Pick one of ``options`` by position (1-based), label, synonym or sound-alike.

    Tried in order: the exact label or synonym; a position ("2", "第二个", "我选二",
    "②"); a label or synonym contained in the answer ("就选那个买药的"), or the answer
    contained in exactly one label ("代办"); finally the pinyin of the answer compared
    with each label without tones and with the usual dialect confusions (zh/z, ch/c,
    sh/s, n/l, f/h, -ng/-n), which catches speech-recognition homophones ("帮办带办"
    for "帮办代办", "赡食" for "膳食").  Two options matching equally well is ambiguous
    and gives ``Invalid``.  The value is the option's ``key``.
    """

    options: tuple[Option, ...]
    kind: ClassVar[str] = "choice"
    critical: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not self.options:
            raise ValueError("a Choice needs at least one option")

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        said = _compact(text).lower()
        if not said:
            return Invalid(_NOT_HEARD_HINT)
        for match in (self._by_exact_term, self._by_position, self._by_containment, self._by_sound):
            result = match(said)
            if result is not None:
                return result
        return Invalid(self._numbers_hint())

    def _ok(self, option: Option) -> Ok:
        return Ok(option.key, option.label)

    def _numbers_hint(self) -> str:
        return f"请回复1到{len(self.options)}之间的数字"

    def _by_exact_term(self, said: str) -> ParseResult | None:
        matches = [option for option in self.options if said in option.terms]
        if len(matches) == 1:
            return self._ok(matches[0])
        if len(matches) > 1:
            return _ambiguous(matches[0], matches[1])
        return None

    def _by_position(self, said: str) -> ParseResult | None:
        found = _ORDINAL_RE.match(said)
        if not found:
            return None
        number = chinese_number(found["number"])
        if number is None or not 1 <= number <= len(self.options):
            return Invalid(self._numbers_hint())
        return self._ok(self.options[number - 1])

    def _by_containment(self, said: str) -> ParseResult | None:
        scores = [
            max((len(term) for term in option.terms if term in said), default=0)
            for option in self.options
        ]
        best = _best_unique(self.options, scores, margin=1)
        if best is not None:
            return best if isinstance(best, Invalid) else self._ok(best)
        if len(said) >= 2:
            partial = [o for o in self.options if any(said in term for term in o.terms)]
            if len(partial) == 1:
                return self._ok(partial[0])
        return None

    def _by_sound(self, said: str) -> ParseResult | None:
        heard = _fuzzy_pinyin(said)
        if not heard:
            return None
        scores = [
            max((_sound_score(heard, _fuzzy_pinyin(term)) for term in option.terms), default=0)
            for option in self.options
        ]
        scores = [score if score >= FUZZY_THRESHOLD else 0 for score in scores]
        best = _best_unique(self.options, scores, margin=FUZZY_MARGIN)
        if isinstance(best, Option):
            return self._ok(best)
        return best


def _best_unique(
    options: tuple[Option, ...], scores: list[float], margin: float
) -> Option | Invalid | None:
    """The option with the highest positive score, ``Invalid`` if another option is
    within ``margin`` of it, ``None`` if no option scored."""
    ranked = sorted(zip(scores, range(len(options))), key=lambda pair: -pair[0])
    best_score, best_index = ranked[0]
    if best_score <= 0:
        return None
    if len(ranked) > 1 and best_score - ranked[1][0] < margin:
        return _ambiguous(options[best_index], options[ranked[1][1]])
    return options[best_index]


def _ambiguous(first: Option, second: Option) -> Invalid:
    return Invalid(f"您是说“{first.label}”还是“{second.label}”？请回复数字")


def _fuzzy_pinyin(text: str) -> list[str]:
    """Toneless pinyin syllables of ``text`` with dialect confusions folded together."""
    syllables = []
    for chunk in lazy_pinyin(text, style=Style.NORMAL):
        chunk = chunk.strip().lower()
        if chunk:
            syllables.append(_fold_syllable(chunk))
    return syllables


def _fold_syllable(syllable: str) -> str:
    """Map a syllable to the class of syllables people and recognisers confuse."""
    for retroflex, flat in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(retroflex):
            syllable = flat + syllable[2:]
    if syllable.startswith("n"):
        syllable = "l" + syllable[1:]
    if syllable.startswith("f"):
        syllable = "h" + syllable[1:]
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def _sound_score(heard: list[str], term: list[str]) -> float:
    """Best similarity between the shorter syllable list and any same-length run of
    the longer one, so a label said inside a sentence, or part of a label, still counts.

    One-syllable terms or answers are never matched by sound: too many words sound alike.
    """
    if len(term) < 2 or len(heard) < 2:
        return 0
    longer, shorter = (heard, term) if len(heard) >= len(term) else (term, heard)
    target, size = " ".join(shorter), len(shorter)
    return max(
        fuzz.ratio(target, " ".join(longer[start : start + size]))
        for start in range(len(longer) - size + 1)
    )


# --- YesNo ----------------------------------------------------------------------------

_YES_EXACT = frozenset(
    "是 是的 对 对的 好 好的 嗯 嗯嗯 可以 行 要 需要 确认 没错 同意 ok okay y yes 1 "
    "有 有的 在 中 成 对头 好嘞 当然 是滴 可以的 行的 要的 需要的 没问题 确定".split()
)
_NO_EXACT = frozenset(
    "不 不是 不对 不用 不要 算了 没有 否 不行 不同意 no n nope 2 没 不需要 不可以 "
    "不好 甭 别 不用了 不要了 算了吧".split()
)
_UNSURE = ("不知道", "不清楚", "不晓得", "不懂", "不确定", "说不好", "不好说", "不一定",
           "看情况", "不记得", "记不清", "忘了", "搞不清")
_YES_IDIOMS = ("没错", "没问题", "没毛病", "不错")
"""Yes-words that contain a negation character; read before looking for negations."""
_NEUTRAL_WORDS = ("你好", "您好", "好像", "谢谢", "不客气")
_YES_WORD_RE = re.compile(r"是|对|好|可以|行|要|确认|同意|确定|(?<![a-z])(?:ok|okay|yes)(?![a-z])")
_NO_WORD_RE = re.compile(r"不|没|别|甭|否|算了|(?<![a-z])(?:no|nope)(?![a-z])")
_YES_MARK = "是"


@dataclass(frozen=True)
class YesNo:
    """A yes or no answer; the value is ``True`` or ``False``.

    Exact answers are looked up first ("嗯嗯", "好的", "不用", "1"/"2"); otherwise the
    first yes-word and the first negation are located: a negation before any yes-word
    means no ("不好", "我不需要"), a yes-word alone means yes ("对对对"), a yes-word
    followed by a negation is a question back ("是不是") and is ``Invalid``, as is
    "不知道".
    """

    kind: ClassVar[str] = "yes_no"
    critical: ClassVar[bool] = False

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        for candidate in (text.lower().replace(" ", ""), _compact(text).lower()):
            if candidate in _YES_EXACT:
                return _yes_no(True)
            if candidate in _NO_EXACT:
                return _yes_no(False)
        return _yes_no_by_words(_compact(text).lower())


def _yes_no(value: bool) -> Ok:
    return Ok(value, "是" if value else "不是")


def _yes_no_by_words(said: str) -> ParseResult:
    """Decide from the first yes-word and the first negation in ``said``."""
    hint = "请回答“是”或者“不是”"
    if not said or any(word in said for word in _UNSURE):
        return Invalid(hint)
    for idiom in _YES_IDIOMS:
        said = said.replace(idiom, _YES_MARK)
    for word in _NEUTRAL_WORDS:
        said = said.replace(word, "")
    yes = _YES_WORD_RE.search(said)
    no = _NO_WORD_RE.search(said)
    if no and (yes is None or no.start() < yes.start()):
        return _yes_no(False)
    if yes and no is None:
        return _yes_no(True)
    return Invalid(hint)


# --- numbers and money ----------------------------------------------------------------

_APPROXIMATIONS = ("大概", "大约", "差不多", "将近", "左右", "上下", "大致", "估计", "约")
_NUMERAL_IDIOMS = ("一共", "总共", "一起", "一下", "一直", "一般", "一定", "一样", "一些",
                   "万一", "统一", "唯一", "十分", "一点儿", "一会")
"""Common words written with numeral characters that are not numbers."""
_NUMBER_SPAN_RE = re.compile(rf"[0-9.点{NUMERAL_CHARS}]+")


def _number_spans(text: str) -> list[re.Match[str]]:
    """The runs of digits and numeral characters in ``text``, with idioms and
    approximations ("大概", "左右") taken out first."""
    for word in _NUMERAL_IDIOMS + _APPROXIMATIONS:
        text = text.replace(word, " ")
    return [span for span in _NUMBER_SPAN_RE.finditer(text) if span.group().strip(".点")]


def _only_span(
    spans: list[re.Match[str]], preferred_suffixes: tuple[str, ...]
) -> re.Match[str] | None:
    """The one number in the answer; with several, the one followed by a unit."""
    if len(spans) == 1:
        return spans[0]
    followed = [
        span for span in spans
        if any(span.string.startswith(unit, span.end()) for unit in preferred_suffixes if unit)
    ]
    return followed[0] if len(followed) == 1 else None


def _is_negative(span: re.Match[str]) -> bool:
    """Whether the number is said with a minus sign or 负."""
    return span.string[: span.start()].endswith(("-", "负"))


@dataclass(frozen=True)
class Number:
    """A whole number between ``min`` and ``max`` inclusive ("23", "二十三", "23岁",
    "大概30", "三十多"); ``unit`` is only used to say it back and in hints."""

    min: int
    max: int
    unit: str = ""
    kind: ClassVar[str] = "number"
    critical: ClassVar[bool] = False

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        span = _only_span(_number_spans(_compact(text)), (self.unit,))
        if span is None:
            return Invalid(self._range_hint())
        if "." in span.group() or "点" in span.group():
            return Invalid("请说一个整数")
        value = chinese_number(span.group())
        if value is not None and _is_negative(span):
            value = -value
        if value is None or not self.min <= value <= self.max:
            return Invalid(self._range_hint())
        return Ok(value, f"{value}{self.unit}")

    def _range_hint(self) -> str:
        return f"请说{self.min}到{self.max}之间的数字"


_YUAN_UNITS = ("元", "块", "圆")
_AMOUNT_MULTIPLIERS = {"万": 10_000, "千": 1000, "百": 100}
_CURRENCY_NOISE = ("人民币", "￥", "¥", "钱")
_THOUSANDS_COMMA_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DIGIT = "[0-9零〇一二两三四五六七八九]"
_SMALL_CHANGE_RE = re.compile(rf"^(?P<jiao>{_DIGIT})?(?:角|毛)?(?:(?P<fen>{_DIGIT})分)?")
"""Jiao and fen after 元/块: "三块五" (3.5), "五块零五分" (5.05)."""


@dataclass(frozen=True)
class Amount:
    """Money in yuan between ``min`` and ``max`` ("1500", "1500元", "一千五百块",
    "1.5万", "一点五万", "三块五"); the value is a float rounded to fen."""

    min: float
    max: float
    kind: ClassVar[str] = "amount"
    critical: ClassVar[bool] = True

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        said = _compact(text)
        for noise in _CURRENCY_NOISE:
            said = said.replace(noise, "")
        said = _THOUSANDS_COMMA_RE.sub("", said)
        span = _only_span(_number_spans(said), _YUAN_UNITS)
        if span is None:
            return Invalid(self._range_hint())
        value = _yuan(span.group(), span.string[span.end() :])
        if value is not None and _is_negative(span):
            value = -value
        if value is None or not self.min <= value <= self.max:
            return Invalid(self._range_hint())
        return Ok(value, f"{_format_yuan(value)}元")

    def _range_hint(self) -> str:
        return f"请说{_format_yuan(self.min)}到{_format_yuan(self.max)}元之间的金额"


def _yuan(span: str, after: str) -> float | None:
    """The amount in ``span`` ("1.5万", "一千五") plus jiao/fen said after 元/块."""
    value = _decimal_number(span)
    if value is None:
        return None
    if after.startswith(_YUAN_UNITS):
        change = _SMALL_CHANGE_RE.match(after[1:])
        jiao = chinese_number(change["jiao"]) if change["jiao"] else 0
        fen = chinese_number(change["fen"]) if change["fen"] else 0
        value += jiao / 10 + fen / 100
    return round(value, 2)


def _decimal_number(span: str) -> float | None:
    """A number that may have a decimal point (. or 点) and a trailing 万/千/百."""
    multiplier = 1
    if len(span) > 1 and span[-1] in _AMOUNT_MULTIPLIERS and re.search(r"[.点]", span):
        multiplier, span = _AMOUNT_MULTIPLIERS[span[-1]], span[:-1]
    whole, _, fraction = span.replace("点", ".").partition(".")
    integer = chinese_number(whole) if whole else 0
    decimals = [chinese_number(char) for char in fraction]
    if integer is None or any(digit is None or digit > 9 for digit in decimals):
        return None
    fraction_value = float("0." + "".join(map(str, decimals))) if decimals else 0.0
    return (integer + fraction_value) * multiplier


def _format_yuan(value: float) -> str:
    """1500.0 → "1500", 3.5 → "3.5", 3.05 → "3.05"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- dates ----------------------------------------------------------------------------

_NUM = rf"[0-9{NUMERAL_CHARS}]{{1,4}}"
_FULL_DATE_RE = re.compile(
    rf"(?P<year>\d{{4}}|[零〇一二三四五六七八九]{{4}})\s*[年\-/.]\s*(?P<month>{_NUM})\s*[月\-/.]"
    rf"\s*(?P<day>{_NUM})"
)
_MONTH_DAY_RE = re.compile(
    rf"(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})|(?P<m>\d{{1,2}})[./](?P<d>\d{{1,2}})"
)
_DAY_ONLY_RE = re.compile(rf"(?P<next>下个?月)?(?P<day>{_NUM})\s*[日号]")
_WEEKDAY_RE = re.compile(r"(?P<which>下下|下|这|本|上)?个?(?:周|星期|礼拜)(?P<day>[一二三四五六日天七1-7])")
_RELATIVE_DAYS = (
    ("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("明儿", 1),
    ("今天", 0), ("今日", 0), ("今儿", 0), ("大前天", -3), ("前天", -2), ("昨天", -1),
    ("昨日", -1), ("昨儿", -1),
)
_WEEK_OFFSETS = {"下下": 2, "下": 1, "这": 0, "本": 0, "上": -1}
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}


@dataclass(frozen=True)
class DateAnswer:
    """A calendar day; the value is an ISO string ("2024-12-03").

    Understands 今天/明天/后天/大后天 (and 昨天/前天 when ``allow_past``); 下周一…下周日
    (that day of next week, weeks starting on Monday); 这周三/本周三; a bare 周三,
    星期三 or 礼拜三 (the next such day, today included); 12月3日, 12月3号, 12.3, 12/3
    (this year, or next year if that day has passed and ``allow_past`` is false);
    3号 (this month or the next); and full dates 2024-12-03, 2024/12/3, 2024年12月3日.
    A past date is ``Invalid`` unless ``allow_past``.
    """

    allow_past: bool = False
    kind: ClassVar[str] = "date"
    critical: ClassVar[bool] = False

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        said = _compact(text)
        day = _find_date(said, today, self.allow_past)
        if isinstance(day, Invalid):
            return day
        if day is None:
            return Invalid("请说日期，比如“明天”或“12月3日”")
        if day < today and not self.allow_past:
            return Invalid("这一天已经过去了，请说今天以后的日期")
        return Ok(day.isoformat(), _say_date(day, today))


def _find_date(said: str, today: datetime.date, allow_past: bool) -> datetime.date | Invalid | None:
    """The first date expression in ``said``, most specific form first."""
    for finder in (_full_date, _month_day, _day_of_month, _weekday, _relative_day):
        day = finder(said, today, allow_past)
        if day is not None:
            return day
    return None


def _make_date(year: int | None, month: int | None, day: int | None) -> datetime.date | Invalid:
    if year is None or month is None or day is None:
        return Invalid("没有这一天，请再说一遍日期")
    try:
        return datetime.date(year, month, day)
    except (ValueError, OverflowError):
        return Invalid("没有这一天，请再说一遍日期")


def _full_date(said: str, today: datetime.date, allow_past: bool) -> datetime.date | Invalid | None:
    found = _FULL_DATE_RE.search(said)
    if not found:
        return None
    return _make_date(
        chinese_number(found["year"]), chinese_number(found["month"]), chinese_number(found["day"])
    )


def _month_day(said: str, today: datetime.date, allow_past: bool) -> datetime.date | Invalid | None:
    found = _MONTH_DAY_RE.search(said)
    if not found:
        return None
    month = chinese_number(found["month"] or found["m"])
    day = chinese_number(found["day"] or found["d"])
    this_year = _make_date(today.year, month, day)
    if isinstance(this_year, Invalid) or allow_past or this_year >= today:
        return this_year
    return _make_date(today.year + 1, month, day)


def _day_of_month(
    said: str, today: datetime.date, allow_past: bool
) -> datetime.date | Invalid | None:
    found = _DAY_ONLY_RE.search(said)
    if not found:
        return None
    day = chinese_number(found["day"])
    year, month = today.year, today.month
    candidate = _make_date(year, month, day)
    passed = not isinstance(candidate, Invalid) and candidate < today and not allow_past
    if found["next"] or passed:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        candidate = _make_date(year, month, day)
    return candidate


def _weekday(said: str, today: datetime.date, allow_past: bool) -> datetime.date | Invalid | None:
    found = _WEEKDAY_RE.search(said)
    if not found:
        return None
    target = _WEEKDAY_INDEX.get(found["day"])
    if target is None:
        target = int(found["day"]) - 1
    if found["which"]:
        weeks = _WEEK_OFFSETS[found["which"]]
        return _add_days(today, 7 * weeks + target - today.weekday())
    return _add_days(today, (target - today.weekday()) % 7)


def _relative_day(
    said: str, today: datetime.date, allow_past: bool
) -> datetime.date | Invalid | None:
    for word, offset in _RELATIVE_DAYS:
        if word in said:
            return _add_days(today, offset)
    return None


def _add_days(day: datetime.date, days: int) -> datetime.date | Invalid:
    """``day`` moved by ``days``, or ``Invalid`` past the ends of the calendar."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return Invalid("没有这一天，请再说一遍日期")


def _say_date(day: datetime.date, today: datetime.date) -> str:
    """Say a day as 12月3日（星期二）, with the year when it is not this year."""
    year = f"{day.year}年" if day.year != today.year else ""
    return f"{year}{day.month}月{day.day}日（星期{_WEEKDAY_NAMES[day.weekday()]}）"


# --- phone and ID numbers -------------------------------------------------------------

_DIGIT_RUN_RE = re.compile(r"\d+X?")
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Mobile:
    """A mainland mobile number, 11 digits starting 13-19; typed with spaces or
    dashes, with +86/86/0086 in front, or read digit by digit ("幺三八零零……").
    The value is the 11 digits; the readback groups them "138 0013 8000"."""

    kind: ClassVar[str] = "mobile"
    critical: ClassVar[bool] = True

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        runs = _DIGIT_RUN_RE.findall(spoken_digits(strip_fillers(text)))
        if not runs:
            return Invalid("请说11位手机号码")
        numbers = [_without_country_code(run) for run in runs if len(run) >= 7]
        valid = [number for number in numbers if _MOBILE_RE.fullmatch(number)]
        if len(set(valid)) == 1:
            number = valid[0]
            return Ok(number, f"{number[:3]} {number[3:7]} {number[7:]}")
        longest = max(numbers or runs, key=len)
        if len(longest) != 11:
            return Invalid(f"手机号应该是11位，您说的是{len(longest)}位")
        return Invalid("手机号的前两位应该是13到19，请再核对一下")


def _without_country_code(digits: str) -> str:
    """Drop a leading 0086 or 86 in front of an 11-digit mobile number."""
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"[1-8]\d{16}[\dX]")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    """An 18-character resident ID number (GB 11643): region, birth date, sequence,
    check character; lowercase x, 叉 and spoken digits are accepted.  The value is the
    upper-case number; the readback masks the middle ("3415**********123X")."""

    kind: ClassVar[str] = "id_number"
    critical: ClassVar[bool] = True

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        said = spoken_digits(strip_fillers(text)).upper()
        runs = _DIGIT_RUN_RE.findall(said)
        if not runs:
            return Invalid("请说18位身份证号码")
        number = max(runs, key=len)
        if len(number) != 18:
            return Invalid(f"身份证号应该是18位，您说的是{len(number)}位")
        if not _ID_RE.fullmatch(number):
            return Invalid("身份证号的格式不对，请再核对一下")
        if not _valid_birth_date(number[6:14], today):
            return Invalid("身份证号里的出生日期不对，请再核对一下")
        if id_check_char(number[:17]) != number[17]:
            return Invalid("身份证号最后一位校验不对，请再核对一下")
        return Ok(number, f"{number[:4]}{'*' * 10}{number[-4:]}")


def _valid_birth_date(digits: str, today: datetime.date) -> bool:
    """``YYYYMMDD`` is a real day between 1900-01-01 and ``today``."""
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= today


# --- free text, location, image -------------------------------------------------------

@dataclass(frozen=True)
class FreeText:
    """Any text of ``min_len`` to ``max_len`` characters, normalised, fillers removed."""

    min_len: int = 1
    max_len: int = 500
    kind: ClassVar[str] = "free_text"
    critical: ClassVar[bool] = False

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return text
        said = strip_fillers(text)
        if not said:
            return Invalid(_NOT_HEARD_HINT)
        if len(said) < self.min_len:
            return Invalid(f"请多说几句，至少{self.min_len}个字")
        if len(said) > self.max_len:
            return Invalid(f"请说得简短一些，不超过{self.max_len}个字")
        return Ok(said, said)


ADDRESS_MARKERS = ("省", "市", "县", "区", "乡", "镇", "村", "组", "屯", "庄", "路", "街",
                   "道", "巷", "弄", "号", "栋", "楼", "单元", "室", "社区", "小区", "院")
"""Characters that make even a short answer look like an address ("3组", "东街")."""
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class LocationAnswer:
    """Where the user is: a WeChat location message → ``{"lat", "lng", "label"}``, or
    an address said or typed → ``{"address": text}``.  A typed address needs a Chinese
    character and either an address word (村, 组, 镇, 路, 号, 社区, …) and 2 characters,
    or 4 characters."""

    kind: ClassVar[str] = "location"
    critical: ClassVar[bool] = False

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        if answer.location is not None:
            place = answer.location
            value = {"lat": place.latitude, "lng": place.longitude, "label": place.label}
            return Ok(value, place.label or "您发来的位置")
        text = _answer_text(answer)
        if isinstance(text, Invalid):
            return Invalid("请发送位置，或者说一下详细地址")
        said = strip_fillers(text)
        if _looks_like_address(said):
            return Ok({"address": said}, said)
        return Invalid("请说详细一点，比如“某某镇某某村几组”，或者发送位置")


def _looks_like_address(text: str) -> bool:
    if not _CJK_RE.search(text):
        return False
    has_marker = any(marker in text for marker in ADDRESS_MARKERS)
    return len(text) >= 4 or (len(text) >= 2 and has_marker)


@dataclass(frozen=True)
class ImageAnswer:
    """A photo (a certificate, a document); the value is ``{"media_id": ...}``."""

    kind: ClassVar[str] = "image"
    critical: ClassVar[bool] = False

    def parse(self, answer: UserInput, today: datetime.date) -> ParseResult:
        if answer.kind is InputKind.IMAGE and answer.media_id:
            return Ok({"media_id": answer.media_id}, "一张照片")
        return Invalid("请发送一张照片：点输入框旁边的“+”，再选“相册”或“拍摄”")
