"""Routes into the dialogue engine: a running flow, a pending intent, a start word, free text.

Each loads the user's state, lets the engine work on it, and stages the new state
(draft in this transaction, Redis after commit, with the idle timer) and the step events.
"""

from __future__ import annotations

from conversations import intents, menu, texts
from conversations.engine import Call
from conversations.flows import ENGINE, FLOWS, START_WORDS
from conversations.inputs import InputKind
from conversations.parsers import Ok, YesNo
from conversations.state import DialogueState
from handlers.handover import hand_over
from handlers.residents import progress
from handlers.turn import Answer, Turn
from models.dialogue import REMIND_AFTER, record_events

_YES_NO = YesNo()

#: intents answered at once rather than by a flow
COMMANDS = {
    "progress": progress,
    "human": lambda turn: Answer.say(hand_over(turn, "主菜单")),
    "help": lambda turn: Answer.say(menu.MAIN_MENU),
}


def _load(turn: Turn) -> Call:
    if turn.state is None:
        turn.state = turn.services.state_store.load(lambda: turn.db, turn.openid)
    return Call(turn, turn.state)


def _save(call: Call, reply: str) -> Answer:
    """Stage the new state (with its idle reminder while a flow runs) and the step events."""
    turn = call.turn
    state = call.state.touched(turn.now) if not call.state.is_empty else DialogueState()
    remind_at = None
    if state.flow:
        state.reminder = texts.IDLE_REMINDER.format(title=FLOWS.latest(state.flow).title)
        remind_at = turn.now + REMIND_AFTER
    turn.state = state
    turn.after_commit.append(turn.services.state_store.stage(turn.db, turn.openid, state, remind_at))
    if call.events:
        record_events(turn.db, call.events, turn.now)
    return Answer.say(reply)


def on_running_flow(turn: Turn) -> Answer | None:
    call = _load(turn)
    if not call.state.flow:
        return None
    reply = ENGINE.resume_offer(call) or ENGINE.answer(call, turn.input)
    return _save(call, reply)


def on_pending_intent(turn: Turn) -> Answer | None:
    """The bot asked "您是想…吗？": 是 starts that flow, 不是 shows the menu, else move on."""
    call = _load(turn)
    if call.state.intent is None:
        return None
    intent = call.state.intent
    verdict = _YES_NO.parse(turn.input, turn.now.date())
    call.state = turn.state = DialogueState()
    if not isinstance(verdict, Ok):
        turn.after_commit.append(turn.services.state_store.stage(turn.db, turn.openid, call.state))
        return None  # they said something else: handle it afresh
    if verdict.value:
        return _save(call, ENGINE.start(call, intent["flow"], intent.get("prefill")))
    return _save(call, texts.INTENT_NO + "\n" + menu.MAIN_MENU)


def on_start_word(turn: Turn) -> Answer | None:
    name = START_WORDS.get(turn.said)
    if name is None:
        return None
    call = _load(turn)
    return _save(call, ENGINE.start(call, name))


def on_free_text(turn: Turn) -> Answer | None:
    """Free words or speech when nothing runs: say what we understood, ask to confirm."""
    said = turn.said
    if not said or turn.input.kind is InputKind.MENU:
        return None
    intent = intents.match(said)
    if intent is None:
        return None
    if intent.name in COMMANDS:
        return COMMANDS[intent.name](turn)
    if intent.name not in FLOWS:
        return None
    call = _load(turn)
    prefill = {"prefill_item": intent.item} if intent.item else {}
    call.state = DialogueState(intent={"flow": intent.name, "prefill": prefill})
    return _save(call, texts.INTENT_ASK.format(understood=intents.describe(intent)))
