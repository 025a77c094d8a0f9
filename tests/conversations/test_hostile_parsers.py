"""Every parser (and the intent matcher and speech helpers) against hostile text: the corpus
of ``tests/web/hostile_corpus.py`` and a hypothesis fuzzer with long, odd and huge inputs.

A parser never raises on user input, returns a JSON-serialisable value, and answers in well
under WeChat's 5 s even for a text as long as the webhook lets in (64 KB).
"""

from __future__ import annotations

import datetime
import json
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations import intents
from conversations.flows.request import CATEGORY_OPTIONS, WhenAnswer
from conversations.flows.visit import PhotoOrNot
from conversations.inputs import InputKind, Location, UserInput
from conversations.parsers import (Amount, Choice, DateAnswer, FreeText, IdNumber, ImageAnswer, Invalid, LocationAnswer,
                                   Mobile, Number, Ok, Option, YesNo)
from conversations.speech import chinese_number, normalize, spoken_digits, strip_fillers
from tests.web.hostile_corpus import TEXTS

TODAY = datetime.date(2025, 9, 22)
PARSERS = (
    Choice(CATEGORY_OPTIONS),
    Choice((Option("a", "帮办代办", ("买药", "代办")), Option("b", "膳食供应", ("送饭",)), Option("c", "探访慰问"))),
    YesNo(), Number(0, 120, "岁"), Amount(0, 100_000), DateAnswer(), DateAnswer(allow_past=True), Mobile(), IdNumber(),
    FreeText(), FreeText(2, 300), LocationAnswer(), ImageAnswer(), WhenAnswer(), PhotoOrNot(),
)
#: the longest text a message can carry through the webhook's 64 KB cap, about
LONGEST = 60_000
SLOWEST_S = 2.0


def parse_everything(text: str, kind: InputKind = InputKind.TEXT) -> int:
    """Run every parser, the intent matcher and the speech helpers on ``text``; the number of calls."""
    answer = UserInput(kind, text, location=Location(31.4, 116.3, text[:50]) if kind is InputKind.LOCATION else None)
    for parser in PARSERS:
        started = time.perf_counter()
        result = parser.parse(answer, TODAY)
        elapsed = time.perf_counter() - started
        assert isinstance(result, (Ok, Invalid)), (parser, result)
        if isinstance(result, Ok):
            json.dumps(result.value)
            assert isinstance(result.readback, str)
        assert elapsed < SLOWEST_S, f"{type(parser).__name__} took {elapsed:.2f} s on {len(text)} characters"
    started = time.perf_counter()
    intents.match(text)
    assert time.perf_counter() - started < SLOWEST_S
    for helper in (normalize, strip_fillers, spoken_digits, chinese_number):
        helper(text)
    return len(PARSERS) + 5


def test_the_hostile_corpus_through_every_parser(report):
    calls = sum(parse_everything(text, kind) for text in TEXTS for kind in (InputKind.TEXT, InputKind.VOICE, InputKind.LOCATION))
    walls = ("1" * LONGEST, "一" * (LONGEST // 3), "帮办带办" * (LONGEST // 12), "12月3日" * (LONGEST // 15), "嗯" * LONGEST + "是")
    calls += sum(parse_everything(text) for text in walls)
    report(f"hostile parser corpus: {calls} parser calls on {len(TEXTS) * 3 + len(walls)} inputs, none raised, none over {SLOWEST_S:g} s")


_examples = {"n": 0}

ODD_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=500),
    st.text(alphabet="零一二两三四五六七八九十百千万亿点.0123456789年月日号周星期下个元块XxX叉幺拐洞- ，。是不对好没嗯啊]]>{}%", max_size=800),
    st.builds(lambda chunk, n: chunk * n, st.text(max_size=8), st.integers(1, 3000)),
    st.sampled_from(TEXTS),
)


@settings(max_examples=300, deadline=None)
@given(ODD_TEXT, st.sampled_from([InputKind.TEXT, InputKind.VOICE, InputKind.LOCATION, InputKind.MENU, InputKind.IMAGE]))
def test_fuzz_every_parser(text, kind):
    _examples["n"] += parse_everything(text, kind)


def test_fuzz_count(report):
    """Report how many parser calls the fuzzer made (it runs just before this test)."""
    report(f"fuzzed parsers: {_examples['n']} parser calls, none raised, none over {SLOWEST_S:g} s")
