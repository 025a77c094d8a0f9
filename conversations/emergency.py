"""Emergencies in any message, whatever flow is running: pure detection and the texts.

Matching is deliberately generous: a false alarm costs a staff member a phone call,
a missed one can cost a life.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from conversations import speech


class Danger(str, Enum):
    MEDICAL = "medical"
    FIRE = "fire"
    CRIME = "crime"
    SELF_HARM = "self_harm"


WORDS: dict[Danger, tuple[str, ...]] = {
    Danger.SELF_HARM: ("想不开", "不想活", "活不下去", "自杀", "寻死", "喝农药", "跳河", "轻生"),
    Danger.FIRE: ("着火", "失火", "起火", "火灾", "烧起来", "煤气泄漏", "燃气泄漏", "闻到煤气"),
    Danger.CRIME: ("抢劫", "有人打我", "被打了", "小偷", "有坏人", "被骗了", "诈骗"),
    Danger.MEDICAL: (
        "救命", "摔倒", "跌倒", "摔了一跤", "晕倒", "昏倒", "昏迷", "喘不上气", "喘不过气", "透不过气",
        "胸口疼", "胸口痛", "心脏病", "中风", "吐血", "大出血", "流了好多血", "抽搐", "不省人事", "起不来了",
        "快不行了", "煤气中毒",
    ),
}

REPLY = {
    Danger.MEDICAL: "【紧急】请马上拨打120急救电话！如果身边有人，请大声叫人帮忙。",
    Danger.FIRE: "【紧急】请马上离开屋子，拨打119火警电话！有煤气味不要开灯、不要打电话，先到屋外。",
    Danger.CRIME: "【紧急】请马上拨打110报警电话，先保证自己安全。",
    Danger.SELF_HARM: "【紧急】您很重要，请不要一个人扛着。请马上拨打120，或心理援助热线12356；也可以打110。请待在有人的地方。",
}

ALSO = "我们已经通知村里的书记和协理员，他们会尽快联系您。"
NOTICE = "【紧急求助】{who}发来紧急消息（{kind}），请立即电话联系并上门查看。回复“待办”查看。"
KIND_LABEL = {Danger.MEDICAL: "疑似急病或摔倒", Danger.FIRE: "疑似火情", Danger.CRIME: "疑似治安事件", Danger.SELF_HARM: "疑似轻生念头"}


@dataclass(frozen=True)
class Emergency:
    danger: Danger
    word: str

    @property
    def reply(self) -> str:
        return REPLY[self.danger] + "\n" + ALSO


def detect(text: str) -> Emergency | None:
    said = speech.normalize(text)
    for danger, words in WORDS.items():
        for word in words:
            if word in said and not _negated(said, word):
                return Emergency(danger, word)
    return None


def _negated(said: str, word: str) -> bool:
    """"没摔倒" / "不是着火" are not emergencies."""
    at = said.find(word)
    before = said[max(0, at - 2):at]
    return before.endswith(("没", "没有", "不是", "没事")) or said[max(0, at - 1):at] == "没"
