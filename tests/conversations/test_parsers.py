"""Tests for the speech normalisation helpers and the typed answer parsers."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.inputs import InputKind, Location, UserInput
from conversations.parsers import (
    Amount,
    Choice,
    DateAnswer,
    FreeText,
    IdNumber,
    ImageAnswer,
    Invalid,
    LocationAnswer,
    Mobile,
    Number,
    Ok,
    Option,
    YesNo,
)
from conversations.speech import chinese_number, normalize, spoken_digits, strip_fillers

TODAY = datetime.date(2024, 11, 27)  # a Wednesday
"""The fixed clock for every test."""

SERVICES = Choice(
    (
        Option("meal", "膳食"),
        Option("errand", "帮办代办", ("代办", "跑腿")),
        Option("medicine", "买药"),
    )
)


def typed(text: str) -> UserInput:
    return UserInput.typed(text)


def spoken(text: str) -> UserInput:
    return UserInput.spoken(text, media_id="voice-1")


def both(*texts: str) -> list[UserInput]:
    """Each text as a typed and as a spoken answer."""
    return [make(text) for text in texts for make in (typed, spoken)]


def parse(parser, answer: UserInput | str, today: datetime.date = TODAY):
    if isinstance(answer, str):
        answer = spoken(answer)
    return parser.parse(answer, today)


def assert_ok(result, value, readback: str | None = None) -> None:
    assert isinstance(result, Ok), result
    assert result.value == value
    json.dumps(result.value)  # must be storable in Redis as JSON
    if readback is not None:
        assert result.readback == readback


def id_check_char(first17: str) -> str:
    """GB 11643 check character, written independently of the code under test."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def to_chinese(number: int) -> str:
    """Write 0 <= number < 10**8 in formal Chinese numerals (一万零五百)."""
    digits = "零一二三四五六七八九"

    def below_10000(n: int) -> str:
        out, zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = n // value % 10
            if digit == 0:
                zero = bool(out)
                continue
            out += ("零" if zero else "") + digits[digit] + unit
            zero = False
        return out

    if number == 0:
        return "零"
    high, low = divmod(number, 10_000)
    if not high:
        return below_10000(low)
    text = below_10000(high) + "万"
    if low:
        text += ("零" if low < 1000 else "") + below_10000(low)
    return text


# --- speech.normalize -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("２３", "23"),
        ("  是的。 ", "是的"),
        ("好的！！", "好的"),
        ("对吗？", "对吗"),
        ("嗯，是的。", "嗯,是的"),
        ("好……", "好"),
        ("好的~", "好的"),
        ("138　0013   8000", "138 0013 8000"),
        ("ＡＢＣ", "ABC"),
        ("②", "2"),
        ("好\u200b的", "好的"),
        ("", ""),
        (None, ""),
        ("。。。", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


# --- speech.strip_fillers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("嗯，是的。", "是的"),
        ("嗯嗯", ""),
        ("呃……那个，我想问一下", "我想问一下"),
        ("那个，我想问一下", "我想问一下"),
        ("那个我想问一下", "我想问一下"),
        ("这个，嗯，买药", "买药"),
        ("哦，好的", "好的"),
        ("哎呀我忘了", "我忘了"),
        ("额，我想问", "我想问"),
        ("然后我想问", "我想问"),
        ("就是说我想办低保", "我想办低保"),
        ("就是，我家老人", "我家老人"),
        ("我想，那个，问一下", "我想,问一下"),
        ("好呀", "好"),
        ("是啊", "是"),
        ("对哦", "对"),
        ("好的哈", "好的"),
        # meaningful words survive
        ("那个人来了吗", "那个人来了吗"),
        ("这个月的钱没到", "这个月的钱没到"),
        ("就是", "就是"),
        ("就是这个", "就是这个"),
        ("我就是想问", "我就是想问"),
        ("就选那个买药的", "就选那个买药的"),
        ("额度是多少", "额度是多少"),
        ("补助金额", "补助金额"),
        ("吃了饭然后吃药", "吃了饭然后吃药"),
        ("", ""),
    ],
)
def test_strip_fillers(raw, expected):
    assert strip_fillers(raw) == expected


# --- speech.spoken_digits ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("一三八零零一三八零零零", "13800138000"),
        ("幺三八零零幺三八零零零", "13800138000"),
        ("腰三八洞洞腰三八洞洞洞", "13800138000"),
        ("幺三拐 勾勾", "13799"),
        ("两二", "22"),
        ("〇", "0"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("138，0013，8000。", "13800138000"),
        ("一三八、零零一三。八零零零", "13800138000"),
        ("１３８", "138"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("11010519491231002x", "11010519491231002X"),
        ("11010519491231002 X", "11010519491231002X"),
        ("一一零一零五一九四九一二三一零零二叉", "11010519491231002X"),
        ("我的电话是一三八", "我的电话是138"),
        ("xyz", "xyz"),
    ],
)
def test_spoken_digits(raw, expected):
    assert spoken_digits(raw) == expected


# --- speech.chinese_number --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("二十三", 23),
        ("一百零五", 105),
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("一十五", 15),
        ("23", 23),
        ("０", 0),
        ("零", 0),
        ("一千零五十", 1050),
        ("一千五", 1500),
        ("一百二", 120),
        ("两万三", 23000),
        ("三万零五百", 30500),
        ("十万零五", 100005),
        ("一亿五千万", 150_000_000),
        ("1万5", 15000),
        ("1万500", 10500),
        ("3千", 3000),
        ("2万3千", 23000),
        ("二零二四", 2024),
        (" 二十三 ", 23),
    ],
)
def test_chinese_number(raw, expected):
    assert chinese_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", None, "abc", "二三十", "七八", "百", "十十", "一十百", "二十三岁", "1.5", "千万"]
)
def test_chinese_number_rejects(raw):
    assert chinese_number(raw) is None


@given(st.integers(min_value=0, max_value=99_999_999))
def test_chinese_number_reads_any_formal_numeral(number):
    assert chinese_number(to_chinese(number)) == number
    assert chinese_number(str(number)) == number


# --- Choice -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    both(
        "2", "２", "二", "②", "第二个", "第2项", "选2", "2号", "我选二", "选择第二个",
        "就选第二个吧", "帮办代办", "代办", "跑腿", "帮办带办", "我要帮办带办", "嗯，2。",
        "帮我跑腿的那个",
    ),
)
def test_choice_picks_the_second_option(answer):
    assert_ok(parse(SERVICES, answer), "errand", "帮办代办")


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("1", "meal"),
        ("膳食", "meal"),
        ("赡食", "meal"),  # speech recognition homophone
        ("我要善食", "meal"),
        ("三", "medicine"),
        ("第三个", "medicine"),
        ("就选那个买药的", "medicine"),
        ("买药", "medicine"),
        ("卖药", "medicine"),  # mai4 / mai3
    ],
)
def test_choice_by_label_position_and_sound(answer, key):
    assert_ok(parse(SERVICES, answer), key)


@pytest.mark.parametrize(
    "answer",
    ["0", "零", "4", "第四个", "选10", "买药和膳食", "去看病", "", "嗯", "。", "不知道"],
)
def test_choice_rejects_out_of_range_unknown_and_ambiguous(answer):
    assert isinstance(parse(SERVICES, answer), Invalid)


def test_choice_out_of_range_hint_names_the_range():
    assert parse(SERVICES, "5") == Invalid("请回复1到3之间的数字")


def test_choice_equal_sound_matches_are_ambiguous():
    choice = Choice((Option("a", "膳食"), Option("b", "善事")))
    assert isinstance(parse(choice, "赡食"), Invalid)  # sounds exactly like both
    assert_ok(parse(choice, "善事"), "b")  # the exact label still wins


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("打少卫生", "clean"),  # one sound off in a long label
        ("上门弹访", "visit"),
        ("打扫", "clean"),  # part of exactly one label
        ("探望", None),  # sounds too different from 上门探访
        ("上门看看", None),
        ("帮忙", None),
    ],
)
def test_choice_near_homophones_need_a_close_sound(answer, key):
    choice = Choice((Option("clean", "打扫卫生"), Option("visit", "上门探访")))
    result = parse(choice, answer)
    if key is None:
        assert isinstance(result, Invalid)
    else:
        assert_ok(result, key)


def test_choice_longer_label_wins_over_contained_shorter_one():
    choice = Choice((Option("drug", "药"), Option("buy", "买药")))
    assert_ok(parse(choice, "我想买药"), "buy")


def test_choice_rejects_non_text_input():
    assert isinstance(parse(SERVICES, UserInput(InputKind.IMAGE, media_id="m")), Invalid)


def test_choice_needs_options():
    with pytest.raises(ValueError):
        Choice(())


def test_choice_attributes():
    assert SERVICES.kind == "choice"
    assert SERVICES.critical is False


# --- YesNo ------------------------------------------------------------------------------

YES_ANSWERS = (
    "是", "是的", "对", "对的", "好", "好的", "嗯", "嗯嗯", "可以", "行", "要", "需要",
    "确认", "没错", "同意", "ok", "OK", "Ok", "y", "Y", "yes", "Yes", "1", "嗯，是的。",
    "是的是的", "对对对", "好呀", "好的谢谢", "没问题", "行吧", "可以的", "哦，好的",
    "要得", "好像是的", "有", "不错",
)
NO_ANSWERS = (
    "不", "不是", "不对", "不用", "不要", "算了", "没有", "否", "不行", "不同意", "no",
    "No", "n", "N", "2", "不好", "不可以", "不需要", "我不需要", "不，不用了", "算了吧",
    "不用了谢谢", "好像不是", "没", "不不不", "我觉得不行",
)


@pytest.mark.parametrize("answer", both(*YES_ANSWERS))
def test_yes(answer):
    assert_ok(parse(YesNo(), answer), True, "是")


@pytest.mark.parametrize("answer", both(*NO_ANSWERS))
def test_no(answer):
    assert_ok(parse(YesNo(), answer), False, "不是")


@pytest.mark.parametrize(
    "answer", ["", "嗯，那个", "谢谢", "你好", "是不是", "好不好", "不知道", "我不清楚", "3", "啥"]
)
def test_yes_no_unclear(answer):
    assert isinstance(parse(YesNo(), answer), Invalid)


def test_yes_no_rejects_location():
    answer = UserInput(InputKind.LOCATION, location=Location(30.1, 117.2))
    assert parse(YesNo(), answer) == Invalid("请用文字或语音回答")


def test_yes_no_empty_voice_asks_again():
    assert parse(YesNo(), UserInput.spoken("")) == Invalid("没听清，请再说一遍，或者打字回复")


# --- Number -----------------------------------------------------------------------------

AGE = Number(0, 120, "岁")


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("23", 23),
        ("二十三", 23),
        ("23岁", 23),
        ("二十三岁。", 23),
        ("大概30", 30),
        ("30左右", 30),
        ("三十多", 30),
        ("我今年七十八了", 78),
        ("嗯，八十五岁", 85),
        ("０", 0),
        ("零", 0),
        ("120", 120),
        ("一百二十", 120),
        ("一百零五岁", 105),
    ],
)
def test_number(answer, value):
    assert_ok(parse(AGE, answer), value, f"{value}岁")


@pytest.mark.parametrize("answer", ["121", "一百二十一", "-1", "负五", "", "不知道", "七八十", "二三十", "23和45"])
def test_number_rejects(answer):
    assert isinstance(parse(AGE, answer), Invalid)


def test_number_out_of_range_hint_names_the_range():
    assert parse(Number(1, 10), "11") == Invalid("请说1到10之间的数字")


def test_number_rejects_decimals():
    assert parse(AGE, "23.5") == Invalid("请说一个整数")


def test_number_prefers_the_number_with_the_unit():
    assert_ok(parse(Number(1, 20, "口"), "我家一共三口人"), 3, "3口")
    assert_ok(parse(Number(1, 20, "口"), "两个老人，一共五口"), 5)


def test_number_negative():
    assert_ok(parse(Number(-50, 50, "度"), "负五度"), -5, "-5度")
    assert_ok(parse(Number(-50, 50), "-12"), -12)


# --- Amount -----------------------------------------------------------------------------

INCOME = Amount(0, 100_000)


@pytest.mark.parametrize(
    ("answer", "value", "readback"),
    [
        ("1500", 1500.0, "1500元"),
        ("1500元", 1500.0, "1500元"),
        ("１５００元", 1500.0, "1500元"),
        ("一千五百块", 1500.0, "1500元"),
        ("一千五", 1500.0, "1500元"),
        ("1.5万", 15000.0, "15000元"),
        ("一点五万", 15000.0, "15000元"),
        ("1万5", 15000.0, "15000元"),
        ("两千块钱", 2000.0, "2000元"),
        ("大概两千左右", 2000.0, "2000元"),
        ("1,500元", 1500.0, "1500元"),
        ("1500.50元", 1500.5, "1500.5元"),
        ("三块五", 3.5, "3.5元"),
        ("五块零五分", 5.05, "5.05元"),
        ("每个月八百元", 800.0, "800元"),
        ("嗯，一千二百块钱。", 1200.0, "1200元"),
        ("0", 0.0, "0元"),
        ("10万", 100000.0, "100000元"),
        ("￥300", 300.0, "300元"),
        ("一共一千二百块", 1200.0, "1200元"),
        ("两个人一共三千块", 3000.0, "3000元"),
    ],
)
def test_amount(answer, value, readback):
    assert_ok(parse(INCOME, answer), value, readback)


@pytest.mark.parametrize("answer", ["100001", "20万", "-5", "", "不知道", "很多钱", "1.2.3"])
def test_amount_rejects(answer):
    assert isinstance(parse(INCOME, answer), Invalid)


def test_amount_hint_names_the_range():
    assert parse(Amount(1, 5000), "6000") == Invalid("请说1到5000元之间的金额")


def test_amount_is_critical():
    assert Amount(0, 1).critical is True
    assert Amount(0, 1).kind == "amount"


# --- DateAnswer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "iso"),
    [
        ("今天", "2024-11-27"),
        ("明天", "2024-11-28"),
        ("明天上午", "2024-11-28"),
        ("后天", "2024-11-29"),
        ("大后天", "2024-11-30"),
        ("下周一", "2024-12-02"),
        ("下星期一", "2024-12-02"),
        ("下礼拜三", "2024-12-04"),
        ("下周日", "2024-12-08"),
        ("下星期天", "2024-12-08"),
        ("下下周一", "2024-12-09"),
        ("周三", "2024-11-27"),  # today is a Wednesday: today
        ("星期三", "2024-11-27"),
        ("礼拜三", "2024-11-27"),
        ("周二", "2024-12-03"),  # already past this week: next week
        ("星期五", "2024-11-29"),
        ("周日", "2024-12-01"),
        ("这周五", "2024-11-29"),
        ("本周六", "2024-11-30"),
        ("12月3日", "2024-12-03"),
        ("12月3号", "2024-12-03"),
        ("十二月三号", "2024-12-03"),
        ("12.3", "2024-12-03"),
        ("12/3", "2024-12-03"),
        ("11月27日", "2024-11-27"),
        ("11月1日", "2025-11-01"),  # already past this year: next year
        ("2024-12-03", "2024-12-03"),
        ("2024/12/3", "2024-12-03"),
        ("2024.12.3", "2024-12-03"),
        ("2024年12月3日", "2024-12-03"),
        ("二零二四年十二月三日", "2024-12-03"),
        ("2025年1月5号", "2025-01-05"),
        ("3号", "2024-12-03"),
        ("28号", "2024-11-28"),
        ("下个月5号", "2024-12-05"),
        ("嗯，明天吧。", "2024-11-28"),
    ],
)
def test_date(answer, iso):
    assert_ok(parse(DateAnswer(), answer), iso)


@pytest.mark.parametrize(
    ("answer", "readback"),
    [
        ("12月3日", "12月3日（星期二）"),
        ("今天", "11月27日（星期三）"),
        ("下周日", "12月8日（星期日）"),
        ("2025年1月5日", "2025年1月5日（星期日）"),
    ],
)
def test_date_readback(answer, readback):
    assert parse(DateAnswer(), answer).readback == readback


@pytest.mark.parametrize("answer", ["昨天", "前天", "上周一", "2024-11-26", "2023年12月3日"])
def test_date_rejects_past_by_default(answer):
    assert parse(DateAnswer(), answer) == Invalid("这一天已经过去了，请说今天以后的日期")


@pytest.mark.parametrize(
    ("answer", "iso"),
    [
        ("昨天", "2024-11-26"),
        ("前天", "2024-11-25"),
        ("上周一", "2024-11-18"),
        ("11月1日", "2024-11-01"),
        ("1949年10月1日", "1949-10-01"),
        ("26号", "2024-11-26"),
    ],
)
def test_date_allow_past(answer, iso):
    assert_ok(parse(DateAnswer(allow_past=True), answer), iso)


@pytest.mark.parametrize("answer", ["2月30日", "13月1日", "2024-02-30", "随便", "", "过几天"])
def test_date_rejects(answer):
    assert isinstance(parse(DateAnswer(), answer), Invalid)


def test_date_across_year_end():
    new_years_eve = datetime.date(2024, 12, 31)  # a Tuesday
    assert_ok(parse(DateAnswer(), "明天", new_years_eve), "2025-01-01", "2025年1月1日（星期三）")
    assert_ok(parse(DateAnswer(), "下周一", new_years_eve), "2025-01-06")
    assert_ok(parse(DateAnswer(), "3号", new_years_eve), "2025-01-03")


# --- Mobile -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    both(
        "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
        "+8613800138000", "8613800138000", "0086 13800138000", "１３８００１３８０００",
        "一三八零零一三八零零零", "幺三八零零幺三八零零零", "幺三八，零零幺三，八零零零。",
        "我的电话是13800138000", "嗯，一三八 零零一三 八零零零", "手机号码是幺三八洞洞幺三八洞洞洞",
    ),
)
def test_mobile(answer):
    assert_ok(parse(Mobile(), answer), "13800138000", "138 0013 8000")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("1380013800", "手机号应该是11位，您说的是10位"),
        ("138001380001", "手机号应该是11位，您说的是12位"),
        ("12800138000", "手机号的前两位应该是13到19，请再核对一下"),
        ("23800138000", "手机号的前两位应该是13到19，请再核对一下"),
        ("电话", "请说11位手机号码"),
        ("", "没听清，请再说一遍，或者打字回复"),
    ],
)
def test_mobile_rejects(answer, hint):
    assert parse(Mobile(), answer) == Invalid(hint)


def test_mobile_rejects_two_different_numbers():
    assert isinstance(parse(Mobile(), "13800138000或者13900139000"), Invalid)


def test_mobile_is_critical():
    assert Mobile.critical is True
    assert Mobile.kind == "mobile"


MOBILE_NUMBERS = st.builds(
    lambda second, rest: "1" + str(second) + "".join(map(str, rest)),
    st.integers(3, 9),
    st.lists(st.integers(0, 9), min_size=9, max_size=9),
)


@given(
    MOBILE_NUMBERS,
    st.sampled_from(["", " ", "-", "，"]),
    st.sampled_from(["", "+86 ", "86", "我的手机是"]),
    st.booleans(),
)
def test_any_mobile_round_trips(number, separator, prefix, read_aloud):
    text = separator.join([number[:3], number[3:7], number[7:]])
    if read_aloud:
        text = text.translate(str.maketrans("0123456789", "零幺二三四五六七八九"))
    assert_ok(parse(Mobile(), prefix + text), number)


# --- IdNumber ---------------------------------------------------------------------------

VALID_ID = "11010519491231002X"  # the GB 11643 example


@pytest.mark.parametrize(
    "answer",
    both(
        VALID_ID, VALID_ID.lower(), "110105 19491231 002X", "110105-19491231-002x",
        "一一零一零五一九四九一二三一零零二叉", "幺幺洞幺洞五幺九四九幺二三幺洞洞二X",
        "我的身份证号是11010519491231002X", "嗯，11010519491231002X。",
    ),
)
def test_id_number(answer):
    assert_ok(parse(IdNumber(), answer), VALID_ID, "1101**********002X")


def test_id_number_readback_example():
    first17 = "34152419900101123"
    number = first17 + id_check_char(first17)
    assert_ok(parse(IdNumber(), number), number, "3415**********123" + number[-1])


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("110105194912310021", "身份证号最后一位校验不对，请再核对一下"),
        ("11010519491231002", "身份证号应该是18位，您说的是17位"),
        ("1101051949123100211", "身份证号应该是18位，您说的是19位"),
        ("110105194913310025", "身份证号里的出生日期不对，请再核对一下"),
        ("110105203001010012", "身份证号里的出生日期不对，请再核对一下"),  # born after today
        ("440524188001010014", "身份证号里的出生日期不对，请再核对一下"),  # before 1900
        ("010105194912310021", "身份证号的格式不对，请再核对一下"),
        ("身份证", "请说18位身份证号码"),
    ],
)
def test_id_number_rejects(answer, hint):
    assert parse(IdNumber(), answer) == Invalid(hint)


def test_id_number_is_critical():
    assert IdNumber.critical is True
    assert IdNumber.kind == "id_number"


ID_BODIES = st.builds(
    lambda region, born, sequence: f"{region}{born:%Y%m%d}{sequence:03d}",
    st.integers(110_000, 829_999),
    st.dates(datetime.date(1900, 1, 1), TODAY),
    st.integers(0, 999),
)


@given(ID_BODIES)
def test_any_valid_id_number_parses(first17):
    number = first17 + id_check_char(first17)
    assert_ok(parse(IdNumber(), number.lower()), number)


@given(ID_BODIES, st.integers(0, 17), st.integers(1, 9))
def test_any_single_digit_error_is_caught(first17, position, shift):
    number = first17 + id_check_char(first17)
    if number[position] == "X":
        wrong = "0"
    else:
        wrong = str((int(number[position]) + shift) % 10)
    typo = number[:position] + wrong + number[position + 1 :]
    assert isinstance(parse(IdNumber(), typo), Invalid)


# --- FreeText ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("腿脚不方便", "腿脚不方便"),
        ("嗯，那个，腿脚不方便。", "腿脚不方便"),
        ("  ａｂｃ  ", "abc"),
        ("我想问,然后呢", "我想问,然后呢"),
    ],
)
def test_free_text(answer, value):
    assert_ok(parse(FreeText(), answer), value, value)


@pytest.mark.parametrize("answer", ["", "嗯", "嗯嗯，啊。", "   "])
def test_free_text_rejects_empty(answer):
    assert isinstance(parse(FreeText(), answer), Invalid)


def test_free_text_length_bounds():
    assert_ok(parse(FreeText(min_len=2, max_len=5), "五个字呀呀"), "五个字")
    assert_ok(parse(FreeText(max_len=5), "正好五个字"), "正好五个字")
    assert parse(FreeText(max_len=5), "多于五个字了") == Invalid("请说得简短一些，不超过5个字")
    assert parse(FreeText(min_len=3), "好的") == Invalid("请多说几句，至少3个字")


def test_free_text_rejects_image():
    assert isinstance(parse(FreeText(), UserInput(InputKind.IMAGE, media_id="m")), Invalid)


# --- LocationAnswer ---------------------------------------------------------------------


def test_location_message():
    answer = UserInput(InputKind.LOCATION, location=Location(30.52, 117.05, "安庆市大观区"))
    assert_ok(
        parse(LocationAnswer(), answer),
        {"lat": 30.52, "lng": 117.05, "label": "安庆市大观区"},
        "安庆市大观区",
    )


def test_location_without_label():
    answer = UserInput(InputKind.LOCATION, location=Location(30.5, 117.0))
    assert_ok(parse(LocationAnswer(), answer), {"lat": 30.5, "lng": 117.0, "label": ""}, "您发来的位置")


@pytest.mark.parametrize(
    ("answer", "address"),
    [
        ("三组", "三组"),
        ("东街", "东街"),
        ("石桥镇", "石桥镇"),
        ("张家村五组", "张家村五组"),
        ("人民路12号", "人民路12号"),
        ("阳光小区3栋", "阳光小区3栋"),
        ("嗯，就在学校后面", "就在学校后面"),
        ("那个，石桥镇张家村。", "石桥镇张家村"),
    ],
)
def test_location_text(answer, address):
    assert_ok(parse(LocationAnswer(), answer), {"address": address}, address)


@pytest.mark.parametrize("answer", ["", "嗯", "家", "这里", "1234", "ok!", "号"])
def test_location_rejects(answer):
    assert isinstance(parse(LocationAnswer(), answer), Invalid)


def test_location_rejects_image():
    assert isinstance(parse(LocationAnswer(), UserInput(InputKind.IMAGE, media_id="m")), Invalid)


# --- ImageAnswer ------------------------------------------------------------------------


def test_image():
    answer = UserInput(InputKind.IMAGE, media_id="media-123")
    assert_ok(parse(ImageAnswer(), answer), {"media_id": "media-123"})


@pytest.mark.parametrize(
    "answer",
    [
        typed("照片"),
        spoken("我发不了照片"),
        UserInput(InputKind.IMAGE),
        UserInput(InputKind.LOCATION, location=Location(1.0, 2.0)),
    ],
)
def test_image_rejects(answer):
    assert isinstance(parse(ImageAnswer(), answer), Invalid)


# --- every parser ------------------------------------------------------------------------

ALL_PARSERS = (
    SERVICES, YesNo(), AGE, INCOME, DateAnswer(), DateAnswer(allow_past=True), Mobile(),
    IdNumber(), FreeText(), LocationAnswer(), ImageAnswer(),
)
CRITICAL_KINDS = {"mobile", "id_number", "amount"}


@pytest.mark.parametrize("parser", ALL_PARSERS, ids=lambda parser: parser.kind)
def test_parser_attributes(parser):
    assert parser.critical is (parser.kind in CRITICAL_KINDS)
    with pytest.raises(AttributeError):
        parser.kind = "other"  # frozen


@pytest.mark.parametrize("parser", ALL_PARSERS, ids=lambda parser: parser.kind)
@pytest.mark.parametrize(
    "kind", [InputKind.MENU, InputKind.EVENT, InputKind.LINK, InputKind.OTHER]
)
def test_parsers_refuse_non_answers(parser, kind):
    assert isinstance(parser.parse(UserInput(kind, "2"), TODAY), Invalid)


ANSWER_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="零一二两三四五六七八九十百千万亿点.0123456789年月日号周星期下个元块XxX叉幺- ，。"),
)


@settings(max_examples=300)
@given(ANSWER_TEXT, st.sampled_from(list(InputKind)), st.dates())
def test_no_parser_raises_on_any_text(text, kind, today):
    for parser in ALL_PARSERS:
        result = parser.parse(UserInput(kind, text), today)
        assert isinstance(result, (Ok, Invalid))
        if isinstance(result, Ok):
            json.dumps(result.value)


@given(st.text())
def test_speech_helpers_never_raise(text):
    assert normalize(normalize(text)) == normalize(text)
    strip_fillers(text)
    spoken_digits(text)
    chinese_number(text)
