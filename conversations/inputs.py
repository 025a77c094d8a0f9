"""What a user sent, reduced to what a dialogue step can use.

The webhook turns every WeChat message or event into one ``UserInput``; the engine,
the parsers and the intent matcher only ever see this, never XML or wechatpy objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class InputKind(str, Enum):
    TEXT = "text"
    VOICE = "voice"
    LOCATION = "location"
    IMAGE = "image"
    LINK = "link"
    MENU = "menu"  # a custom-menu CLICK; ``text`` holds the menu key
    EVENT = "event"  # subscribe, scan, ... ; ``text`` holds the event name
    OTHER = "other"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True)
class UserInput:
    """One turn from the user.

    ``text`` is what the user said: typed text, or the speech-recognition text of a
    voice message (empty when WeChat gave none), or a menu key for ``MENU``.
    """

    kind: InputKind
    text: str = ""
    location: Location | None = None
    media_id: str | None = None

    @classmethod
    def typed(cls, text: str) -> "UserInput":
        return cls(InputKind.TEXT, text)

    @classmethod
    def spoken(cls, text: str, media_id: str | None = None) -> "UserInput":
        return cls(InputKind.VOICE, text, media_id=media_id)

    @property
    def is_speech(self) -> bool:
        return self.kind is InputKind.VOICE
