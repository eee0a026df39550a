"""Immutable knowledge-base data: what the matcher indexes and the dialogue shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

Audience = Literal["citizen", "business", "all"]
Segment = Literal["citizen", "business"]


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    question: str
    answer: str
    topic_id: str
    paraphrases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    answer_for: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    links: tuple[Link, ...] = ()
    related: tuple[str, ...] = ()
    audience: Audience = "all"
    updated: date | None = None
    owner: str | None = None
    source: str = ""
    line: int = 0

    def answer_text(self, segment: str | None) -> str:
        """The answer for a client segment; the universal answer when there is no variant."""
        if segment and segment in self.answer_for:
            return self.answer_for[segment]
        return self.answer

    def match_texts(self) -> tuple[str, ...]:
        """Texts people may type for this entry: the question, paraphrases and keywords."""
        return (self.question, *self.paraphrases, *self.keywords)


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    audience: Audience
    entry_ids: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    topics: tuple[Topic, ...]
    entries: Mapping[str, Entry]
    checksum: str = ""
    source: str = ""

    def __len__(self) -> int:
        return len(self.entries)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def topic_of(self, entry_id: str) -> Topic | None:
        entry = self.entries.get(entry_id)
        return self.topic(entry.topic_id) if entry else None

    def topics_for(self, segment: str | None) -> tuple[Topic, ...]:
        """Topics meant for a segment (all topics for the universal profile)."""
        if segment not in ("citizen", "business"):
            return self.topics
        return tuple(t for t in self.topics if t.audience in (segment, "all"))

    def entries_for(self, topic_id: str, segment: str | None = None) -> tuple[Entry, ...]:
        topic = self.topic(topic_id)
        if topic is None:
            return ()
        items = (self.entries[i] for i in topic.entry_ids)
        if segment in ("citizen", "business"):
            return tuple(e for e in items if e.audience in (segment, "all"))
        return tuple(items)
