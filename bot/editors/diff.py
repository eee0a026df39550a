"""Differences between two knowledge bases: added, removed and changed entries, field by field."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kb.model import Entry, KnowledgeBase

FIELDS = (
    "topic_id", "question", "paraphrases", "keywords", "answer", "answer_for", "links", "related", "audience",
    "updated", "owner",
)
LIST_FIELDS = frozenset({"paraphrases", "keywords", "related", "links"})
SHORT_FIELDS = frozenset({"topic_id", "question", "audience", "updated", "owner"})


def _value(entry: Entry, name: str) -> object:
    value = getattr(entry, name)
    if name == "answer_for":
        return dict(value)
    if name == "links":
        return tuple(f"{link.title} | {link.url}" if link.title else link.url for link in value)
    return value


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    old: object
    new: object

    def describe(self) -> str:
        if self.name in LIST_FIELDS:
            old, new = list(self.old or ()), list(self.new or ())  # type: ignore[call-overload]
            added = [x for x in new if x not in old]
            removed = [x for x in old if x not in new]
            parts = [f"+ {x}" for x in added] + [f"- {x}" for x in removed]
            if not parts:
                parts = ["order changed"]
            return f"{self.name}: " + "; ".join(parts)
        if self.name in SHORT_FIELDS:
            return f"{self.name}: {self.old or '—'} → {self.new or '—'}"
        if self.name == "answer_for":
            old, new = dict(self.old or {}), dict(self.new or {})  # type: ignore[call-overload]
            changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            return f"answer_for: {', '.join(changed)} changed"
        return f"{self.name}: text changed"


@dataclass(frozen=True, slots=True)
class EntryChange:
    id: str
    question: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class TopicChange:
    id: str
    what: str  # "added", "removed", or a description of changed title/audience


@dataclass(frozen=True, slots=True)
class BaseDiff:
    added: tuple[Entry, ...] = ()
    removed: tuple[Entry, ...] = ()
    changed: tuple[EntryChange, ...] = ()
    topics: tuple[TopicChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.topics)

    def lines(self) -> list[str]:
        """A readable report (English, like the rest of the command line)."""
        if self.empty:
            return ["No differences."]
        out = [f"Added: {len(self.added)}, removed: {len(self.removed)}, changed: {len(self.changed)}"]
        for topic in self.topics:
            out.append(f"topic {topic.id}: {topic.what}")
        for entry in self.added:
            out.append(f"+ {entry.id} [{entry.topic_id}]: {entry.question}")
        for entry in self.removed:
            out.append(f"- {entry.id} [{entry.topic_id}]: {entry.question}")
        for change in self.changed:
            out.append(f"~ {change.id}: {', '.join(f.name for f in change.fields)}")
            out.extend(f"    {f.describe()}" for f in change.fields)
        return out


def entry_changes(old: Entry, new: Entry) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(name, _value(old, name), _value(new, name))
        for name in FIELDS
        if _value(old, name) != _value(new, name)
    )


def diff_bases(old: KnowledgeBase, new: KnowledgeBase) -> BaseDiff:
    added = tuple(e for i, e in new.entries.items() if i not in old.entries)
    removed = tuple(e for i, e in old.entries.items() if i not in new.entries)
    changed = []
    for eid, entry in new.entries.items():
        before = old.entries.get(eid)
        if before is None:
            continue
        fields = entry_changes(before, entry)
        if fields:
            changed.append(EntryChange(eid, entry.question, fields))
    topics = []
    old_topics = {t.id: t for t in old.topics}
    new_topics = {t.id: t for t in new.topics}
    for tid, topic in new_topics.items():
        before = old_topics.get(tid)
        if before is None:
            topics.append(TopicChange(tid, f"added «{topic.title}»"))
            continue
        notes = []
        if before.title != topic.title:
            notes.append(f"title «{before.title}» → «{topic.title}»")
        if before.audience != topic.audience:
            notes.append(f"audience {before.audience} → {topic.audience}")
        if notes:
            topics.append(TopicChange(tid, "; ".join(notes)))
    topics.extend(TopicChange(tid, f"removed «{t.title}»") for tid, t in old_topics.items() if tid not in new_topics)
    return BaseDiff(added, removed, tuple(changed), tuple(topics))
