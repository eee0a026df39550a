"""Entries due for review (4.3.5.9: FAQ answers are kept current) and the reminder to their owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.editors.readability import Hint
from bot.kb.model import KnowledgeBase


@dataclass(frozen=True, slots=True)
class StaleEntry:
    id: str
    question: str
    owner: str
    updated: date
    days: int  # since the last review
    source: str = ""
    line: int = 0


def stale_entries(base: KnowledgeBase, today: date, review_days: int) -> list[StaleEntry]:
    """Entries with an ``owner`` whose ``updated`` date is more than ``review_days`` ago, oldest first."""
    found = [
        StaleEntry(e.id, e.question, e.owner, e.updated, (today - e.updated).days, e.source, e.line)
        for e in base.entries.values()
        if e.owner and e.updated is not None and (today - e.updated).days > review_days
    ]
    return sorted(found, key=lambda s: (s.updated, s.id))


def stale_hints(stale: list[StaleEntry], review_days: int) -> list[Hint]:
    return [
        Hint(
            s.id, s.source, s.line, "stale",
            f"not reviewed for {s.days} days (updated {s.updated.isoformat()}, review every {review_days}); "
            f"owner: {s.owner}",
            f"не проверялась {s.days} дн. (обновлена {s.updated.isoformat()}, проверять раз в {review_days} дн.); "
            f"ответственный: {s.owner}",
        )
        for s in stale
    ]


def by_owner(stale: list[StaleEntry]) -> dict[str, list[StaleEntry]]:
    groups: dict[str, list[StaleEntry]] = {}
    for item in stale:
        groups.setdefault(item.owner, []).append(item)
    return dict(sorted(groups.items()))


def stale_reminder(stale: list[StaleEntry], review_days: int, owner: str | None = None) -> str:
    """A reminder for the editors' chat in the base's Markdown subset, grouped by owner.

    With ``owner`` only that owner's entries are listed. An empty list gives a short "all current" text.
    """
    if owner is not None:
        stale = [s for s in stale if s.owner == owner]
    if not stale:
        return f"Все статьи с ответственными проверены за последние {review_days} дн. 👍"
    lines = [
        f"**Пора проверить статьи базы знаний** ({len(stale)}): они не обновлялись больше {review_days} дн. "
        "Проверьте ответ и поставьте новую дату в поле «Обновлено» (updated).",
    ]
    for name, items in by_owner(stale).items():
        lines.append("")
        lines.append(f"**{name}**")
        lines.extend(
            f"- {s.question} ({s.id}, обновлена {s.updated.strftime('%d.%m.%Y')})" for s in items
        )
    return "\n".join(lines)
