"""How a channel is named where operators see a case from it (a topic title, a case card)."""

from __future__ import annotations

MARKS = {"telegram": "TG", "vk": "VK", "max": "MAX", "console": "Консоль"}


def channel_mark(channel: str) -> str:
    """A short mark of the channel a person wrote from, e.g. "VK" for a VK community chat."""
    return MARKS.get(channel, channel.upper()[:8])


def case_title(channel: str, title: str) -> str:
    """A case's title with its channel mark in front: "[VK] Вопрос о субсидии"."""
    return f"[{channel_mark(channel)}] {title}"
