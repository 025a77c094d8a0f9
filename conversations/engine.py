"""The dialogue engine: flows as declarations, one small interpreter.

A ``Flow`` is a sequence of named ``Step``s; each step has a prompt, a typed parser,
a retry text, a help text, a retry limit and where to go next (possibly by the
answer). The engine does everything else once, for every flow: the words that work
at every step (返回 取消 菜单 帮助 人工), reading critical values back, voice with no
recognition text, the retry limit, resuming an old draft, flow versions, step
events for drop-out counts, and idle timers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from conversations import menu, texts
from conversations.commands import Command, command_of
from conversations.inputs import InputKind, UserInput
from conversations.parsers import Invalid, Ok, Parser, YesNo
from conversations.state import DialogueState
from models.dialogue import StepEvent

DONE = "__done__"
RESUME_AFTER = dt.timedelta(hours=1)


class Services(Protocol):
    """What the engine needs from outside (the handlers layer provides it)."""

    def handover(self, call: "Call", reason: str) -> str: ...


@dataclass
class Call:
    """One turn inside a flow: the turn (db, openid, now, services) and the answers so far."""

    turn: Any
    state: DialogueState
    events: list = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data

    @property
    def today(self) -> dt.date:
        return self.turn.now.date()


Text = str | Callable[[Call], str]


def _render(text: Text, call: Call) -> str:
    return text(call) if callable(text) else text


@dataclass(frozen=True)
class Step:
    name: str
    label: str  # what this step asks for, in a few words: "服务项目"
    prompt: Text
    parser: Parser | Callable[[Call], Parser]
    retry: Text
    help: Text
    max_retries: int = 3
    #: the next step's name, DONE, or a function of (value, call); None = the next in order
    next: str | Callable[[Any, Call], str] | None = None
    #: an answer that parsed but is not acceptable (checked against data): a reason, or None
    check: Callable[[Any, Call], str | None] | None = None
    #: skip this step when it returns True (e.g. already known)
    skip: Callable[[Call], bool] | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    version: int
    title: str  # as the user knows it: "求助"
    steps: tuple[Step, ...]
    #: does the work once every answer is in; returns what to tell the user
    finish: Callable[[Call], str]
    #: returns another flow to run first (e.g. consent, binding), or None
    requires: Callable[[Call], str | None] | None = None
    #: returns what to say instead of starting (e.g. "nothing to cancel"), or None
    unavailable: Callable[[Call], str | None] | None = None
    intro: Text = ""

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def after(self, name: str) -> str:
        names = [s.name for s in self.steps]
        index = names.index(name)
        return names[index + 1] if index + 1 < len(names) else DONE


class FlowRegistry:
    """Every flow by name and version; a conversation keeps the version it began with."""

    def __init__(self) -> None:
        self._flows: dict[tuple[str, int], Flow] = {}
        self._latest: dict[str, Flow] = {}

    def add(self, flow: Flow) -> Flow:
        self._flows[(flow.name, flow.version)] = flow
        if flow.name not in self._latest or self._latest[flow.name].version < flow.version:
            self._latest[flow.name] = flow
        return flow

    def discard(self, name: str, version: int) -> None:
        self._flows.pop((name, version), None)
        remaining = [f for (n, _), f in self._flows.items() if n == name]
        if remaining:
            self._latest[name] = max(remaining, key=lambda f: f.version)
        else:
            self._latest.pop(name, None)

    def latest(self, name: str) -> Flow:
        return self._latest[name]

    def get(self, name: str, version: int) -> Flow | None:
        return self._flows.get((name, version))

    def __contains__(self, name: str) -> bool:
        return name in self._latest


_YES_NO = YesNo()


class Engine:
    def __init__(self, flows: FlowRegistry):
        self.flows = flows

    # -- entry points ------------------------------------------------------------------

    def start(self, call: Call, name: str, prefill: dict | None = None, then: dict | None = None) -> str:
        """Begin flow ``name`` (or the flow it requires first, remembering this one)."""
        flow = self.flows.latest(name)
        call.state = DialogueState(flow=flow.name, version=flow.version, data=dict(prefill or {}))
        if then:
            call.state.data["__then__"] = then
        if flow.requires:
            first = flow.requires(call)
            if first and first != name:
                return self.start(call, first, then={"flow": name, "prefill": prefill or {}})
        refusal = flow.unavailable(call) if flow.unavailable else None
        if refusal:
            call.state = DialogueState()
            return refusal
        intro = _render(flow.intro, call)
        return self._join(intro, self._goto(call, flow, flow.steps[0].name))

    def resume_offer(self, call: Call) -> str | None:
        """After a long pause, ask before carrying on with an old draft."""
        idle = call.state.idle_since
        if call.state.flow and idle and call.turn.now - idle > RESUME_AFTER and not call.state.resuming:
            flow = self.flows.get(call.state.flow, call.state.version) or self.flows.latest(call.state.flow)
            step = flow.step(call.state.step) if call.state.step else None
            call.state.resuming = True
            return texts.RESUME_OFFER.format(title=flow.title, label=step.label if step else "开头")
        return None

    def answer(self, call: Call, answer: UserInput) -> str:
        """Handle one answer inside the running flow."""
        state = call.state
        flow = self.flows.get(state.flow, state.version)
        if flow is None or flow.step(state.step) is None:
            return self._restart_changed(call, state.flow)
        if state.resuming:
            return self._resume(call, flow, answer)
        command = command_of(answer.text) if answer.kind in (InputKind.TEXT, InputKind.VOICE) else None
        if command is not None:
            return self._command(call, flow, command)
        step = flow.step(state.step)
        if answer.kind is InputKind.VOICE and not answer.text.strip():
            # heard by neither WeChat nor the speech-to-text engine (asked before routing)
            return self._join(texts.VOICE_AGAIN, self._prompt(call, step))
        if state.pending is not None:
            return self._confirm_pending(call, flow, step, answer)
        return self._take(call, flow, step, answer)

    # -- steps ---------------------------------------------------------------------

    def _take(self, call: Call, flow: Flow, step: Step, answer: UserInput) -> str:
        parser = step.parser(call) if callable(step.parser) and not hasattr(step.parser, "parse") else step.parser
        result = parser.parse(answer, call.today)
        if isinstance(result, Ok) and step.check:
            problem = step.check(result.value, call)
            if problem:
                result = Invalid(problem)
        if isinstance(result, Invalid):
            return self._retry(call, flow, step, result)
        if parser.critical and result.readback:
            call.state.pending = {"value": result.value, "readback": result.readback}
            return texts.CONFIRM_CRITICAL.format(readback=result.readback)
        return self._keep(call, flow, step, result.value)

    def _confirm_pending(self, call: Call, flow: Flow, step: Step, answer: UserInput) -> str:
        pending = call.state.pending
        verdict = _YES_NO.parse(answer, call.today)
        if isinstance(verdict, Invalid):
            return texts.CONFIRM_AGAIN.format(readback=pending["readback"])
        call.state.pending = None
        if verdict.value:
            return self._keep(call, flow, step, pending["value"])
        return self._join(texts.SAY_AGAIN, self._prompt(call, step))

    def _keep(self, call: Call, flow: Flow, step: Step, value: Any) -> str:
        state = call.state
        state.data[step.name] = value
        state.retries = 0
        state.history.append(step.name)
        self._event(call, flow, step.name, StepEvent.COMPLETED)
        target = step.next(value, call) if callable(step.next) else (step.next or flow.after(step.name))
        return self._goto(call, flow, target)

    def _goto(self, call: Call, flow: Flow, target: str) -> str:
        while target != DONE:
            step = flow.step(target)
            if step.skip is None or not step.skip(call):
                return self._enter(call, flow, target)
            target = step.next(call.data.get(step.name), call) if callable(step.next) else (step.next or flow.after(step.name))
        return self._finish(call, flow)

    def _enter(self, call: Call, flow: Flow, name: str) -> str:
        call.state.step = name
        call.state.retries = 0
        call.state.pending = None
        self._event(call, flow, name, StepEvent.ENTERED)
        return self._prompt(call, flow.step(name))

    def _retry(self, call: Call, flow: Flow, step: Step, result: Invalid) -> str:
        call.state.retries += 1
        self._event(call, flow, step.name, StepEvent.RETRIED)
        if call.state.retries >= step.max_retries:
            return texts.RETRY_LIMIT
        return self._join(result.hint, _render(step.retry, call), texts.FOOTER)

    def _finish(self, call: Call, flow: Flow) -> str:
        self._event(call, flow, DONE, StepEvent.COMPLETED)
        done = flow.finish(call)  # may drop "__then__" (e.g. consent refused)
        then = call.state.data.get("__then__")
        call.state = DialogueState()
        if then:
            return self._join(done, self.start(call, then["flow"], then.get("prefill")))
        return done

    # -- global words ----------------------------------------------------------------

    def _command(self, call: Call, flow: Flow, command: Command) -> str:
        state = call.state
        step = flow.step(state.step)
        if command is Command.HELP:
            return self._join(_render(step.help, call), self._prompt(call, step))
        if command is Command.BACK:
            state.pending = None
            if not state.history:
                return self._join(texts.BACK_AT_START, self._prompt(call, step))
            previous = state.history.pop()
            state.data.pop(previous, None)
            return self._join(texts.BACK, self._enter(call, flow, previous))
        self._event(call, flow, step.name, StepEvent.ABANDONED)
        call.state = DialogueState()
        if command is Command.CANCEL:
            return texts.CANCELLED
        if command is Command.HUMAN:
            return call.turn.services.handover(call, f"{flow.title}·{step.label}")
        return menu.MAIN_MENU

    def _resume(self, call: Call, flow: Flow, answer: UserInput) -> str:
        said = answer.text.strip()
        call.state.resuming = False
        if "继续" in said or _is_yes(answer, call.today):
            return self._join(texts.RESUME_YES, self._prompt(call, flow.step(call.state.step)))
        if "重新" in said or _is_no(answer, call.today) or command_of(said) in (Command.CANCEL, Command.MENU):
            self._event(call, flow, call.state.step, StepEvent.ABANDONED)
            call.state = DialogueState()
            return self._join(texts.RESUME_NO, menu.MAIN_MENU)
        call.state.resuming = True
        return texts.RESUME_ASK

    def _restart_changed(self, call: Call, name: str | None) -> str:
        old = call.state
        call.state = DialogueState()
        if name and name in self.flows:
            return self._join(texts.FLOW_CHANGED, self.start(call, name, _carry_over(old)))
        return menu.MAIN_MENU

    # -- helpers -----------------------------------------------------------------

    def _prompt(self, call: Call, step: Step) -> str:
        return self._join(_render(step.prompt, call), texts.FOOTER)

    def _event(self, call: Call, flow: Flow, step: str, event: StepEvent) -> None:
        call.events.append((flow.name, flow.version, step, event))

    @staticmethod
    def _join(*parts: str) -> str:
        return "\n".join(p for p in parts if p)


def _is_yes(answer: UserInput, today: dt.date) -> bool:
    result = _YES_NO.parse(answer, today)
    return isinstance(result, Ok) and result.value is True


def _is_no(answer: UserInput, today: dt.date) -> bool:
    result = _YES_NO.parse(answer, today)
    return isinstance(result, Ok) and result.value is False


def _carry_over(old: DialogueState) -> dict:
    """Answers worth keeping across a flow change: only what was prefilled (e.g. the item)."""
    return {k: v for k, v in old.data.items() if k.startswith("prefill_")}
