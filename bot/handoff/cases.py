"""Cases in the database. Every change of state is one conditional UPDATE, so two operators pressing
«Взять» at once (or two processes) cannot both win."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import CaseRow

_cases = CaseRow.__table__

NEW = "new"
TAKEN = "taken"
CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    person_id: int | None
    account_id: int | None
    channel: str
    recipient: str | None
    segment: str | None
    topic: str | None
    reason: str
    status: str
    opened_at: datetime
    taken_at: datetime | None
    operator_id: str | None
    operator_name: str | None
    first_response_at: datetime | None
    transfers: int
    closed_at: datetime | None
    closed_by: str | None
    workspace: str
    thread_id: int | None
    reminded_at: datetime | None
    escalated_at: datetime | None

    @property
    def open(self) -> bool:
        return self.status != CLOSED


def _case(row: Any) -> Case:
    return Case(**{name: getattr(row, name) for name in Case.__dataclass_fields__})


async def open_case(
    conn: AsyncConnection,
    *,
    person_id: int,
    account_id: int,
    channel: str,
    recipient: str,
    segment: str | None,
    topic: str | None,
    reason: str,
    workspace: str,
    now: datetime,
) -> Case:
    result = await conn.execute(
        insert(_cases)
        .values(
            person_id=person_id, account_id=account_id, channel=channel, recipient=recipient, segment=segment,
            topic=topic, reason=reason, status=NEW, opened_at=now, transfers=0, workspace=workspace,
        )
        .returning(*_cases.c)
    )
    return _case(result.one())


async def get(conn: AsyncConnection, case_id: int) -> Case | None:
    row = (await conn.execute(select(_cases).where(_cases.c.id == case_id))).first()
    return _case(row) if row else None


async def open_of_person(conn: AsyncConnection, person_id: int) -> Case | None:
    row = (
        await conn.execute(
            select(_cases)
            .where(_cases.c.person_id == person_id, _cases.c.status != CLOSED)
            .order_by(_cases.c.id.desc())
            .limit(1)
        )
    ).first()
    return _case(row) if row else None


async def by_thread(conn: AsyncConnection, workspace: str, thread_id: int) -> Case | None:
    row = (
        await conn.execute(
            select(_cases)
            .where(_cases.c.workspace == workspace, _cases.c.thread_id == thread_id)
            .order_by(_cases.c.id.desc())
            .limit(1)
        )
    ).first()
    return _case(row) if row else None


async def open_cases(conn: AsyncConnection) -> list[Case]:
    rows = await conn.execute(select(_cases).where(_cases.c.status != CLOSED).order_by(_cases.c.opened_at))
    return [_case(r) for r in rows]


async def queue_ahead(conn: AsyncConnection, case: Case) -> int:
    """Cases waiting to be taken that were opened before this one."""
    return int(
        await conn.scalar(
            select(func.count()).where(_cases.c.status == NEW, _cases.c.id < case.id)
        ) or 0
    )


async def waiting_count(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.count()).where(_cases.c.status == NEW)) or 0)


async def set_thread(conn: AsyncConnection, case_id: int, thread_id: int) -> None:
    await conn.execute(update(_cases).where(_cases.c.id == case_id).values(thread_id=thread_id))


async def take(conn: AsyncConnection, case_id: int, operator_id: str, name: str, now: datetime) -> bool:
    """Give a waiting case to an operator; False if someone else was first (or it is closed)."""
    result = await conn.execute(
        update(_cases)
        .where(_cases.c.id == case_id, _cases.c.status == NEW)
        .values(status=TAKEN, operator_id=operator_id, operator_name=name, taken_at=now)
    )
    return result.rowcount == 1


async def transfer(conn: AsyncConnection, case: Case, max_transfers: int) -> bool:
    """Put a taken case back in the queue for another operator; False over the limit or if it changed."""
    if case.transfers >= max_transfers:
        return False
    result = await conn.execute(
        update(_cases)
        .where(_cases.c.id == case.id, _cases.c.status == TAKEN, _cases.c.transfers == case.transfers)
        .values(status=NEW, operator_id=None, operator_name=None, transfers=case.transfers + 1)
    )
    return result.rowcount == 1


async def responded(conn: AsyncConnection, case_id: int, now: datetime) -> None:
    """An operator answered: the first answer is the case's first-response time."""
    await conn.execute(
        update(_cases).where(_cases.c.id == case_id, _cases.c.first_response_at.is_(None)).values(first_response_at=now)
    )


async def close(conn: AsyncConnection, case_id: int, by: str, now: datetime) -> bool:
    result = await conn.execute(
        update(_cases)
        .where(_cases.c.id == case_id, _cases.c.status != CLOSED)
        .values(status=CLOSED, closed_by=by, closed_at=now)
    )
    return result.rowcount == 1


async def mark_once(conn: AsyncConnection, case_id: int, column: str, **values: datetime) -> bool:
    """Record that an SLA reminder (``reminded_at``) or escalation (``escalated_at``) is being sent:
    ``values`` are set only if ``column`` is still empty; whether this call did it. Another instance
    checking the same case at the same moment waits for this transaction, then finds it set."""
    result = await conn.execute(
        update(_cases).where(_cases.c.id == case_id, _cases.c[column].is_(None)).values(**values)
    )
    return bool(result.rowcount)


async def anonymise_person(conn: AsyncConnection, person_id: int, now: datetime) -> list[Case]:
    """The person deleted their data: close their open cases, cut every case from them; the open ones."""
    open_before = [
        _case(r)
        for r in await conn.execute(select(_cases).where(_cases.c.person_id == person_id, _cases.c.status != CLOSED))
    ]
    await conn.execute(
        update(_cases)
        .where(_cases.c.person_id == person_id, _cases.c.status != CLOSED)
        .values(status=CLOSED, closed_by="deleted", closed_at=now)
    )
    await conn.execute(
        update(_cases).where(_cases.c.person_id == person_id).values(person_id=None, account_id=None, recipient=None)
    )
    return open_before


async def between(conn: AsyncConnection, start: datetime, end: datetime) -> list[Case]:
    """Cases opened or closed in [start, end)."""
    rows = await conn.execute(
        select(_cases).where(
            ((_cases.c.opened_at >= start) & (_cases.c.opened_at < end))
            | ((_cases.c.closed_at >= start) & (_cases.c.closed_at < end))
        )
    )
    return [_case(r) for r in rows]
