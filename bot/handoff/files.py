"""Files an operator sends to a person on another platform: what the workspace tells of them, where
the person's channel fetches them from, and the failure that stops a file (but not its message)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.dialogue.messages import Attachment


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file in the operators' workspace, as the person's channel needs it to pass it on."""

    kind: Attachment  # PHOTO or DOCUMENT
    file_id: str  # the workspace platform's id of the file
    name: str | None = None
    size: int | None = None  # bytes, when the platform says

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "file_id": self.file_id, "name": self.name, "size": self.size}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileRef:
        return cls(Attachment(data["kind"]), str(data["file_id"]), data.get("name"), data.get("size"))


class FileUnavailable(Exception):
    """The file could not be had; ``retry`` tells whether trying again later may help."""

    def __init__(self, reason: str, retry: bool = False) -> None:
        super().__init__(reason)
        self.retry = retry


class FileSource(Protocol):
    """Where the workspace's files are downloaded from (the operators' platform)."""

    async def fetch(self, file_id: str) -> bytes:
        """The file's bytes; raises FileUnavailable."""
        ...
