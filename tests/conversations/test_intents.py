"""Top-level intent matching on real-style typed and spoken phrases."""

from __future__ import annotations

import dataclasses
import time

import pytest

from conversations.intents import Intent, describe, match
from tests.conversations.intent_corpus import ANCHORS, ROUTED, UNROUTED

REQUEST = "request_service"

# Every flow and catalogue item (SPEC §5) the matcher must be able to start.
ALL_INTENTS = [
    *((REQUEST, item) for item in (
        "visit", "errand", "meals", "cleaning", "institutional_care", "daily_care",
        "volunteer_service", "neighbour_help", "monitoring", "charity", "referral", None,
    )),
    *((flow, None) for flow in (
        "report_neighbour", "visit_checkin", "progress", "bind", "tasks", "todo",
        "cancel_request", "rate", "human", "help",
    )),
]


def _routed(text: str) -> tuple[str, str | None] | None:
    intent = match(text)
    return None if intent is None else (intent.name, intent.item)


@pytest.mark.parametrize(("text", "flow", "item"), ANCHORS)
def test_anchor_phrases_route_to_their_flow(text, flow, item):
    assert _routed(text) == (flow, item)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("我想找人帮我买药", "您是想找人帮忙买药、办事（帮办代办）吗？"),
        ("家里没人做饭", "您是想请人做饭、送饭上门（膳食供应）吗？"),
        ("隔壁老人好几天没出门了", "您是想报告身边需要帮助的人吗？"),
        ("我去过王奶奶家了", "您是想登记这次探访（签到）吗？"),
    ],
)
def test_describe_names_what_was_understood(text, reply):
    assert describe(match(text)) == reply


def test_describe_echoes_the_users_words_when_the_question_does_not():
    reply = describe(match("我眼睛看不清，听说县医院能免费做白内障手术"))
    assert reply.startswith("您说“") and "（慈善救助）" in reply


def test_corpus_accuracy(capsys):
    results = [(text, (flow, item), _routed(text)) for text, flow, item in ROUTED]
    misses = [(text, expected, got) for text, expected, got in results if got != expected]
    right = len(ROUTED) - len(misses)
    with capsys.disabled():
        print(f"\nintent accuracy: {100 * right / len(ROUTED):.1f} % ({right}/{len(ROUTED)})")
        for text, expected, got in misses:
            print(f"  miss: {text} -> {got}, expected {expected}")
    assert right / len(ROUTED) >= 0.90


def test_small_talk_mostly_shows_the_menu(capsys):
    unrouted = [text for text in UNROUTED if match(text) is None]
    with capsys.disabled():
        print(f"\nsmall talk left to the menu: {len(unrouted)}/{len(UNROUTED)}")
    assert len(unrouted) / len(UNROUTED) >= 0.8


@pytest.mark.parametrize("text", ["你好", "谢谢", "今天天气不错", "好的", "123456", "", "   ", "。"])
def test_unknown_text_returns_none(text):
    assert match(text) is None


@pytest.mark.parametrize(("text", "flow", "item"), ROUTED[:40])
def test_fillers_and_speech_punctuation_do_not_change_the_result(text, flow, item):
    assert _routed(f"嗯，那个，就是{text}。") == _routed(text)
    assert _routed(f"{text}！！") == _routed(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("帮办带办", (REQUEST, "errand")),  # 带 for 代
        ("我要赡食", (REQUEST, "meals")),  # 赡 for 膳
        ("养老金认正", (REQUEST, "errand")),  # 正 for 证
        ("我想要个电子收环", (REQUEST, "monitoring")),  # 收 for 手 (sh ~ s)
        ("想去经老院", (REQUEST, "institutional_care")),  # 经 for 敬 (tones dropped)
        ("我要申请住院陪户", (REQUEST, "daily_care")),  # 户 for 护
        ("一键的呼叫", (REQUEST, "monitoring")),  # an inserted word: fuzzy stage
    ],
)
def test_speech_recognition_errors_still_match(text, expected):
    assert _routed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("待办", ("todo", None)),
        ("我要代办", (REQUEST, "errand")),
        ("帮我办个事，帮办代办", (REQUEST, "errand")),  # 待办 is not heard inside 帮办代办
        ("找工作人员", ("human", None)),
        ("我想找工作", (REQUEST, "referral")),
        ("帮助", ("help", None)),
        ("我需要帮助", (REQUEST, None)),
        ("我生病了，家里没人照顾", (REQUEST, "daily_care")),
        ("村里有个老人生病没人照顾", ("report_neighbour", None)),
        ("我想请邻居来照顾我", (REQUEST, "neighbour_help")),
        ("那个送饭不要了", ("cancel_request", None)),
        ("我想找人帮忙买点米", (REQUEST, "errand")),
    ],
)
def test_near_neighbours_are_told_apart(text, expected):
    assert _routed(text) == expected


@pytest.mark.parametrize("text", ["我摔倒了", "救命啊", "我摔倒了起不来", "x" * 5000, "🙂🙂", "嗯" * 300])
def test_emergencies_and_odd_input_do_not_crash(text):
    result = match(text)
    assert result is None or isinstance(result, Intent)


def test_matched_holds_the_users_own_words():
    for text, _, _ in ROUTED:
        intent = match(text)
        if intent is not None:
            assert intent.matched and all(char in text for char in intent.matched), text
            assert 0 < intent.confidence <= 1


@pytest.mark.parametrize(("flow", "item"), ALL_INTENTS)
def test_every_intent_has_a_one_line_reply(flow, item):
    for matched in ("", "白内障", "一二三四五六七八"):
        reply = describe(Intent(flow, item, 1.0, matched))
        assert reply.startswith("您") and reply.endswith("吗？")
        assert "\n" not in reply and len(reply) <= 40


def test_every_intent_is_reachable():
    reached = {_routed(text) for text, _, _ in ROUTED}
    assert set(ALL_INTENTS) <= reached


def test_describe_refuses_an_unknown_intent():
    with pytest.raises(ValueError):
        describe(Intent("no_such_flow", None, 1.0, ""))


def test_intent_is_immutable():
    intent = match("我想找人帮我买药")
    with pytest.raises(dataclasses.FrozenInstanceError):
        intent.name = "help"


def test_matching_one_phrase_takes_well_under_a_millisecond(capsys):
    texts = [text for text, _, _ in ROUTED] + UNROUTED
    for text in texts:  # warm up: jieba's dictionary, pinyin caches
        match(text)
    rounds = 5
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            match(text)
    per_phrase = (time.perf_counter() - start) / (rounds * len(texts))
    with capsys.disabled():
        print(f"\nintent matching: {per_phrase * 1e6:.0f} µs per phrase")
    assert per_phrase < 0.001
