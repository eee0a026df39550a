"""Core replies as Telegram messages: HTML from the Markdown subset, inline keyboards."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.dialogue.markup import to_telegram_html
from bot.dialogue.messages import Outgoing

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
MAX_BUTTON_TEXT = 64


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    html: str
    keyboard: InlineKeyboardMarkup | None


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    for row in message.buttons:
        cells = []
        for button in row:
            label = button.text if len(button.text) <= MAX_BUTTON_TEXT else button.text[: MAX_BUTTON_TEXT - 1] + "…"
            if button.url:
                cells.append(InlineKeyboardButton(text=label, url=button.url))
            elif button.payload and len(button.payload.encode()) <= MAX_CALLBACK_BYTES:
                cells.append(InlineKeyboardButton(text=label, callback_data=button.payload))
            else:
                log.warning("Dropped a button whose payload does not fit Telegram's 64 bytes")
        if cells:
            rows.append(cells)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def render(message: Outgoing) -> TelegramMessage:
    """One core message (already split to fit) as a Telegram message."""
    return TelegramMessage(to_telegram_html(message.text), keyboard(message))
