"""The channel-neutral message model: what adapters turn platform events into, and back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

# What a database refuses in text: PostgreSQL takes no NUL character, and no half of a surrogate pair
# (which is not UTF-8 at all). Such characters come from clients, bots and JSON "\u0000" escapes.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` without NUL characters, and with lone surrogates replaced by U+FFFD."""
    if _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


class Attachment(StrEnum):
    """Kinds of non-text content; the content itself is never stored by the core."""

    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"
    AUDIO = "audio"
    STICKER = "sticker"
    DOCUMENT = "document"
    LOCATION = "location"
    CONTACT = "contact"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who wrote: a channel name ("telegram", "vk", "console") and the user's id in that channel."""

    channel: str
    user_id: str

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did: wrote text, pressed a button, or sent something else."""

    user: UserRef
    text: str | None = None
    button: str | None = None  # the opaque payload of a pressed button, as the platform returned it
    attachments: tuple[Attachment, ...] = ()
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    message_id: str | None = None
    file_links: tuple[str, ...] = ()  # where the platform keeps the files (VK): passed to operators only

    def __post_init__(self) -> None:
        # the one door every channel's messages come through: nothing a database refuses gets further
        for name in ("text", "button", "message_id"):
            value = getattr(self, name)
            if value is not None and _UNSTORABLE.search(value) is not None:
                object.__setattr__(self, name, storable(value))
        if self.file_links and any(_UNSTORABLE.search(link) for link in self.file_links):
            object.__setattr__(self, "file_links", tuple(storable(link) for link in self.file_links))
        if _UNSTORABLE.search(self.user.user_id) is not None:
            object.__setattr__(self, "user", UserRef(self.user.channel, storable(self.user.user_id)))


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a reply: either an action (``payload``) or a link (``url``)."""

    text: str
    payload: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One reply: text in the knowledge base's Markdown subset, optional rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    remove_buttons: bool = False

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]
