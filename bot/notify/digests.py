"""Daily and weekly digests: content broadcasts held for people who chose them, sent as one message
at the digest hour of the person's own time zone (moved out of quiet hours)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.consent import records
from bot.kb.model import KnowledgeBase
from bot.notify import compose, prefs, queue
from bot.notify.texts import NotifyTexts
from bot.notify.timing import next_digest, out_of_quiet, zone
from bot.storage.models import BroadcastRow, ConsentState, DigestItem, NotificationSettings

_digest = DigestItem.__table__
_b = BroadcastRow.__table__
_state = ConsentState.__table__
_settings = NotificationSettings.__table__


async def compose_due(
    conn: AsyncConnection, now: datetime, defaults: prefs.Defaults, texts: NotifyTexts, kb: KnowledgeBase
) -> int:
    """Queue one digest per person whose digest moment has come; how many digests were queued."""
    rows = (
        await conn.execute(
            select(
                _digest.c.id, _digest.c.person_id, _digest.c.consent, _digest.c.created_at, _b.c.text, _b.c.entries,
                _state.c.granted, _state.c.at.label("consent_at"), _settings.c.frequency, _settings.c.quiet_from,
                _settings.c.quiet_to, _settings.c.timezone, _settings.c.person_id.label("stored"),
            )
            .select_from(
                _digest.join(_b, _b.c.id == _digest.c.broadcast_id)
                .outerjoin(_state, and_(_state.c.person_id == _digest.c.person_id,
                                        _state.c.subject == _digest.c.consent))
                .outerjoin(_settings, _settings.c.person_id == _digest.c.person_id)
            )
            .where(_digest.c.sent_at.is_(None))
            .order_by(_digest.c.person_id, _digest.c.id)
        )
    ).all()
    by_person: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_person[row.person_id].append(row)
    sent = 0
    for person_id, items in by_person.items():
        first = items[0]
        person = prefs.resolve(defaults, first.frequency, first.quiet_from, first.quiet_to, first.timezone,
                               stored=first.stored is not None)
        tz = zone(person.timezone, defaults.timezone)
        frequency = person.frequency if person.frequency in ("daily", "weekly") else "daily"
        oldest = min(item.created_at for item in items)
        if next_digest(oldest, tz, frequency, defaults.digest_hour, defaults.digest_weekday) > now:
            continue
        allowed = [item for item in items if item.granted]  # a withdrawn consent drops its items
        ids = [item.id for item in items]
        if allowed:
            subject = records.CONTENT if any(i.consent == records.CONTENT for i in allowed) else allowed[0].consent
            consent_at = max(i.consent_at for i in allowed if i.consent == subject)
            entries: list[tuple[str, str]] = []
            for item in allowed:
                for entry_id in compose_entries(item.entries):
                    if entry_id in kb.entries and len(entries) < 3:
                        entries.append((kb.entries[entry_id].question[:60], entry_id))
            message = compose.notification(
                texts, compose.digest(texts, [i.text for i in allowed]), subject=subject, consent_at=consent_at,
                entries=entries,
            )
            due = out_of_quiet(now, tz, person.quiet_from, person.quiet_to)
            if await queue.enqueue(conn, person_id, message, now=now, due_at=due, consent=subject,
                                   ref=f"digest:{ids[0]}") is not None:
                sent += 1
        await conn.execute(update(_digest).where(_digest.c.id.in_(ids)).values(sent_at=now))
    return sent


def compose_entries(raw: str | None) -> list[str]:
    import orjson

    return list(orjson.loads(raw or "[]"))
