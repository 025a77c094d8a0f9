"""Staff binding by invite code, and routing staff to what their role can do."""

from __future__ import annotations

import re

from conversations import speech
from handlers.turn import Answer, Turn
from models.staff.invites import CODE_DIGITS, Redeemed, redeem
from models.staff.staff import Role, staff_by_openid

CODE = re.compile(rf"^(?:邀请码|验证码|绑定码)?[:：]?\s*(\d{{{CODE_DIGITS}}})$")
MAX_WRONG_PER_DAY = 5

BOUND = "绑定成功！您是{area}的{role}{name}。{hint}"
HINTS = {
    Role.VOLUNTEER: "回复“任务”查看探访任务，到了回复“签到”，做完回复“完成”。",
    Role.ASSISTANT: "回复“待办”查看本村的事项。",
    Role.SECRETARY: "有派单、线索、逾期会通知您；回复“待办”查看本村的事项。",
    Role.SOCIAL_WORKER: "回复“待办”查看个案。",
    Role.TOWN_A: "回复“审核”查看待审核和待转介的事项。",
    Role.TOWN_B: "回复“审核”查看待审核和待转介的事项，A岗不在或超时时由您接手。",
    Role.COUNTY: "回复“审核”查看全县逾期事项。",
    Role.PROVIDER: "有新服务单会通知您；回复“任务”查看，回复“接单”或“拒单”。",
}
REFUSED = {
    Redeemed.UNKNOWN: "这个邀请码不对，请核对后再发。多次输错会被暂时限制。",
    Redeemed.USED: "这个邀请码已经用过了。如需重新绑定，请联系乡镇民政办重新发邀请码。",
    Redeemed.EXPIRED: "这个邀请码已过期（7天有效）。请联系乡镇民政办重新发一个。",
    Redeemed.ALREADY_STAFF: "您的微信已经绑定了工作人员身份。如需更换，请联系乡镇民政办。",
}
THROTTLED = "今天输错邀请码的次数太多了，请明天再试，或联系乡镇民政办。"


def on_invite_code(turn: Turn) -> Answer | None:
    found = CODE.match(speech.spoken_digits(turn.said) if turn.said else "")
    if found is None:
        return None
    key = f"jzt:invitefail:{turn.openid}:{turn.now:%Y%m%d}"
    redis = turn.services.redis
    if int(redis.get(key) or 0) >= MAX_WRONG_PER_DAY:
        return Answer.say(THROTTLED)
    outcome, staff = redeem(turn.db, turn.services.cipher, found.group(1), turn.openid, turn.now)
    if outcome is not Redeemed.OK:
        if outcome is Redeemed.UNKNOWN:
            redis.incr(key)
            redis.expire(key, 2 * 86400)
        return Answer.say(REFUSED[outcome])
    role = Role(staff.role)
    turn.after_commit.append(lambda staff_id=staff.id: turn.services.enqueue_tag(staff_id))  # their role's menu
    area = staff.village.full_name if staff.village else (staff.town.name if staff.town else "全县")
    return Answer.say(BOUND.format(area=area, role=role.label, name=staff.name, hint=HINTS[role]))


def staff_of(turn: Turn):
    """The active staff record of this user (cached for the turn), or None."""
    return turn.memo("staff", lambda: staff_by_openid(turn.db, turn.openid))
