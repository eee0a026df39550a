"""Telegram updates as the core's incoming messages. Everything in an update is untrusted input."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import Message, Update

from bot.dialogue.messages import Attachment, Incoming, UserRef

CHANNEL = "telegram"
MAX_CALLBACK_BYTES = 64

_ATTACHMENTS = (
    ("photo", Attachment.PHOTO),
    ("video", Attachment.VIDEO),
    ("video_note", Attachment.VIDEO),
    ("animation", Attachment.VIDEO),
    ("voice", Attachment.VOICE),
    ("audio", Attachment.AUDIO),
    ("sticker", Attachment.STICKER),
    ("document", Attachment.DOCUMENT),
    ("location", Attachment.LOCATION),
    ("venue", Attachment.LOCATION),
    ("contact", Attachment.CONTACT),
    ("poll", Attachment.OTHER),
    ("dice", Attachment.OTHER),
)


@dataclass(frozen=True, slots=True)
class Inbound:
    """An update the core should see: the message, the chat to reply to, and a callback to answer."""

    message: Incoming
    chat_id: int
    callback_id: str | None = None


def attachments(message: Message) -> tuple[Attachment, ...]:
    return tuple(kind for field, kind in _ATTACHMENTS if getattr(message, field, None))


def from_message(message: Message) -> Inbound | None:
    if message.chat.type != "private" or message.from_user is None or message.from_user.is_bot:
        return None
    text = message.text if message.text is not None else message.caption
    user = UserRef(CHANNEL, str(message.from_user.id))
    incoming = Incoming(
        user, text=text, attachments=attachments(message), at=message.date, message_id=str(message.message_id)
    )
    return Inbound(incoming, message.chat.id)


def to_inbound(update: Update) -> Inbound | None:
    """The core's view of an update, or None for updates the citizens' dialogue does not handle."""
    if update.message is not None:
        return from_message(update.message)
    if update.edited_message is not None:  # a corrected question is a new question
        return from_message(update.edited_message)
    query = update.callback_query
    if query is not None and query.from_user is not None and not query.from_user.is_bot:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != "private":
            return None
        data = query.data if isinstance(query.data, str) else ""
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            data = ""  # not something this bot sent: the core treats it as a stale button
        user = UserRef(CHANNEL, str(query.from_user.id))
        return Inbound(Incoming(user, button=data), chat.id if chat is not None else query.from_user.id, query.id)
    return None
