"""Every dialogue, registered by name and version, and the words that start them."""

from __future__ import annotations

from conversations.engine import Engine, FlowRegistry

FLOWS = FlowRegistry()

#: a whole message (or a menu key) that starts a flow when none is running
START_WORDS: dict[str, str] = {}


def register(flow, *words: str):
    FLOWS.add(flow)
    for word in words:
        START_WORDS[word] = flow.name
    return flow


ENGINE = Engine(FLOWS)
