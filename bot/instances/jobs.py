"""Scheduled jobs run once per period across all instances: each instance's scheduler fires the job,
and the first to claim the period in the database runs it; the others skip it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.instances.upsert import insert_if_absent
from bot.storage import Database
from bot.storage.models import JobRun

log = logging.getLogger(__name__)


def period_slot(now: datetime, seconds: float) -> int:
    """The number of the period ``now`` falls in (interval jobs: any instance's run inside it counts)."""
    return int(now.timestamp() // seconds)


def nearest_slot(now: datetime, seconds: float) -> int:
    """The nearest period boundary (cron jobs fire at one moment on every instance, give or take)."""
    return round(now.timestamp() / seconds)


async def claim(conn: AsyncConnection, job: str, slot: int, holder: str, now: datetime) -> bool:
    """Claim period ``slot`` of ``job``; False if an instance (this one too) already claimed it."""
    moved = await conn.execute(
        update(JobRun).where(JobRun.job == job, JobRun.slot < slot).values(slot=slot, holder=holder, claimed_at=now)
    )
    if moved.rowcount:
        return True
    return await insert_if_absent(conn, JobRun, job=job, slot=slot, holder=holder, claimed_at=now)


def once_per_period(
    db: Database,
    job: str,
    func: Callable[..., Awaitable[Any]],
    slot: Callable[[datetime], int],
    holder: str,
    now: Callable[[], datetime],
) -> Callable[..., Awaitable[bool]]:
    """``func`` wrapped to run only when this instance claims the current period; whether it ran."""

    async def run(*args: Any, **kwargs: Any) -> bool:
        moment = now()
        async with db.transaction() as conn:
            mine = await claim(conn, job, slot(moment), holder, moment)
        if not mine:
            log.debug("Job %s of this period runs on another instance", job)
            return False
        await func(*args, **kwargs)
        return True

    run.__name__ = getattr(func, "__name__", job)
    run.__qualname__ = run.__name__
    return run
