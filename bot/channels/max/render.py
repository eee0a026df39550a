"""Core replies as MAX messages: HTML from the Markdown subset, an inline keyboard attachment.

- action buttons are ``callback`` buttons (a press arrives as ``message_callback`` and sends nothing into
  the chat); link buttons are ``link`` buttons;
- MAX takes at most 30 rows, 210 buttons, 7 buttons a row (3 when a row has a link button); what does
  not fit is dropped with a warning (the core's keyboards are far smaller);
- a text must be at most 4000 characters: the core splits replies at that length, and a part whose HTML
  outgrows it goes as plain text, which is never longer than the Markdown it came from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.dialogue.markup import split, to_plain, to_telegram_html
from bot.dialogue.messages import Outgoing

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_LABEL = 128
MAX_ROWS = 30
MAX_BUTTONS = 210
PER_ROW = 7
LINKS_PER_ROW = 3


@dataclass(frozen=True, slots=True)
class MaxMessage:
    """The bodies of one outgoing message for POST /messages (a long text becomes several; the keyboard
    goes with the last)."""

    bodies: tuple[dict[str, Any], ...]
    plain: tuple[str, ...]  # each body's text without markup (if MAX ever refuses the HTML)


def label(text: str) -> str:
    text = text.strip() or "…"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def keyboard(message: Outgoing) -> dict[str, Any] | None:
    """The ``inline_keyboard`` attachment for the message's buttons, or None."""
    rows: list[list[dict[str, str]]] = []
    total = 0
    for row in message.buttons:
        cells: list[dict[str, str]] = []
        for button in row:
            if button.url:
                cells.append({"type": "link", "text": label(button.text), "url": button.url})
            elif button.payload:
                cells.append({"type": "callback", "text": label(button.text), "payload": button.payload})
        per_row = LINKS_PER_ROW if any(c["type"] == "link" for c in cells) else PER_ROW
        for start in range(0, len(cells), per_row):
            piece = cells[start : start + per_row]
            if len(rows) >= MAX_ROWS or total + len(piece) > MAX_BUTTONS:
                log.warning("Dropped buttons that do not fit MAX's keyboard limits")
                return _attachment(rows)
            rows.append(piece)
            total += len(piece)
    return _attachment(rows)


def _attachment(rows: list[list[dict[str, str]]]) -> dict[str, Any] | None:
    return {"type": "inline_keyboard", "payload": {"buttons": rows}} if rows else None


def text_body(text: str) -> dict[str, Any]:
    """A text as HTML when it fits, else as plain text."""
    markup = to_telegram_html(text)
    if len(markup) <= MAX_TEXT:
        return {"text": markup, "format": "html"}
    plain = to_plain(text)
    return {"text": plain}


def render(message: Outgoing, attachments: list[dict[str, Any]] | None = None) -> MaxMessage:
    """One core message (the core splits it to fit already) as POST /messages bodies.

    ``attachments`` (uploaded files) go with the last body, before the keyboard."""
    parts = split(message.text, MAX_TEXT) if message.text.strip() else [""]
    bodies: list[dict[str, Any]] = [text_body(part) if part.strip() else {"text": ""} for part in parts]
    plain = tuple(to_plain(part) or "…" for part in parts)
    extra = list(attachments or [])
    keys = keyboard(message)
    if keys is not None:
        extra.append(keys)
    if extra:
        bodies[-1] = {**bodies[-1], "attachments": extra}
    elif not bodies[-1]["text"]:
        bodies[-1] = {"text": "…"}  # nothing to send otherwise: MAX refuses an empty message
    return MaxMessage(tuple(bodies), plain)
