"""How WeChat shows a message field, as pure rules.

Since 4 May 2023 a template message (模板消息) shows neither ``first`` nor ``remark``, no
colours, emoji or line breaks, and cuts every field to 20 characters without an error; a run
of digits or letters counts as one character there. A subscription message (订阅通知) counts
every character and refuses a longer value (47003) instead of cutting it.

We count conservatively: a run of letters and a run of digits are one character each (WeChat
is reported to count a mixed run such as ``FW20261207`` as one), so a value we accept is never
cut on the phone.
"""

from __future__ import annotations

import re

FIELD_LIMIT = 20
"""Characters WeChat shows of one template field (and accepts in a subscription ``thing``)."""

ELLIPSIS = "…"

_UNITS = re.compile(r"[A-Za-z]+|[0-9]+|.", re.DOTALL)
_BREAKS = re.compile(r"\s+")


def units(text: str) -> list[str]:
    """``text`` split into the characters WeChat counts in a template field."""
    return _UNITS.findall(text)


def template_width(text: str) -> int:
    """Display characters of ``text`` in a template field, counted WeChat's way."""
    return len(units(text))


def one_line(text: str) -> str:
    """Line breaks and runs of spaces as one space (WeChat drops line breaks)."""
    return _BREAKS.sub(" ", text).strip()


def fit_template(text: str, limit: int = FIELD_LIMIT) -> str:
    """``text`` on one line within ``limit`` template characters: cut with an ellipsis only
    when it is longer (the caller gives a short value first)."""
    text = one_line(text)
    parts = units(text)
    if len(parts) <= limit:
        return text
    return "".join(parts[: limit - 1]).rstrip() + ELLIPSIS


def fit_plain(text: str, limit: int = FIELD_LIMIT) -> str:
    """The same for a subscription message, where every character counts."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def shown_in_template(text: str, limit: int = FIELD_LIMIT) -> str:
    """What the phone shows of a template field: WeChat's own cut (no ellipsis of ours)."""
    parts = units(one_line(text))
    return "".join(parts[:limit]) + ("…" if len(parts) > limit else "")
