"""Reminders a person asked for: which answers offer one, and storing, listing and cancelling them.

A reminder's message is written to the outbox when it is set, due at its moment (moved out of quiet
hours); the outbox's claim makes sure exactly one sender sends it, and the consent it relies on
(``notify:trigger``) is checked again just before sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.consent import records
from bot.delivery import outbox
from bot.kb.model import Entry
from bot.storage.models import OutboxRow, ReminderRow

SCHEDULED = "scheduled"
CANCELLED = "cancelled"
CONSENT = records.TRIGGER

_table = ReminderRow.__table__
_outbox = OutboxRow.__table__


def remindable(entry: Entry, entry_ids: Sequence[str], words: Sequence[str]) -> bool:
    """Whether an answer is about an appointment or a deadline: listed in the config, or its question
    or keywords contain one of ``words`` (stems, lower case)."""
    if entry.id in entry_ids:
        return True
    text = " ".join([entry.question, *entry.keywords]).lower().replace("ё", "е")
    return any(word.lower().replace("ё", "е") in text for word in words)


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    title: str
    entry_id: str | None
    due_at: datetime
    send_at: datetime


async def active(conn: AsyncConnection, person_id: int, now: datetime) -> list[Reminder]:
    rows = await conn.execute(
        select(_table)
        .where(_table.c.person_id == person_id, _table.c.status == SCHEDULED, _table.c.send_at > now)
        .order_by(_table.c.send_at)
    )
    return [Reminder(r.id, r.title, r.entry_id, r.due_at, r.send_at) for r in rows]


async def count_active(conn: AsyncConnection, person_id: int, now: datetime) -> int:
    return int(
        await conn.scalar(
            select(func.count()).where(
                _table.c.person_id == person_id, _table.c.status == SCHEDULED, _table.c.send_at > now
            )
        ) or 0
    )


async def create(
    conn: AsyncConnection, person_id: int, title: str, entry_id: str | None, due_at: datetime, send_at: datetime,
    now: datetime,
) -> int:
    return (
        await conn.execute(
            insert(_table)
            .values(person_id=person_id, entry_id=entry_id, title=title[:500], due_at=due_at, send_at=send_at,
                    status=SCHEDULED, created_at=now)
            .returning(_table.c.id)
        )
    ).scalar_one()


async def attach(conn: AsyncConnection, reminder_id: int, outbox_id: int | None) -> None:
    await conn.execute(update(_table).where(_table.c.id == reminder_id).values(outbox_id=outbox_id))


async def cancel(conn: AsyncConnection, person_id: int, reminder_id: int) -> bool:
    """Cancel the person's reminder and its waiting message; False if it is not theirs or not waiting."""
    row = (
        await conn.execute(
            select(_table.c.outbox_id).where(
                _table.c.id == reminder_id, _table.c.person_id == person_id, _table.c.status == SCHEDULED
            )
        )
    ).first()
    if row is None:
        return False
    await conn.execute(update(_table).where(_table.c.id == reminder_id).values(status=CANCELLED))
    if row.outbox_id is not None:
        await conn.execute(
            update(_outbox)
            .where(_outbox.c.id == row.outbox_id, _outbox.c.status == outbox.PENDING)
            .values(status=outbox.SKIPPED, error="cancelled")
        )
    return True
