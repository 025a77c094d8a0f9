"""A pluggable speech-to-text engine for voice messages WeChat sent without a recognition.

WeChat's own recognition may come back empty (or be retired); ``JZT_SPEECH_TO_TEXT`` names a
function that turns the voice's media id into text. Without one, or when it fails, the user
is asked to say it again or type it.
"""

from __future__ import annotations

import pytest

from core.config import ConfigError, Settings
from tests.conversations.test_engine import survey  # noqa: F401 (the test flow 问卷, autouse)
from core.context import load_callable

HEARD = {"media-buy-medicine": "嗯，我想找人帮我买药。", "media-one": "一", "media-broken": None}
ME = "o_speaker"


def transcribe(media_id: str) -> str | None:
    """The engine the tests plug in: a few known recordings, and one that fails."""
    if media_id == "media-fails":
        raise TimeoutError("engine did not answer")
    return HEARD.get(media_id)


@pytest.fixture
def settings(base_settings) -> Settings:
    return base_settings.replace(speech_to_text=f"{__name__}:transcribe")


def speak(chat, media_id: str) -> str:
    return chat.send(ME, chat.server.voice(ME, "", media_id=media_id))


def test_an_unrecognised_voice_is_understood_through_the_engine(chat):
    reply = speak(chat, "media-buy-medicine")
    assert "帮办代办" in reply  # the intent, named back for the user to confirm


def test_the_engine_answers_a_dialogue_step_too(chat):
    chat.run(ME, "> 问卷\n< 我们来填一份问卷")
    assert "多大岁数" in speak(chat, "media-one")


@pytest.mark.parametrize("media_id", ["media-broken", "media-fails"])
def test_when_the_engine_hears_nothing_or_fails_the_user_is_asked_again(chat, media_id):
    assert "请再说一遍" in speak(chat, media_id)
    chat.run(ME, "> 问卷\n< 我们来填一份问卷")
    assert "再说一遍" in speak(chat, media_id)
    chat.run(ME, "> 1\n< 多大岁数")  # nothing was taken from the failed voice


def test_a_wrong_engine_setting_is_refused_at_start():
    with pytest.raises(ConfigError):
        Settings.from_env({"JZT_ENV": "test", "JZT_SPEECH_TO_TEXT": "not a path"})
    with pytest.raises(ConfigError, match="cannot load"):
        load_callable("conversations.nowhere:transcribe")
