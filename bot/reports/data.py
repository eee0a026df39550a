"""Reading the anonymised event log: events of a period as plain records (no people's identities)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import EventRow, KBEntryTitle, KBVersion

_events = EventRow.__table__
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One row of ``events``; ``person`` is the salted pseudonym, used only to count distinct people."""

    at: datetime
    kind: str
    person: str
    channel: str
    segment: str | None = None
    request: str | None = None
    entry: str | None = None
    decision: str | None = None
    score: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    value: str | None = None
    via: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days ``start``…``end`` (both included) in the region's time zone."""

    start: date
    end: date
    tz: ZoneInfo = UTC_ZONE

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), self.tz).astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def label(self) -> str:
        return f"{self.start.strftime('%d.%m.%Y')} — {self.end.strftime('%d.%m.%Y')}"

    @classmethod
    def last_days(cls, today: date, days: int, tz: ZoneInfo) -> Period:
        return cls(today - timedelta(days=days - 1), today, tz)


def _candidates(raw: str | None) -> tuple[tuple[str, float], ...]:
    if not raw:
        return ()
    try:
        return tuple((str(i), float(s)) for i, s in json.loads(raw))
    except (ValueError, TypeError):
        return ()


async def load_events(conn: AsyncConnection, period: Period, kinds: tuple[str, ...] = ()) -> list[EventRecord]:
    """Events of the period in the order they happened (optionally only some kinds)."""
    c = _events.c
    query = (
        select(c.at, c.kind, c.person, c.channel, c.segment, c.request, c.entry, c.decision, c.score,
               c.candidates, c.value, c.via, c.text)
        .where(c.at >= period.since, c.at < period.until)
        .order_by(c.at, c.id)
    )
    if kinds:
        query = query.where(c.kind.in_(kinds))
    result = await conn.stream(query)
    records: list[EventRecord] = []
    async for row in result:
        records.append(EventRecord(
            at=row.at, kind=row.kind, person=row.person, channel=row.channel, segment=row.segment,
            request=row.request, entry=row.entry, decision=row.decision, score=row.score,
            candidates=_candidates(row.candidates), value=row.value, via=row.via, text=row.text,
        ))
    return records


async def stored_titles(conn: AsyncConnection) -> dict[str, tuple[str, str]]:
    """Entry id -> (question, topic id) from the versions the bot has served, the newest winning."""
    query = (
        select(KBEntryTitle.entry_id, KBEntryTitle.question, KBEntryTitle.topic_id)
        .join(KBVersion, KBVersion.id == KBEntryTitle.version_id)
        .order_by(KBVersion.loaded_at, KBVersion.id)
    )
    titles: dict[str, tuple[str, str]] = {}
    for entry_id, question, topic_id in (await conn.execute(query)).all():
        titles[entry_id] = (question, topic_id)
    return titles


def by_request(events: list[EventRecord]) -> Iterator[tuple[str, list[EventRecord]]]:
    """Events grouped by their question thread, in order of the thread's first event."""
    groups: dict[str, list[EventRecord]] = {}
    for event in events:
        if event.request:
            groups.setdefault(event.request, []).append(event)
    yield from groups.items()
