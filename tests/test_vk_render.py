"""VK rendering and event parsing as pure functions: keyboards by client abilities, limits, payloads."""

from __future__ import annotations

import json

from bot.channels.vk.inbound import ClientCaps, Inbound, Permission, button_of, event_key, to_inbound
from bot.channels.vk.render import MAX_TEXT, layout, random_id, render
from bot.dialogue.messages import Button, Outgoing
from tests.fakes.vk import CLIENT_CALLBACK, CLIENT_INLINE_TEXT, CLIENT_TEXT_ONLY, check_keyboard

CALLBACK = ClientCaps.parse(CLIENT_CALLBACK)
INLINE_TEXT = ClientCaps.parse(CLIENT_INLINE_TEXT)
TEXT_ONLY = ClientCaps.parse(CLIENT_TEXT_ONLY)


def _types(keyboard: dict) -> set[str]:
    return {b["action"]["type"] for row in keyboard["buttons"] for b in row}


def test_client_info_decides_the_keyboard() -> None:
    message = Outgoing("Это помогло?", ((Button("Да", "1.0"), Button("Нет", "1.1")),))
    _, inline = layout(message, CALLBACK)
    assert inline is not None and inline["inline"] and _types(inline) == {"callback"}
    _, inline_text = layout(message, INLINE_TEXT)
    assert inline_text is not None and inline_text["inline"] and _types(inline_text) == {"text"}
    _, regular = layout(message, TEXT_ONLY)
    assert regular is not None and not regular["inline"] and _types(regular) == {"text"}
    assert json.loads(regular["buttons"][0][0]["action"]["payload"]) == {"b": "1.0"}


def test_markdown_becomes_plain_text_with_links_spelled_out() -> None:
    text, _ = layout(Outgoing("**Важно:** [Госуслуги](https://www.gosuslugi.ru)\n- пункт"), CALLBACK)
    assert text == "Важно: Госуслуги (https://www.gosuslugi.ru)\n• пункт"


def test_too_many_buttons_become_a_numbered_list_or_a_regular_keyboard() -> None:
    many = Outgoing("Выберите вопрос:", tuple((Button(f"Вопрос номер {i}", f"3.{i}"),) for i in range(31)))
    text, keyboard = layout(many, CALLBACK)  # 31 rows: neither inline (6) nor regular (10) rows fit
    assert keyboard is not None and check_keyboard(json.dumps(keyboard)) is None
    assert "1. Вопрос номер 0" in text and "31. Вопрос номер 30" in text
    labels = [b["action"]["label"] for row in keyboard["buttons"] for b in row]
    assert labels[:3] == ["1", "2", "3"] and len(labels) <= 10
    eight = Outgoing("Темы:", tuple((Button(f"Тема {i}", f"4.{i}"),) for i in range(8)))
    _, keyboard = layout(eight, CALLBACK)  # 8 rows: too many for inline, fine for a regular keyboard
    assert keyboard is not None and keyboard["inline"] is False and _types(keyboard) == {"text"}


def test_long_labels_links_and_limits() -> None:
    message = Outgoing("Ответ", ((Button("→ " + "Очень длинный вопрос " * 4, "1.0"),),
                                 (Button("Сайт", url="https://example.org"),)))
    text, keyboard = layout(message, TEXT_ONLY)  # no open_link buttons on this client: the link is spelled out
    assert "Сайт: https://example.org" in text
    assert keyboard is not None and check_keyboard(json.dumps(keyboard)) is None
    assert len(keyboard["buttons"][0][0]["action"]["label"]) == 40
    _, keyboard = layout(message, CALLBACK)
    assert keyboard is not None and keyboard["buttons"][1][0]["action"]["type"] == "open_link"
    long_text = render(Outgoing("слово " * 1500), CALLBACK)
    assert len(long_text.parts) == 3 and all(len(p) <= MAX_TEXT for p in long_text.parts)


def test_text_clients_get_stale_keyboards_hidden() -> None:
    assert layout(Outgoing("Готово"), TEXT_ONLY)[1] == {"one_time": True, "buttons": []}
    assert layout(Outgoing("Готово"), CALLBACK)[1] is None


def test_random_id_is_stable_per_row_and_part_and_fits_int32() -> None:
    key = b"k" * 32
    assert random_id(key, 42, 0) == random_id(key, 42, 0)
    assert random_id(key, 42, 0) != random_id(key, 42, 1) != random_id(key, 43, 0)
    assert random_id(key, 42, 0) != random_id(b"x" * 32, 42, 0)
    assert all(0 < random_id(key, i, 0) < 2**31 for i in range(1000))


def test_events_are_parsed_defensively() -> None:
    def new(**message: object) -> dict:
        base = {"peer_id": 5, "from_id": 5, "text": "привет", "date": 1_700_000_000, "id": 1}
        return {"type": "message_new", "event_id": "e1", "group_id": 1,
                "object": {"message": {**base, **message}, "client_info": CLIENT_TEXT_ONLY}}

    found = to_inbound(new())
    assert isinstance(found, Inbound) and found.message.text == "привет" and found.caps == TEXT_ONLY
    start = to_inbound(new(payload='{"command":"start"}', text="Начать"))
    assert isinstance(start, Inbound) and start.message.text == "/start"
    pressed = to_inbound(new(payload='{"b":"3.1"}', text="Да"))
    assert isinstance(pressed, Inbound) and pressed.message.button == "3.1"
    assert to_inbound(new(peer_id=2_000_000_001)) is None  # a group chat
    assert to_inbound(new(out=1)) is None
    photo = to_inbound(new(text="", attachments=[{"type": "photo"}, {"type": "wall"}]))
    assert isinstance(photo, Inbound) and [a.value for a in photo.message.attachments] == ["photo", "other"]
    assert button_of('{"b": 5}') == "" and button_of("not json") == "" and button_of({"x": 1}) is None
    callback = to_inbound({"type": "message_event", "object": {"user_id": 5, "peer_id": 5, "event_id": "c",
                                                                "payload": {"b": "1.2"}}})
    assert isinstance(callback, Inbound) and callback.event_id == "c" and callback.message.button == "1.2"
    assert to_inbound({"type": "message_deny", "object": {"user_id": 5}}) == Permission(5, False)
    assert to_inbound({"type": "message_reply", "object": {}}) is None
    assert to_inbound({"type": "message_new", "object": "nonsense"}) is None
    assert event_key({"event_id": "abc"}) == "abc" and len(event_key({"type": "x"})) <= 64


def test_channel_marks_for_operators() -> None:
    from bot.channels.marks import case_title, channel_mark

    assert channel_mark("vk") == "VK" and channel_mark("telegram") == "TG"
    assert case_title("vk", "Субсидия на ЖКХ") == "[VK] Субсидия на ЖКХ"
