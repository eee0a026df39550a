"""Writing analytics events: pseudonym, channel, segment and knowledge-base version added; texts kept
for a limited time and scrubbed of obvious personal data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.events import Event
from bot.analytics.privacy import Pseudonyms, scrub
from bot.storage.models import EventRow


class EventRecorder:
    def __init__(self, pseudonyms: Pseudonyms, text_retention: timedelta) -> None:
        self.pseudonyms = pseudonyms
        self.text_retention = text_retention

    def rows(
        self,
        events: Sequence[Event],
        *,
        person_id: int,
        channel: str,
        segment: str | None,
        kb_version: str | None,
        now: datetime,
    ) -> list[dict[str, object]]:
        person = self.pseudonyms.person(person_id)
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

    async def write(self, session: AsyncSession, rows: list[dict[str, object]]) -> None:
        if rows:
            await session.execute(insert(EventRow), rows)


async def purge_expired_texts(session: AsyncSession, now: datetime) -> int:
    """Drop the texts of unanswered questions and comments whose retention period is over."""
    result = await session.execute(
        update(EventRow)
        .where(EventRow.text_expires_at.is_not(None), EventRow.text_expires_at < now)
        .values(text=None, text_expires_at=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
