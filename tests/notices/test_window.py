"""WeChat's customer-service window, as a pure rule (boundaries included)."""

import datetime as dt

from policy.window import OUT_OF_QUOTA, OUT_OF_TIME, Window, opens_event_window, record_type

T = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.timezone.utc)
H, M = dt.timedelta(hours=1), dt.timedelta(minutes=1)


def test_48_hours_and_5_messages_after_a_message():
    assert Window(T, 0, None, 0).refusal(T + 48 * H - dt.timedelta(seconds=1)) is None
    assert Window(T, 0, None, 0).refusal(T + 48 * H) == OUT_OF_TIME
    assert Window(T, 4, None, 0).refusal(T) is None
    assert Window(T, 5, None, 0).refusal(T) == OUT_OF_QUOTA


def test_a_click_or_follow_opens_3_within_a_minute():
    assert Window(None, 0, T, 2).refusal(T + 59 * dt.timedelta(seconds=1)) is None
    assert Window(None, 0, T, 3).refusal(T) == OUT_OF_QUOTA
    assert Window(None, 0, T, 0).refusal(T + M) == OUT_OF_TIME
    assert Window(T - 47 * H, 5, T, 0).refusal(T) is None  # the click opens what the message's quota closed
    assert Window(None, 0, None, 0).refusal(T) == OUT_OF_TIME


def test_which_events_open_the_short_window():
    assert opens_event_window(record_type("event", "click")) and opens_event_window("event:subscribe")
    assert not opens_event_window("event:location") and not opens_event_window("event:view") and not opens_event_window("text")
