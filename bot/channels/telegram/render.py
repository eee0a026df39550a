"""Core replies as Telegram messages: HTML from the Markdown subset, inline keyboards.

The keyboard is built as the Bot API's JSON (``InlineKeyboardMarkup``'s shape) rather than as aiogram
models: it is sent as it is, and building models for every button only to dump them again was a
noticeable share of a reply's cost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.dialogue.markup import to_telegram_html
from bot.dialogue.messages import Outgoing

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
MAX_BUTTON_TEXT = 64


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    html: str
    keyboard: dict[str, Any] | None  # {"inline_keyboard": [[{"text": ..., "callback_data": ...}]]}


def keyboard(message: Outgoing) -> dict[str, Any] | None:
    rows: list[list[dict[str, str]]] = []
    for row in message.buttons:
        cells = []
        for button in row:
            label = button.text if len(button.text) <= MAX_BUTTON_TEXT else button.text[: MAX_BUTTON_TEXT - 1] + "…"
            if button.url:
                cells.append({"text": label, "url": button.url})
            elif button.payload and len(button.payload.encode()) <= MAX_CALLBACK_BYTES:
                cells.append({"text": label, "callback_data": button.payload})
            else:
                log.warning("Dropped a button whose payload does not fit Telegram's 64 bytes")
        if cells:
            rows.append(cells)
    return {"inline_keyboard": rows} if rows else None


def render(message: Outgoing) -> TelegramMessage:
    """One core message (already split to fit) as a Telegram message."""
    return TelegramMessage(to_telegram_html(message.text), keyboard(message))
