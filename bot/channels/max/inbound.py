"""MAX updates as the core's incoming messages. Everything in an update is untrusted input.

The bot serves dialogs (``recipient.chat_type == "dialog"``) with people; group chats, channels and
other bots are ignored. Update shapes: https://dev.max.ru/docs-api/objects/Update
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.dialogue.messages import Attachment, Incoming, UserRef

CHANNEL = "max"
MAX_PAYLOAD = 32  # the core's button ids are short; anything longer is not one this bot wrote
UPDATE_TYPES = ("message_created", "message_callback", "message_edited", "bot_started", "bot_stopped")

_ATTACHMENTS = {
    "image": Attachment.PHOTO,
    "video": Attachment.VIDEO,
    "audio": Attachment.VOICE,  # MAX's audio attachments are voice messages
    "file": Attachment.DOCUMENT,
    "sticker": Attachment.STICKER,
    "contact": Attachment.CONTACT,
    "location": Attachment.LOCATION,
}
_NOT_CONTENT = frozenset({"inline_keyboard", "reply_keyboard"})


@dataclass(frozen=True, slots=True)
class Inbound:
    """An update the dialogue should see: the message, the dialog to show "typing" in, a press to answer."""

    message: Incoming
    user_id: int
    chat_id: int | None = None  # the dialog's chat id (for "typing…"); None when the update has none
    callback_id: str | None = None  # message_callback: answered with POST /answers


@dataclass(frozen=True, slots=True)
class Stopped:
    """bot_stopped: the person stopped the bot (blocked it); nothing more reaches them until they return."""

    user_id: int


def update_key(update: dict[str, Any]) -> str:
    """A stable id of an update, for "already handled" (MAX's updates carry no number of their own)."""
    kind = update.get("update_type")
    key: str | None = None
    if kind == "message_created":
        mid = _body(update.get("message")).get("mid")
        key = f"m:{mid}" if isinstance(mid, str) and mid else None
    elif kind == "message_callback":
        callback = update.get("callback")
        cid = callback.get("callback_id") if isinstance(callback, dict) else None
        key = f"c:{cid}" if isinstance(cid, str) and cid else None
    if key is not None and len(key) <= 64:
        return key
    digest = hashlib.sha256(json.dumps(update, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return "h" + digest[:40]


def user_of(update: dict[str, Any]) -> str:
    """Whose update it is (one person's updates are handled in order)."""
    kind = update.get("update_type")
    user: Any = None
    if kind in ("message_created", "message_edited"):
        message = update.get("message")
        user = message.get("sender") if isinstance(message, dict) else None
    elif kind == "message_callback":
        callback = update.get("callback")
        user = callback.get("user") if isinstance(callback, dict) else None
    else:
        user = update.get("user")
    user_id = _int(user.get("user_id")) if isinstance(user, dict) else None
    return str(user_id) if user_id is not None else "update:" + update_key(update)


def button_of(payload: Any) -> str:
    """The core's button id in a callback payload; "" for anything this bot cannot have written."""
    if isinstance(payload, str) and 0 < len(payload) <= MAX_PAYLOAD and payload.isprintable():
        return payload
    return ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _body(message: Any) -> dict[str, Any]:
    body = message.get("body") if isinstance(message, dict) else None
    return body if isinstance(body, dict) else {}


def _at(milliseconds: Any) -> datetime:
    value = _int(milliseconds)
    if value is None or value <= 0:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return datetime.now(UTC)


def _person(user: Any) -> int | None:
    if not isinstance(user, dict) or user.get("is_bot"):
        return None
    user_id = _int(user.get("user_id"))
    return user_id if user_id is not None and user_id > 0 else None


def attachments_of(body: dict[str, Any]) -> tuple[tuple[Attachment, ...], tuple[str, ...]]:
    """The kinds of content a message carries and the https links of its files (for operators)."""
    kinds: list[Attachment] = []
    links: list[str] = []
    raw = body.get("attachments")
    for item in raw if isinstance(raw, list) else []:
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(kind, str) or kind in _NOT_CONTENT:
            continue
        kinds.append(_ATTACHMENTS.get(kind, Attachment.OTHER))
        payload = item.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        if isinstance(url, str) and url.startswith("https://") and kind in ("image", "video", "audio", "file"):
            links.append(url)
    return tuple(dict.fromkeys(kinds)), tuple(links)


def _from_message(update: dict[str, Any]) -> Inbound | None:
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    recipient = message.get("recipient")
    if not isinstance(recipient, dict) or recipient.get("chat_type") != "dialog":
        return None  # group chats and channels the bot was added to
    user_id = _person(message.get("sender"))
    if user_id is None:
        return None
    body = _body(message)
    text = body.get("text") if isinstance(body.get("text"), str) else None
    kinds, links = attachments_of(body)
    mid = body.get("mid") if isinstance(body.get("mid"), str) else None
    incoming = Incoming(
        UserRef(CHANNEL, str(user_id)), text=text or None, attachments=kinds,
        at=_at(message.get("timestamp") or update.get("timestamp")), message_id=mid, file_links=links,
    )
    return Inbound(incoming, user_id, _int(recipient.get("chat_id")))


def _from_callback(update: dict[str, Any]) -> Inbound | None:
    callback = update.get("callback")
    if not isinstance(callback, dict):
        return None
    user_id = _person(callback.get("user"))
    callback_id = callback.get("callback_id")
    if user_id is None or not isinstance(callback_id, str) or not callback_id:
        return None
    message = update.get("message")
    recipient = message.get("recipient") if isinstance(message, dict) else None
    if isinstance(recipient, dict) and recipient.get("chat_type") not in (None, "dialog"):
        return None
    chat_id = _int(recipient.get("chat_id")) if isinstance(recipient, dict) else None
    incoming = Incoming(UserRef(CHANNEL, str(user_id)), button=button_of(callback.get("payload")),
                        at=_at(callback.get("timestamp") or update.get("timestamp")))
    return Inbound(incoming, user_id, chat_id, callback_id)


def _started(update: dict[str, Any]) -> Inbound | None:
    user_id = _person(update.get("user"))
    if user_id is None:
        return None
    incoming = Incoming(UserRef(CHANNEL, str(user_id)), text="/start", at=_at(update.get("timestamp")))
    return Inbound(incoming, user_id, _int(update.get("chat_id")))


def to_inbound(update: dict[str, Any]) -> Inbound | Stopped | None:
    """The core's view of an update, a stop, or None for updates the bot does not handle."""
    kind = update.get("update_type")
    if kind in ("message_created", "message_edited"):  # a corrected question is a new question
        return _from_message(update)
    if kind == "message_callback":
        return _from_callback(update)
    if kind == "bot_started":
        return _started(update)
    if kind == "bot_stopped":
        user_id = _person(update.get("user"))
        return Stopped(user_id) if user_id is not None else None
    return None
