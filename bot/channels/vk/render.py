"""Core replies as VK messages: plain text from the Markdown subset, keyboards that the client can show.

- clients with inline keyboards and callback buttons get inline callback buttons (a press arrives as
  ``message_event`` and sends no message into the chat);
- clients with inline keyboards only get inline text buttons; other clients get a normal keyboard under
  the input field (a press arrives as ``message_new`` with the payload);
- more buttons than VK allows become a numbered list in the text with number buttons;
- link buttons are ``open_link`` buttons where supported, otherwise spelled out in the text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from bot.channels.vk.inbound import PAYLOAD_KEY, ClientCaps
from bot.dialogue.markup import readable_url, split, to_plain
from bot.dialogue.messages import Button, Outgoing

MAX_TEXT = 4096  # characters of one message
MAX_LABEL = 40
PER_ROW = 5


@dataclass(frozen=True, slots=True)
class KeyboardLimits:
    rows: int
    buttons: int


INLINE = KeyboardLimits(rows=6, buttons=10)
REGULAR = KeyboardLimits(rows=10, buttons=40)


@dataclass(frozen=True, slots=True)
class VKMessage:
    """The parts of one outgoing message (long texts become several) and the keyboard of the last."""

    parts: tuple[str, ...]
    keyboard: str | None  # JSON, for messages.send's ``keyboard``


def label(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def payload(button: Button) -> str:
    return json.dumps({PAYLOAD_KEY: button.payload}, separators=(",", ":"))


def _action(button: Button, title: str, kind: str) -> dict[str, Any]:
    return {"action": {"type": kind, "label": title, "payload": payload(button)}, "color": "secondary"}


def _fits(rows: list[list[Any]], limits: KeyboardLimits) -> bool:
    return len(rows) <= limits.rows and sum(len(r) for r in rows) <= limits.buttons and all(
        len(r) <= PER_ROW for r in rows
    )


def layout(message: Outgoing, caps: ClientCaps) -> tuple[str, dict[str, Any] | None]:
    """The plain text (with anything the keyboard cannot hold spelled out) and the keyboard object."""
    text = to_plain(message.text)
    inline = caps.inline
    limits = INLINE if inline else REGULAR
    kind = "callback" if caps.inline_callbacks else "text"
    extra_lines: list[str] = []
    rows: list[list[dict[str, Any]]] = []
    actions: list[Button] = []
    for row in message.buttons:
        cells: list[dict[str, Any]] = []
        for button in row:
            if button.url:
                if caps.open_link:
                    cells.append({"action": {"type": "open_link", "link": button.url, "label": label(button.text)}})
                else:
                    extra_lines.append(f"{button.text}: {readable_url(button.url)}")
            elif button.payload and len(payload(button)) <= 255:
                cells.append(_action(button, label(button.text), kind))
                actions.append(button)
        if cells:
            rows.append(cells)
    if rows and not _fits(rows, limits) and inline and _fits(rows, REGULAR) and caps.keyboard:
        inline, limits, kind = False, REGULAR, "text"  # too big for an inline keyboard: a regular one
        rows = [[_retype(cell, kind) for cell in row] for row in rows]
    if rows and not _fits(rows, limits):
        # a numbered list in the text, number buttons below (links are spelled out)
        extra_lines = [f"{i}. {b.text}" for i, b in enumerate(actions, 1)] + [
            f"{b.text}: {readable_url(b.url)}" for row in message.buttons for b in row if b.url
        ]
        numbered = [_action(b, str(i), kind) for i, b in enumerate(actions[: limits.buttons], 1)]
        rows = [numbered[i : i + PER_ROW] for i in range(0, len(numbered), PER_ROW)][: limits.rows]
    if extra_lines:
        text = text + "\n\n" + "\n".join(extra_lines)
    if not caps.keyboard and not inline:
        return text, None
    if rows:
        return text, {"one_time": False, "inline": inline, "buttons": rows}
    if caps.keyboard and (message.remove_buttons or not caps.inline):
        return text, {"one_time": True, "buttons": []}  # hide an old keyboard: its buttons are stale now
    return text, None


def _retype(cell: dict[str, Any], kind: str) -> dict[str, Any]:
    action = cell["action"]
    if action["type"] in ("callback", "text"):
        return {**cell, "action": {**action, "type": kind}}
    return cell


def render(message: Outgoing, caps: ClientCaps) -> VKMessage:
    """One core message as VK message parts (split under VK's limit, the keyboard under the last)."""
    text, keyboard = layout(message, caps)
    parts = tuple(split(text, MAX_TEXT)) if text.strip() else ("…",)
    return VKMessage(parts, json.dumps(keyboard, ensure_ascii=False) if keyboard is not None else None)


def random_id(key: bytes, outbox_id: int, part: int) -> int:
    """VK's ``random_id`` for part ``part`` of outbox row ``outbox_id``: the same on every retry (VK then
    delivers it once), different across databases (``key``), a positive signed 32-bit integer."""
    digest = hmac.new(key, f"{outbox_id}:{part}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1
