"""绑定: link this WeChat user to a member on the roster, as themself or as a proxy.

Someone who guesses learns nothing: a wrong name, a wrong number and an unknown number
all get the same answer, the attempts are limited per day, and then the user is
referred to the village staff.
"""

from __future__ import annotations

from conversations.engine import DONE, Flow, Step
from conversations.parsers import Choice, FreeText, IdNumber, Mobile, Option
from models.households.households import Member, find_member_by_id_number, find_members_by_phone, mask_name
from models.households.residents import bind, has_consented

TITLE = "绑定"
WHO = "请问您是给谁登记？\n1 我自己\n2 替家里人或邻居办理\n3 我是协理员/村干部，代群众办理"
WHO_RETRY = "请回复1、2或3。"
WHO_HELP = "如果是帮父母、亲戚或邻居办，请选2。"
RELATION = "您和他（她）是什么关系？\n1 子女\n2 其他亲属\n3 邻居\n4 其他"
RELATION_RETRY = "请回复1到4。"
RELATION_HELP = "选最接近的一项就行。"
NAME = "请说{whose}的姓名（和户口本上一样）。"
NAME_RETRY = "请说姓名，比如“王桂英”。"
NAME_HELP = "姓名要和低保、特困登记时的一样。"
METHOD = "用哪种方式核对{whose}身份？\n1 身份证号\n2 登记的手机号"
METHOD_RETRY = "请回复1或2。"
METHOD_HELP = "身份证号最准确；没带身份证可以用登记过的手机号。"
ID = "请说{whose}的身份证号（18位，可以一位一位地念）。"
ID_RETRY = "身份证号是18位数字，最后一位可能是X。"
ID_HELP = "身份证号在身份证正面下方。"
PHONE = "请说{whose}登记的手机号（11位）。"
PHONE_RETRY = "手机号是11位数字，1开头。"
PHONE_HELP = "是在村里登记低保、特困时留的手机号。"
NO_MATCH = "没有找到对得上的登记信息，请核对姓名和号码再说一遍。"
TOO_MANY = "今天核对的次数太多了。请联系村里的协理员或书记帮您登记，或回复“人工”。"
BOUND_SELF = "绑定成功！您好，{name}。"
BOUND_PROXY = "绑定成功！您可以替{name}申请服务，每次申请都会记录是您代办的。"

#: failed look-ups allowed per user per day, across every step
MAX_FAILED_LOOKUPS = 5

RELATIONS = {"child": "子女", "relative": "亲属", "neighbour": "邻居", "other": "其他代办人"}


def _whose(call) -> str:
    return "您" if call.data.get("who") == "self" else "他（她）"


def _throttled(call) -> bool:
    key = f"jzt:bindfail:{call.turn.openid}:{call.turn.now:%Y%m%d}"
    return int(call.turn.services.redis.get(key) or 0) >= MAX_FAILED_LOOKUPS


def _count_failure(call) -> None:
    key = f"jzt:bindfail:{call.turn.openid}:{call.turn.now:%Y%m%d}"
    pipe = call.turn.services.redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, 2 * 86400)
    pipe.execute()


def _matching(members, name: str):
    return next((m for m in members if m.name == name), None)


def _check_lookup(found, call) -> str | None:
    if _throttled(call):
        return TOO_MANY
    member = _matching(found, call.data["name"])
    if member is None:
        _count_failure(call)
        return NO_MATCH
    call.data["member_id"] = member.id
    return None


def _check_id(value, call) -> str | None:
    member = find_member_by_id_number(call.turn.db, call.turn.services.cipher, value)
    return _check_lookup([member] if member else [], call)


def _check_phone(value, call) -> str | None:
    return _check_lookup(find_members_by_phone(call.turn.db, call.turn.services.cipher, value), call)


def _finish(call) -> str:
    member = call.turn.db.get(Member, call.data["member_id"])
    who = call.data["who"]
    relation = "本人" if who == "self" else ("协理员" if who == "assistant" else RELATIONS[call.data["relation"]])
    bind(call.turn.db, call.turn.openid, member, relation)
    return BOUND_SELF.format(name=member.name) if who == "self" else BOUND_PROXY.format(name=mask_name(member.name))


def requires_consent(call) -> str | None:
    return None if has_consented(call.turn.db, call.turn.openid) else "consent"


FLOW = Flow(
    name="bind",
    version=1,
    title=TITLE,
    requires=requires_consent,
    finish=_finish,
    steps=(
        Step("who", "给谁登记", WHO, Choice((Option("self", "我自己", ("本人", "自己")), Option("proxy", "替家里人或邻居办理", ("代办", "替别人", "帮家里人", "帮邻居")), Option("assistant", "我是协理员", ("村干部", "协理员")))), WHO_RETRY, WHO_HELP,
             next=lambda who, call: "relation" if who == "proxy" else "name"),
        Step("relation", "关系", RELATION, Choice((Option("child", "子女", ("儿子", "女儿", "孩子")), Option("relative", "其他亲属", ("亲戚", "亲属")), Option("neighbour", "邻居", ("隔壁",)), Option("other", "其他"))), RELATION_RETRY, RELATION_HELP),
        Step("name", "姓名", lambda call: NAME.format(whose=_whose(call)), FreeText(2, 20), NAME_RETRY, NAME_HELP),
        Step("method", "核对方式", lambda call: METHOD.format(whose=_whose(call)), Choice((Option("id", "身份证号", ("身份证",)), Option("phone", "手机号", ("电话", "手机")))), METHOD_RETRY, METHOD_HELP,
             next=lambda method, call: "id_number" if method == "id" else "phone"),
        Step("id_number", "身份证号", lambda call: ID.format(whose=_whose(call)), IdNumber(), ID_RETRY, ID_HELP, check=_check_id, next=DONE),
        Step("phone", "手机号", lambda call: PHONE.format(whose=_whose(call)), Mobile(), PHONE_RETRY, PHONE_HELP, check=_check_phone),
    ),
)
