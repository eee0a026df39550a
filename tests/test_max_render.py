"""MAX rendering and update parsing: pure functions, no server."""

from __future__ import annotations

from bot.channels.max.api import MaxError
from bot.channels.max.inbound import Inbound, Stopped, button_of, to_inbound, update_key, user_of
from bot.channels.max.render import MAX_TEXT, keyboard, render
from bot.channels.max.transport import classify
from bot.delivery.sender import Status
from bot.dialogue.messages import Attachment, Button, Outgoing
from tests.fakes.max import check_keyboard


def test_text_is_escaped_html_and_the_keyboard_follows_maxs_rules() -> None:
    message = Outgoing(
        "**Важно:** <script> & [сайт](https://example.org/?a=1&b=2)",
        ((Button("Да", payload="3.0"), Button("Нет", payload="3.1")),
         (Button("Госуслуги", url="https://www.gosuslugi.ru/"),)),
    )
    body = render(message).bodies[0]
    assert body["format"] == "html"
    assert body["text"] == ('<b>Важно:</b> &lt;script&gt; &amp; '
                            '<a href="https://example.org/?a=1&amp;b=2">сайт</a>')
    [attachment] = body["attachments"]
    assert attachment["type"] == "inline_keyboard"
    assert attachment["payload"]["buttons"] == [
        [{"type": "callback", "text": "Да", "payload": "3.0"}, {"type": "callback", "text": "Нет", "payload": "3.1"}],
        [{"type": "link", "text": "Госуслуги", "url": "https://www.gosuslugi.ru/"}],
    ]
    assert check_keyboard(attachment["payload"]) is None


def test_wide_rows_and_long_labels_fit() -> None:
    row = tuple(Button(f"Кнопка {i}", payload=f"1.{i}") for i in range(10))
    links = tuple(Button(f"Ссылка {i}", url=f"https://example.org/{i}") for i in range(5))
    long = (Button("Очень " * 40, payload="1.99"),)
    attachment = keyboard(Outgoing("?", (row, links, long)))
    assert attachment is not None
    rows = attachment["payload"]["buttons"]
    assert [len(r) for r in rows] == [7, 3, 3, 2, 1]
    assert len(rows[-1][0]["text"]) == 128 and rows[-1][0]["text"].endswith("…")
    assert check_keyboard(attachment["payload"]) is None
    many = tuple((Button(f"{i}", payload=f"1.{i}"),) for i in range(40))
    capped = keyboard(Outgoing("?", many))
    assert capped is not None and len(capped["payload"]["buttons"]) == 30


def test_a_text_whose_html_outgrows_the_limit_goes_plain() -> None:
    text = "<" * 1500 + " " + "&" * 1500  # fits as text, not once escaped
    body = render(Outgoing(text)).bodies[0]
    assert "format" not in body and body["text"] == text and len(body["text"]) <= MAX_TEXT
    parts = render(Outgoing("слово " * 2000)).bodies  # the transport splits whatever is still too long
    assert len(parts) >= 3 and all(len(p["text"]) <= MAX_TEXT for p in parts)


def test_files_ride_with_the_last_part_and_an_empty_text_is_never_sent() -> None:
    image = {"type": "image", "payload": {"token": "t"}}
    only_file = render(Outgoing(""), [image]).bodies
    assert only_file == ({"text": "", "attachments": [image]},)
    assert render(Outgoing("")).bodies == ({"text": "…"},)


def _message(update_type: str = "message_created", **body: object) -> dict:
    return {"update_type": update_type, "timestamp": 1_764_000_000_000, "message": {
        "sender": {"user_id": 42, "name": "Иван", "is_bot": False},
        "recipient": {"chat_id": 900, "chat_type": "dialog", "user_id": 1},
        "timestamp": 1_764_000_000_000,
        "body": {"mid": "mid.abc", "seq": 1, "text": "привет", "attachments": [], **body}}}


def test_updates_become_the_cores_messages() -> None:
    found = to_inbound(_message())
    assert isinstance(found, Inbound)
    assert (found.message.user.key, found.message.text, found.user_id, found.chat_id) == ("max:42", "привет", 42, 900)
    assert found.message.at.year == 2025 and update_key(_message()) == "m:mid.abc" and user_of(_message()) == "42"

    files = _message(text="", attachments=[
        {"type": "image", "payload": {"url": "https://i.max.ru/a.jpg", "token": "x"}},
        {"type": "file", "payload": {"url": "https://f.max.ru/b.pdf"}, "filename": "b.pdf"},
        {"type": "sticker", "payload": {"url": "https://s.max.ru/c.webp", "code": "c"}},
        {"type": "location", "latitude": 55.7, "longitude": 37.6},
        {"type": "inline_keyboard", "payload": {"buttons": []}},
    ])
    found = to_inbound(files)
    assert isinstance(found, Inbound) and found.message.text is None
    assert found.message.attachments == (Attachment.PHOTO, Attachment.DOCUMENT, Attachment.STICKER,
                                         Attachment.LOCATION)
    assert found.message.file_links == ("https://i.max.ru/a.jpg", "https://f.max.ru/b.pdf")

    press = {"update_type": "message_callback", "timestamp": 1, "message": _message()["message"],
             "callback": {"callback_id": "cb1", "payload": "4.1", "user": {"user_id": 42, "is_bot": False}}}
    found = to_inbound(press)
    assert isinstance(found, Inbound) and found.message.button == "4.1" and found.callback_id == "cb1"
    assert update_key(press) == "c:cb1"

    started = {"update_type": "bot_started", "chat_id": 900, "user": {"user_id": 42}, "payload": None}
    found = to_inbound(started)
    assert isinstance(found, Inbound) and found.message.text == "/start"
    assert to_inbound({"update_type": "bot_stopped", "chat_id": 900, "user": {"user_id": 42}}) == Stopped(42)
    assert update_key(started).startswith("h") and len(update_key(started)) == 41


def test_what_the_bot_does_not_serve_is_ignored() -> None:
    group = _message()
    group["message"]["recipient"]["chat_type"] = "chat"
    bot = _message()
    bot["message"]["sender"]["is_bot"] = True
    assert to_inbound(group) is None and to_inbound(bot) is None
    assert to_inbound({"update_type": "user_added", "chat_id": 5}) is None
    assert to_inbound({"update_type": "message_created", "message": "junk"}) is None
    assert to_inbound({"update_type": "bot_stopped", "user": {"user_id": "42"}}) is None
    assert button_of("x" * 33) == "" and button_of(None) == "" and button_of("7.2") == "7.2"


def test_errors_map_to_what_the_sender_does() -> None:
    assert classify(MaxError(429, "too.many.requests", "", 2.0)).status == Status.RETRY_AFTER
    assert classify(MaxError(429, "too.many.requests", "", 2.0)).retry_after == 2.0
    assert classify(MaxError(503)).status == Status.TRANSIENT
    assert classify(MaxError(400, "attachment.not.ready")).status == Status.TRANSIENT
    assert classify(MaxError(403, "chat.denied")).status == Status.BLOCKED
    assert classify(MaxError(404, "chat.not.found")).status == Status.BLOCKED
    assert classify(MaxError(404, "not.found", "Path /mesages is not recognized")).status == Status.FAILED
    assert classify(MaxError(400, "proto.payload")).status == Status.FAILED
