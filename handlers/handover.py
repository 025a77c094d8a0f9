"""人工: hand a user over to a person, with the context they need."""

from __future__ import annotations

from conversations import texts
from handlers.turn import Turn, notify


def hand_over(turn: Turn, reason: str) -> str:
    """Tell the staff responsible for this user; returns what to tell the user."""
    staff = turn.services.responsible_staff(turn.db, turn.openid) if hasattr(turn.services, "responsible_staff") else []
    note = f"【需要人工】一位群众在“{reason}”时请求人工帮助，请尽快联系。回复“待办”查看。"
    for openid in staff:
        notify(turn, openid, note, kind="handover")
    return texts.HUMAN if staff else texts.HUMAN_UNKNOWN_AREA
