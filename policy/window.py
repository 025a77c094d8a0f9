"""When WeChat lets the account send a customer-service message (客服消息), as WeChat counts it.

A message from the user (text, voice, image, location, link) opens a window of 48 hours in
which at most 5 customer-service messages may follow it; a menu click, a follow or a scan
opens a short one: 3 messages within 1 minute. Each new message or event opens its window
afresh. Outside both WeChat answers 45015 (out of time) or 45047 (out of quota), and the
notice goes as a template or subscription message instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MESSAGE_WINDOW = dt.timedelta(hours=48)
MESSAGE_QUOTA = 5
EVENT_WINDOW = dt.timedelta(minutes=1)
EVENT_QUOTA = 3

#: events that open the short window (a location report, a view click or an unfollow do not)
OPENING_EVENTS = frozenset({"click", "subscribe", "subscribe_scan", "scan", "scancode_push", "scancode_waitmsg"})
MESSAGE_TYPES = frozenset({"text", "voice", "image", "location", "link", "video", "shortvideo"})

OUT_OF_TIME = 45015
OUT_OF_QUOTA = 45047


def opens_message_window(record_type: str) -> bool:
    return record_type in MESSAGE_TYPES


def opens_event_window(record_type: str) -> bool:
    return record_type.startswith("event:") and record_type[6:] in OPENING_EVENTS


def record_type(msg_type: str, event: str | None) -> str:
    """How an inbound message is kept for the window: ``text`` … or ``event:<name>``."""
    return f"event:{(event or '').lower()}" if msg_type == "event" else msg_type


@dataclass(frozen=True)
class Window:
    """What the user's last message and last opening event allow now."""

    last_message: dt.datetime | None
    sent_since_message: int
    last_event: dt.datetime | None
    sent_since_event: int

    def refusal(self, now: dt.datetime) -> int | None:
        """None when a customer-service message may go now; else WeChat's error code."""
        in_time = False
        if self.last_message is not None and now - self.last_message < MESSAGE_WINDOW:
            in_time = True
            if self.sent_since_message < MESSAGE_QUOTA:
                return None
        if self.last_event is not None and now - self.last_event < EVENT_WINDOW:
            in_time = True
            if self.sent_since_event < EVENT_QUOTA:
                return None
        return OUT_OF_QUOTA if in_time else OUT_OF_TIME

    def open(self, now: dt.datetime) -> bool:
        return self.refusal(now) is None
