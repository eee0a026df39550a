"""Writing analytics events: pseudonym, channel, segment and knowledge-base version added; texts kept
for a limited time and scrubbed of obvious personal data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.events import Event
from bot.analytics.privacy import Pseudonyms, scrub
from bot.storage.models import EventRow

_events = EventRow.__table__


class EventRecorder:
    def __init__(self, pseudonyms: Pseudonyms, text_retention: timedelta) -> None:
        self.pseudonyms = pseudonyms
        self.text_retention = text_retention

    def rows(
        self,
        events: Sequence[Event],
        *,
        person: str,
        channel: str,
        segment: str | None,
        kb_version: str | None,
        now: datetime,
    ) -> list[dict[str, object]]:
        rows = []
        for event in events:
            text = scrub(event.text) if event.text else None
            rows.append({
                "at": now,
                "kind": event.kind.value,
                "person": person,
                "channel": channel,
                "segment": segment,
                "request": event.request,
                "entry": event.entry,
                "decision": event.decision,
                "score": event.score,
                "candidates": json.dumps(event.candidates, ensure_ascii=False) if event.candidates else None,
                "value": event.value,
                "via": event.via,
                "kb_version": kb_version,
                "text": text,
                "text_expires_at": now + self.text_retention if text else None,
            })
        return rows

    async def write(self, conn: AsyncConnection, rows: list[dict[str, object]]) -> None:
        if rows:
            await conn.execute(insert(_events), rows)


async def purge_expired_texts(conn: AsyncConnection, now: datetime) -> int:
    """Drop the texts of unanswered questions and comments whose retention period is over."""
    result = await conn.execute(
        update(_events)
        .where(_events.c.text_expires_at.is_not(None), _events.c.text_expires_at < now)
        .values(text=None, text_expires_at=None)
    )
    return int(result.rowcount or 0)


async def forget_texts(conn: AsyncConnection, pseudonym: str) -> None:
    """Drop every kept text of one person (they asked to delete their data)."""
    await conn.execute(update(_events).where(_events.c.person == pseudonym).values(text=None, text_expires_at=None))


async def popular_entries(conn: AsyncConnection, since: datetime, limit: int = 10) -> tuple[str, ...]:
    """The entries answered most often since ``since``, most answered first."""
    count = func.count().label("n")
    rows = await conn.execute(
        select(_events.c.entry, count)
        .where(_events.c.kind == "answer", _events.c.entry.is_not(None), _events.c.at >= since)
        .group_by(_events.c.entry)
        .order_by(count.desc(), _events.c.entry)
        .limit(limit)
    )
    return tuple(str(entry) for entry, _ in rows)
