"""人工: hand a user over to a person, with the context they need."""

from __future__ import annotations

from conversations import texts
from handlers.turn import Turn
from models.notices import Facts, NoticeKind
from models.households.residents import village_id_of
from models.staff.staff import responsible_openids

NOTE = "【需要人工】一位群众在“{reason}”时请求人工帮助，请尽快联系。回复“待办”查看详情。"


def hand_over(turn: Turn, reason: str) -> str:
    """Tell the staff responsible for this user; returns what to tell the user."""
    village_id = village_id_of(turn.db, turn.openid)
    staff = responsible_openids(turn.db, village_id)
    facts = Facts(number="RG" + turn.now.strftime("%m%d%H%M"), item=f"人工求助：{reason}", at=turn.now, status="待联系", next_step="请尽快联系这位群众")
    for openid in staff:
        turn.notify(openid, NOTE.format(reason=reason), kind=NoticeKind.HANDOVER.value, facts=facts)
    return texts.HUMAN if village_id is not None and staff else texts.HUMAN_UNKNOWN_AREA
