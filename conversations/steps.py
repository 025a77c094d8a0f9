"""Steps that several flows share, built from the engine's ``Step``."""

from __future__ import annotations

from typing import Callable

from conversations.engine import Call, Step
from conversations.parsers import Choice, Option


def pick_one(name: str, label: str, prompt: str, options: Callable[[Call], tuple[Option, ...]], retry: str, help: str, **step: object) -> Step:
    """Choose one of a list that depends on the data (the user's requests, visits, leads ...).

    ``prompt`` holds ``{options}``, where the numbered list goes. With exactly one to choose
    from, the step is skipped and that one taken.
    """

    def listing(call: Call) -> str:
        return prompt.format(options="\n".join(f"{n} {o.label}" for n, o in enumerate(options(call), 1)))

    def only_one(call: Call) -> bool:
        found = options(call)
        if len(found) == 1:
            call.data[name] = found[0].key
            return True
        return False

    return Step(name, label, listing, lambda call: Choice(options(call)), retry, help, skip=only_one, **step)
