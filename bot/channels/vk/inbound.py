"""Bots Long Poll events as the core's incoming messages. Everything in an event is untrusted input."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.dialogue.messages import Attachment, Incoming, UserRef

CHANNEL = "vk"
CHAT_PEER_START = 2_000_000_000  # peer ids of group chats start here; the bot serves private messages only
MAX_PAYLOAD = 255  # VK's limit for a button payload
PAYLOAD_KEY = "b"  # the core's button id travels as {"b": "<serial>.<index>"}
EVENTS = ("message_new", "message_event", "message_allow", "message_deny")

_ATTACHMENTS = {
    "photo": Attachment.PHOTO,
    "video": Attachment.VIDEO,
    "audio": Attachment.AUDIO,
    "audio_message": Attachment.VOICE,
    "doc": Attachment.DOCUMENT,
    "sticker": Attachment.STICKER,
    "graffiti": Attachment.STICKER,
}


@dataclass(frozen=True, slots=True)
class ClientCaps:
    """What the person's VK client can show (``client_info`` of message_new)."""

    keyboard: bool = True
    inline: bool = False
    callback: bool = False
    open_link: bool = False

    @classmethod
    def parse(cls, info: Any) -> ClientCaps:
        if not isinstance(info, dict):
            return cls()
        actions = info.get("button_actions")
        actions = {a for a in actions if isinstance(a, str)} if isinstance(actions, list) else set()
        return cls(
            keyboard=bool(info.get("keyboard", True)),
            inline=bool(info.get("inline_keyboard", False)),
            callback="callback" in actions,
            open_link="open_link" in actions,
        )

    @property
    def inline_callbacks(self) -> bool:
        return self.inline and self.callback


@dataclass(frozen=True, slots=True)
class Inbound:
    """An event the dialogue should see: the message, the peer to reply to, a callback to answer."""

    message: Incoming
    peer_id: int
    event_id: str | None = None  # message_event: answered with messages.sendMessageEventAnswer
    caps: ClientCaps | None = None  # message_new: the client's abilities


@dataclass(frozen=True, slots=True)
class Permission:
    """message_allow / message_deny: the person allowed or forbade messages from the community."""

    user_id: int
    allowed: bool


def event_key(event: dict[str, Any]) -> str:
    """A stable id of an event, for "already handled": VK's ``event_id``, else a digest of the event."""
    key = event.get("event_id")
    if isinstance(key, str) and 0 < len(key) <= 64:
        return key
    digest = hashlib.sha256(json.dumps(event, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return "h" + digest[:40]


def peer_of(event: dict[str, Any]) -> str:
    """Whose event it is (one person's events are handled in order)."""
    obj = event.get("object")
    if isinstance(obj, dict):
        message = obj.get("message")
        if isinstance(message, dict) and _int(message.get("peer_id")) is not None:
            return str(message["peer_id"])
        for field in ("peer_id", "user_id"):
            if _int(obj.get(field)) is not None:
                return str(obj[field])
    return "event:" + event_key(event)


def button_of(payload: Any) -> str | None:
    """The core's button id inside a payload (a JSON string or an object); None if it carries none."""
    if isinstance(payload, str):
        if len(payload) > MAX_PAYLOAD:
            return ""
        try:
            payload = json.loads(payload)
        except ValueError:
            return ""
    if isinstance(payload, dict):
        value = payload.get(PAYLOAD_KEY)
        if isinstance(value, str) and len(value) <= 32:
            return value
        if PAYLOAD_KEY in payload:
            return ""  # ours in shape, but not a value this bot writes: a stale or forged button
    return None


def _command(payload: Any) -> str | None:
    """VK's own "Начать" button sends {"command": "start"}."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    if isinstance(payload, dict) and payload.get("command") == "start":
        return "/start"
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _attachments(message: dict[str, Any]) -> tuple[Attachment, ...]:
    kinds: list[Attachment] = []
    raw = message.get("attachments")
    for item in raw if isinstance(raw, list) else []:
        kind = item.get("type") if isinstance(item, dict) else None
        if isinstance(kind, str):
            kinds.append(_ATTACHMENTS.get(kind, Attachment.OTHER))
    if message.get("geo"):
        kinds.append(Attachment.LOCATION)
    return tuple(dict.fromkeys(kinds))


def _file_links(message: dict[str, Any]) -> tuple[str, ...]:
    """Links to a message's photos (the largest size) and documents, for the operators of a case."""
    links: list[str] = []
    raw = message.get("attachments")
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        body = item.get(str(item.get("type")))
        if not isinstance(body, dict):
            continue
        url = body.get("url")
        sizes = body.get("sizes")
        if not isinstance(url, str) and isinstance(sizes, list):
            sized = [s for s in sizes if isinstance(s, dict) and isinstance(s.get("url"), str)]
            if sized:
                url = max(sized, key=lambda s: _int(s.get("width")) or 0)["url"]
        if isinstance(url, str) and url.startswith("https://"):
            links.append(url)
    return tuple(links)


def _from_message(obj: dict[str, Any]) -> Inbound | None:
    message = obj.get("message")
    if not isinstance(message, dict):
        return None
    peer, sender = _int(message.get("peer_id")), _int(message.get("from_id"))
    if peer is None or sender is None or peer != sender or not 0 < peer < CHAT_PEER_START or message.get("out"):
        return None  # group chats, the community's own messages, other communities
    user = UserRef(CHANNEL, str(peer))
    date = _int(message.get("date"))
    at = datetime.fromtimestamp(date, UTC) if date else datetime.now(UTC)
    message_id = str(message.get("conversation_message_id") or message.get("id") or "") or None
    caps = ClientCaps.parse(obj.get("client_info"))
    payload = message.get("payload")
    text = message.get("text") if isinstance(message.get("text"), str) else None
    if payload is not None:
        command = _command(payload)
        if command is not None:
            return Inbound(Incoming(user, text=command, at=at, message_id=message_id), peer, caps=caps)
        button = button_of(payload)
        if button is not None:  # a text-keyboard button: its payload, not its label, is what counts
            return Inbound(Incoming(user, button=button, at=at, message_id=message_id), peer, caps=caps)
    incoming = Incoming(
        user, text=text or None, attachments=_attachments(message), at=at, message_id=message_id,
        file_links=_file_links(message),
    )
    return Inbound(incoming, peer, caps=caps)


def _from_callback(obj: dict[str, Any]) -> Inbound | None:
    user_id, peer = _int(obj.get("user_id")), _int(obj.get("peer_id"))
    event_id = obj.get("event_id")
    if user_id is None or peer is None or peer != user_id or not 0 < peer < CHAT_PEER_START:
        return None
    button = button_of(obj.get("payload"))
    user = UserRef(CHANNEL, str(peer))
    return Inbound(Incoming(user, button=button or ""), peer, event_id if isinstance(event_id, str) else None)


def to_inbound(event: dict[str, Any]) -> Inbound | Permission | None:
    """The core's view of an event, a messaging permission change, or None for events not handled."""
    kind, obj = event.get("type"), event.get("object")
    if not isinstance(obj, dict):
        return None
    if kind == "message_new":
        return _from_message(obj)
    if kind == "message_event":
        return _from_callback(obj)
    if kind in ("message_allow", "message_deny"):
        user_id = _int(obj.get("user_id"))
        if user_id is None or user_id <= 0:
            return None
        return Permission(user_id, kind == "message_allow")
    return None
