"""The bot's aiogram session against the fake Bot API: JSON bodies, the form for uploads, errors mapped
as aiogram maps them."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram.render import render
from bot.channels.telegram.session import UpdateFilter, make_session
from bot.channels.telegram.transport import SendReply
from bot.dialogue.messages import Button, Outgoing
from tests.fakes.telegram import FakeTelegram

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="h:1")]])


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram):
    session = make_session(fake.api_server, timeout=5, updates=UpdateFilter())
    instance = Bot(fake.token, session=session)
    yield instance
    await instance.session.close()


async def test_a_message_goes_as_json_with_its_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    text = "Справку выдают в МФЦ <b>бесплатно</b> — «за 5 дней»"
    sent = await bot.send_message(42, text, parse_mode=ParseMode.HTML, reply_markup=KEYBOARD,
                                  disable_notification=False)
    assert sent.chat.id == 42 and sent.text == "Справку выдают в МФЦ бесплатно — «за 5 дней»"
    call = fake.calls_of("sendMessage")[-1]
    assert call.content_type == "application/json"
    assert call.params["chat_id"] == 42 and call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Да", "callback_data": "h:1"}]]}
    assert "disable_notification" not in call.params  # empty fields are left out, as in aiogram's form


async def test_a_rendered_reply_goes_as_it_is_and_comes_back_without_models(fake: FakeTelegram, bot: Bot) -> None:
    message = render(Outgoing("**Срок** — 5 дней", ((Button("Да", "h:1"), Button("Сайт", url="https://gosuslugi.ru")),)))
    echo = await bot(SendReply(chat_id=42, text=message.html, parse_mode="HTML", reply_markup=message.keyboard))
    assert isinstance(echo, dict) and echo["chat"]["id"] == 42
    call = fake.calls_of("sendMessage")[-1]
    assert call.params["text"] == "<b>Срок</b> — 5 дней"
    assert call.params["reply_markup"] == {"inline_keyboard": [[
        {"text": "Да", "callback_data": "h:1"}, {"text": "Сайт", "url": "https://gosuslugi.ru"}]]}
    assert await bot.answer_callback_query("callback-1") is True
    assert fake.calls_of("answerCallbackQuery")[-1].content_type == "application/json"


async def test_an_upload_still_goes_as_a_form(fake: FakeTelegram, bot: Bot) -> None:
    document = BufferedInputFile("отчёт".encode(), filename="report.txt")
    sent = await bot.send_document(42, document, caption="Отчёт за неделю")
    assert sent.document is not None
    call = fake.calls_of("sendDocument")[-1]
    assert call.content_type == "multipart/form-data"
    assert call.params["caption"] == "Отчёт за неделю"


async def test_errors_are_raised_as_aiogram_raises_them(fake: FakeTelegram, bot: Bot) -> None:
    fake.block(42)
    with pytest.raises(TelegramForbiddenError):
        await bot(SendReply(chat_id=42, text="ответ"))
    fake.fail("answerCallbackQuery", "429", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.answer_callback_query("callback-2")
    assert caught.value.retry_after == 3


async def test_a_slow_server_is_a_network_error(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("sendMessage", "timeout", delay=2.0)
    with pytest.raises(TelegramNetworkError):
        await bot(SendReply(chat_id=42, text="ответ"), request_timeout=0.3)
