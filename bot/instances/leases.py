"""Leases: a named right one instance holds for a while and renews while it lives (conditional
updates, so two instances never both believe they hold it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, text, update
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


async def put(conn: AsyncConnection, name: str, holder: str, expires_at: datetime) -> None:
    """Write a lease only its owner writes (one per instance): ``holder`` carries what it reports."""
    written = await conn.execute(update(Lease).where(Lease.name == name).values(holder=holder, expires_at=expires_at))
    if not written.rowcount:
        await insert_if_absent(conn, Lease, name=name, holder=holder, expires_at=expires_at)


async def release_name(conn: AsyncConnection, name: str) -> None:
    await conn.execute(delete(Lease).where(Lease.name == name))


async def live(conn: AsyncConnection, prefix: str, now: datetime) -> list[tuple[str, str]]:
    """(name, holder) of the unexpired leases starting with ``prefix``."""
    rows = await conn.execute(
        select(Lease.name, Lease.holder).where(Lease.name.startswith(prefix), Lease.expires_at > now)
    )
    return sorted((r[0], r[1]) for r in rows)


async def serialize(conn: AsyncConnection, key: str) -> None:
    """Make transactions that call this with ``key`` run one after another (until this one ends).

    PostgreSQL: a transaction-level advisory lock. SQLite lets one writer in at a time anyway, once
    the transaction has written (so write before reading what the others wrote).
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
