"""Dead letters: updates whose handling failed again and again, set aside so that the ones after them
can go on (the polling position moves past them), kept with their error for a person to look at and
replay (``bot updates dead``, ``bot updates replay ID``).

An update is set aside in one transaction with its "processed" mark (a copy the platform sends again
is skipped) and a short apology to the person. Failures of the surroundings (the database or the
network unavailable) are not the update's fault: they are retried without counting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.delivery import outbox, updates
from bot.delivery.outbox import Envelope
from bot.dialogue.messages import Outgoing
from bot.storage import Database
from bot.storage.models import DeadLetter, ProcessedUpdate

log = logging.getLogger(__name__)
_dead = DeadLetter.__table__
_processed = ProcessedUpdate.__table__

DEAD = "dead"
REPLAY = "replay"  # asked for by ``bot updates replay``; the running bot takes it up
REPLAYED = "replayed"
REPLAY_EVERY = 2.0  # seconds between the bot's looks for replays asked for


def is_environmental(exc: BaseException) -> bool:
    """The database or the network is unavailable: not the update's fault (retried without counting)."""
    if isinstance(exc, (OperationalError, InterfaceError, DisconnectionError)):
        return True
    return isinstance(exc, (TimeoutError, ConnectionError, OSError))


def describe(exc: BaseException) -> str:
    """The error in one line, without the SQL parameters (they may hold the person's message)."""
    detail = str(exc.orig) if isinstance(exc, StatementError) and exc.orig is not None else str(exc)
    first = detail.strip().splitlines()[0] if detail.strip() else ""
    return f"{type(exc).__name__}: {first}"[:300]


@dataclass(frozen=True, slots=True)
class Letter:
    id: int
    channel: str
    update_key: str
    chat: str | None
    error: str
    failures: int
    status: str
    created_at: datetime
    updated_at: datetime
    payload: str = ""


async def set_aside(
    db: Database,
    *,
    channel: str,
    update_key: str,
    payload: str,
    error: str,
    failures: int,
    now: datetime,
    chat: str | None = None,
    apology: Outgoing | None = None,
    instance: str | None = None,
) -> list[Envelope]:
    """Store the dead letter, mark the update processed, queue the apology; its envelopes to send."""
    async with db.transaction() as conn:
        found = await conn.scalar(
            select(_dead.c.id).where(_dead.c.channel == channel, _dead.c.update_key == update_key)
        )
        if found is None:
            await conn.execute(
                insert(_dead).values(
                    channel=channel, update_key=update_key, chat=chat, payload=payload, error=error,
                    failures=failures, status=DEAD, created_at=now, updated_at=now,
                )
            )
        else:  # a replay that failed again
            await conn.execute(
                update(_dead)
                .where(_dead.c.id == found)
                .values(error=error, failures=_dead.c.failures + failures, status=DEAD, updated_at=now)
            )
        await updates.first_time(conn, channel, update_key, now)
        rows = []
        if chat is not None and apology is not None:
            rows = outbox.rows_for(channel, chat, [apology], now, kind="system", claimed_by=instance)
        ids = await outbox.insert_rows(conn, rows)
    return outbox.envelopes(ids, rows)


async def listing(conn: AsyncConnection, *, replayed: bool = True, limit: int = 50) -> list[Letter]:
    """The newest dead letters (with those replayed already, unless ``replayed`` is False)."""
    query = select(_dead).order_by(_dead.c.id.desc()).limit(limit)
    if not replayed:
        query = query.where(_dead.c.status != REPLAYED)
    return [_letter(row) for row in (await conn.execute(query)).all()]


async def get(conn: AsyncConnection, letter_id: int) -> Letter | None:
    row = (await conn.execute(select(_dead).where(_dead.c.id == letter_id))).first()
    return _letter(row) if row is not None else None


def _letter(row: Any) -> Letter:
    return Letter(
        row.id, row.channel, row.update_key, row.chat, row.error, row.failures, row.status, row.created_at,
        row.updated_at, row.payload,
    )


async def request_replay(conn: AsyncConnection, letter_id: int, now: datetime) -> Letter | None:
    """Ask the running bot to handle the update again (its "processed" mark is lifted)."""
    letter = await get(conn, letter_id)
    if letter is None:
        return None
    await conn.execute(update(_dead).where(_dead.c.id == letter_id).values(status=REPLAY, updated_at=now))
    await conn.execute(
        delete(_processed).where(_processed.c.channel == letter.channel, _processed.c.update_key == letter.update_key)
    )
    return letter


async def replays_asked(conn: AsyncConnection, channel: str, limit: int = 20) -> list[Letter]:
    query = select(_dead).where(_dead.c.channel == channel, _dead.c.status == REPLAY).order_by(_dead.c.id)
    return [_letter(row) for row in (await conn.execute(query.limit(limit))).all()]


async def replayed(conn: AsyncConnection, letter_id: int, now: datetime) -> None:
    await conn.execute(update(_dead).where(_dead.c.id == letter_id).values(status=REPLAYED, updated_at=now))


async def purge(conn: AsyncConnection, before: datetime) -> int:
    """Delete dead letters older than the retention period (they hold people's messages)."""
    result = await conn.execute(delete(_dead).where(_dead.c.created_at < before))
    return int(result.rowcount or 0)


class Replayer:
    """The running bot's side of ``bot updates replay``: every few seconds, handles the dead letters of
    one channel a person asked to replay. ``handle`` processes an update from its stored payload (it
    raises if it fails again: the letter is set aside again with the new error)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        channel: str,
        handle: Callable[[Letter], Awaitable[None]],
        forget: Callable[[str, str], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.channel = channel
        self.handle = handle
        self.forget = forget  # drops the update from the "already processed" memory of the dialogue

    async def run_once(self) -> int:
        async with self.db.read() as conn:
            letters = await replays_asked(conn, self.channel)
        for letter in letters:
            if self.forget is not None:
                self.forget(letter.channel, letter.update_key)
            try:
                await self.handle(letter)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Dead letter %s failed again when replayed: %s", letter.id, describe(exc))
                await set_aside(
                    self.db, channel=letter.channel, update_key=letter.update_key, payload=letter.payload,
                    error=describe(exc), failures=1, now=self.clock.now(),
                )
                continue
            async with self.db.transaction() as conn:
                await replayed(conn, letter.id, self.clock.now())
            log.info("Dead letter %s replayed", letter.id)
        return len(letters)

    async def run(self, interval: float = REPLAY_EVERY) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Looking for dead letters to replay failed; trying again shortly")
            await asyncio.sleep(interval)
