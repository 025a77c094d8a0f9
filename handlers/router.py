"""From an incoming message or event to a reply: ordered routes, first match wins."""

from __future__ import annotations

from conversations import menu
from conversations.commands import Command, command_of
from conversations.inputs import InputKind
from handlers import dialogue, residents
from handlers.emergency import on_emergency
from handlers.handover import hand_over
from handlers.provider import on_provider
from handlers.staff import on_invite_code
from handlers.volunteer import on_volunteer
from handlers.secretary import on_todo
from handlers.town import on_town
from handlers.turn import Answer, Turn

#: events WeChat does not let us answer with a message (or that need none)
SILENT_EVENTS = {"unsubscribe", "location", "view", "templatesendjobfinish", "masssendjobfinish"}
GREETINGS = {"你好", "您好", "在吗", "喂", "MENU_HELP"}


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


def on_menu_word(turn: Turn) -> Answer | None:
    """菜单, 帮助, 返回 and greetings show the menu; 人工 hands over (outside any flow)."""
    command = command_of(turn.said)
    if command is Command.HUMAN:
        return Answer.say(hand_over(turn, "主菜单"))
    if command in (Command.MENU, Command.HELP, Command.BACK) or turn.said in GREETINGS:
        return Answer.say(menu.MAIN_MENU)
    return None


def on_unusable(turn: Turn) -> Answer | None:
    if turn.input.kind in (InputKind.OTHER, InputKind.LINK, InputKind.IMAGE):
        return Answer.say(menu.UNSUPPORTED_KIND)
    return None


ROUTES = [
    on_event,
    on_emergency,
    dialogue.on_running_flow,
    on_invite_code,
    on_provider,
    on_town,
    on_volunteer,
    on_todo,
    dialogue.on_pending_intent,
    on_empty_voice_outside_flow,
    on_unusable,
    on_menu_word,
    residents.on_progress,
    dialogue.on_start_word,
    dialogue.on_free_text,
]
