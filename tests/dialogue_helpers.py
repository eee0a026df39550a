"""Helpers to drive the dialogue in tests: a scripted matcher and a person who talks and taps buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.dialogue.messages import Attachment, Button, Incoming, Outgoing, UserRef
from bot.matching import Candidate, Decision, MatchResult

DIALOGUE_KB = Path(__file__).resolve().parent / "data" / "dialogue_kb"


class ScriptedMatcher:
    """A matcher whose decision for each query is written in the test (``script[query]``)."""

    def __init__(self, script: dict[str, tuple[str, list[str]]]) -> None:
        self.script = script

    def match(self, query: str, limit: int = 3, segment: str | None = None) -> MatchResult:
        decision, ids = self.script.get(query, ("none", []))
        top = tuple(Candidate(i, 90.0 - 10 * n) for n, i in enumerate(ids))[:limit]
        return MatchResult(query, Decision(decision), top)


@dataclass
class Person:
    """Somebody in a channel: says things, taps buttons by their label, remembers what they saw."""

    handle: Callable[[Incoming], Awaitable[list[Outgoing]]]
    user: UserRef = field(default_factory=lambda: UserRef("test", "1"))
    seen: list[Outgoing] = field(default_factory=list)
    last: list[Outgoing] = field(default_factory=list)

    async def say(self, text: str) -> list[Outgoing]:
        return await self._send(Incoming(self.user, text=text))

    async def send(self, *attachments: Attachment, text: str | None = None) -> list[Outgoing]:
        return await self._send(Incoming(self.user, text=text, attachments=attachments))

    async def press(self, label: str, *, in_reply: list[Outgoing] | None = None) -> list[Outgoing]:
        return await self._send(Incoming(self.user, button=self.button(label, in_reply).payload))

    async def press_payload(self, payload: str) -> list[Outgoing]:
        return await self._send(Incoming(self.user, button=payload))

    def button(self, label: str, in_reply: list[Outgoing] | None = None) -> Button:
        for reply in reversed(in_reply if in_reply is not None else self.last):
            for button in reply.all_buttons():
                text = button.text.removeprefix("→ ")
                if text == label or text.startswith(label):
                    return button
        raise AssertionError(f"no button {label!r} in {self.labels(in_reply)}")

    def labels(self, replies: list[Outgoing] | None = None) -> list[str]:
        return [b.text for r in (replies if replies is not None else self.last) for b in r.all_buttons()]

    def text(self, replies: list[Outgoing] | None = None) -> str:
        return "\n".join(r.text for r in (replies if replies is not None else self.last))

    async def _send(self, message: Incoming) -> list[Outgoing]:
        self.last = await self.handle(message)
        self.seen.extend(self.last)
        return self.last
