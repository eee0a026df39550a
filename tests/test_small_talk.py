"""Courtesy-only messages: which are, which are questions after all."""

from __future__ import annotations

import pytest

from bot.dialogue.small_talk import Talk, small_talk


@pytest.mark.parametrize(("text", "talk"), [
    ("Привет!", Talk.HELLO),
    ("Здравствуйте", Talk.HELLO),
    ("Добрый вечер)", Talk.HELLO),
    ("доброго времени суток", Talk.HELLO),
    ("ghbdtn", Talk.HELLO),  # the wrong keyboard layout
    ("Спасибо большое!!!", Talk.THANKS),
    ("спс", Talk.THANKS),
    ("cgfcb,j", Talk.THANKS),
    ("Большое вам спасибо, вы очень помогли", Talk.THANKS),
    ("ок, спасибо", Talk.THANKS),  # thanks is what is answered first
    ("спасибо, до свидания", Talk.THANKS),
    ("До свидания", Talk.BYE),
    ("ну пока", Talk.BYE),
    ("ок", Talk.OK),
    ("Понятно.", Talk.OK),
    ("👍", Talk.OK),
    ("🙏🙏", Talk.THANKS),
])
def test_courtesy_only_messages(text: str, talk: Talk) -> None:
    assert small_talk(text) == talk


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "да",
    "нет",
    "привет, как получить справку о доходах?",
    "спасибо, а как продлить паспорт?",
    "пока не пришёл ответ из МФЦ",
    "не помогли",
    "хорошо, а сколько стоит госпошлина",
    "🙂",
    "спасибо " * 20,
])
def test_anything_more_is_not(text: str) -> None:
    assert small_talk(text) is None
