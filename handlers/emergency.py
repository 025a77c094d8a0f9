"""Emergencies: answered at once, whatever flow is running, and the village is told."""

from __future__ import annotations

from conversations import emergency
from conversations.inputs import InputKind
from handlers.turn import Answer, Turn
from models.households.households import mask_name
from models.notices import Facts, NoticeKind
from models.households.residents import bindings_of, village_id_of
from models.staff.staff import responsible_openids

FLOW_KEPT = "您刚才填写的内容已经保存，处理完后回复任意内容可以接着填。"


def on_emergency(turn: Turn) -> Answer | None:
    if turn.input.kind not in (InputKind.TEXT, InputKind.VOICE):
        return None
    found = emergency.detect(turn.input.text)
    if found is None:
        return None
    who = _who(turn)
    note = emergency.NOTICE.format(who=who, kind=emergency.KIND_LABEL[found.danger])
    facts = Facts(person=_masked_who(turn), item=emergency.KIND_LABEL[found.danger], at=turn.now, next_step="请立即电话联系并上门")
    for openid in responsible_openids(turn.db, village_id_of(turn.db, turn.openid)):
        turn.notify(openid, note, kind=NoticeKind.EMERGENCY.value, facts=facts)
    turn.services.urgent_visit(turn)
    state = turn.services.state_store.load(lambda: turn.db, turn.openid)
    return Answer.say(found.reply + ("\n" + FLOW_KEPT if state.flow else ""))


def _masked_who(turn: Turn) -> str:
    binding = next(iter(bindings_of(turn.db, turn.openid)), None)
    if binding is None:
        return "未登记的群众"
    return f"{binding.member.household.village.name} {mask_name(binding.member.name)}"


def _who(turn: Turn) -> str:
    binding = next(iter(bindings_of(turn.db, turn.openid)), None)
    if binding is None:
        return "一位未登记的群众"
    household = binding.member.household
    relation = "" if binding.relation == "本人" else f"（{binding.relation}代）"
    return f"{household.village.full_name}{binding.member.name}{relation}"
