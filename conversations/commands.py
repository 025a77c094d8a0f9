"""Words that work at every step, whatever flow is running."""

from __future__ import annotations

from enum import Enum

from conversations import speech


class Command(str, Enum):
    BACK = "back"
    CANCEL = "cancel"
    MENU = "menu"
    HELP = "help"
    HUMAN = "human"


WORDS: dict[Command, tuple[str, ...]] = {
    Command.BACK: ("返回", "上一步", "后退", "退回", "返回上一步", "回上一步"),
    Command.CANCEL: ("取消", "不办了", "退出", "不弄了", "取消申请", "结束"),
    Command.MENU: ("菜单", "主菜单", "回到菜单", "首页", "重新开始"),
    Command.HELP: ("帮助", "怎么填", "不会填", "怎么弄", "说明", "不懂"),
    Command.HUMAN: ("人工", "转人工", "找人工", "人工服务", "工作人员", "找工作人员", "客服"),
}

_LOOKUP = {word: command for command, words in WORDS.items() for word in words}


def command_of(text: str) -> Command | None:
    """The global command a whole message means, or None (a word inside a sentence is not one)."""
    said = speech.strip_fillers(speech.normalize(text))
    return _LOOKUP.get(said)
