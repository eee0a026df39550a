"""Set phrases in whole messages: courtesy, typed «да» / «нет», option numbers — and what is a question after all."""

from __future__ import annotations

import pytest

from bot.dialogue.small_talk import Talk, small_talk
from bot.dialogue.typed_answers import YesNo, option_number, segment_answer, yes_or_no


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
    ("Благодарю за ответ!", Talk.THANKS),
    ("Спасибо, всё понятно, разобралась", Talk.THANKS),
    ("понял, принял", Talk.OK),
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


@pytest.mark.parametrize(("text", "answer"), [
    ("да", YesNo.YES), ("Да, это", YesNo.YES), ("ага", YesNo.YES), ("lf", YesNo.YES),
    ("да помогло, спасибо", YesNo.YES),
    ("нет", YesNo.NO), ("Нет, не то", YesNo.NO), ("не помогло", YesNo.NO), ("ytn", YesNo.NO),
    ("да нет", None), ("да, а как продлить паспорт?", None), ("спасибо", None), ("паспорт", None),
])
def test_yes_or_no(text: str, answer: YesNo | None) -> None:
    assert yes_or_no(text) == answer


@pytest.mark.parametrize(("text", "number"), [
    ("2", 2), ("3.", 3), ("Второй", 2), ("первый вариант", 1), ("4", None), ("2 справки", None), ("", None),
])
def test_option_number(text: str, number: int | None) -> None:
    assert option_number(text) == number


@pytest.mark.parametrize(("text", "segment"), [
    ("Я предприниматель", "business"), ("у меня ИП", "business"), ("ООО", "business"), ("гражданин", "citizen"),
    ("физ лицо", "citizen"), ("неважно", "skip"), ("как открыть ип", None), ("ип и гражданин", None), ("", None),
])
def test_segment_answer(text: str, segment: str | None) -> None:
    assert segment_answer(text) == segment
