"""From an incoming message or event to a reply: ordered routes, first match wins."""

from __future__ import annotations

from conversations import menu
from conversations.inputs import InputKind
from handlers import dialogue
from handlers.turn import Answer, Turn

#: events WeChat does not let us answer with a message (or that need none)
SILENT_EVENTS = {"unsubscribe", "location", "view", "templatesendjobfinish", "masssendjobfinish"}


def route(turn: Turn) -> Answer:
    for handler in ROUTES:
        answer = handler(turn)
        if answer is not None:
            return answer
    return Answer.say(menu.NOT_UNDERSTOOD)


def on_event(turn: Turn) -> Answer | None:
    if turn.input.kind is not InputKind.EVENT:
        return None
    event = turn.input.text
    if event in SILENT_EVENTS:
        return Answer()
    if event in ("subscribe", "subscribe_scan", "scan"):
        return Answer.say(menu.WELCOME)
    return Answer.say(menu.MAIN_MENU)


def on_empty_voice_outside_flow(turn: Turn) -> Answer | None:
    if turn.input.kind is InputKind.VOICE and not turn.input.text.strip():
        return Answer.say(menu.VOICE_EMPTY)
    return None


def on_unusable(turn: Turn) -> Answer | None:
    if turn.input.kind in (InputKind.OTHER, InputKind.LINK, InputKind.IMAGE):
        return Answer.say(menu.UNSUPPORTED_KIND)
    return None


ROUTES = [
    on_event,
    dialogue.on_running_flow,
    dialogue.on_pending_intent,
    on_empty_voice_outside_flow,
    on_unusable,
    dialogue.on_start_word,
    dialogue.on_free_text,
]
