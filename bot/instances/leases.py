"""Leases: a named right one instance holds for a while and renews while it lives (conditional
updates, so two instances never both believe they hold it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.instances.upsert import insert_if_absent
from bot.storage.models import Lease


async def acquire(conn: AsyncConnection, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` until ``now + ttl``; False while another live holder has it."""
    taken = await conn.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=now + ttl)
    )
    if taken.rowcount:
        return True
    return await insert_if_absent(conn, Lease, name=name, holder=holder, expires_at=now + ttl)


async def release(conn: AsyncConnection, name: str, holder: str) -> None:
    """Give the lease up at once (a clean stop), if this holder still has it."""
    await conn.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def live_names(conn: AsyncConnection, prefix: str, now: datetime) -> list[str]:
    """Names of the unexpired leases starting with ``prefix``."""
    rows = await conn.execute(select(Lease.name).where(Lease.name.startswith(prefix), Lease.expires_at > now))
    return sorted(r[0] for r in rows)
