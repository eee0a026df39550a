"""The channel-neutral message model: what adapters turn platform events into, and back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


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
