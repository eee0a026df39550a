"""Who this process is in the outbox, and its lease on what it claimed.

A process claims outbox rows under its instance name and keeps them while it renews its lease (a row
in ``delivery_instances``) every third of ``lease_seconds``. A sender waiting out a long 429 keeps its
claims for as long as the process lives; when a process dies its lease runs out and another process
takes its rows over. The name is stable across restarts on one machine (kept in ``bot.data_dir``,
guarded by a lock that the kernel releases when the process dies, even by kill -9), so a restarted
process takes its own earlier claims back at once instead of waiting for its old lease to run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.delivery.outbox import PENDING, SENDING
from bot.storage import Database
from bot.storage.models import DeliveryInstance, OutboxRow

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
_instances = DeliveryInstance.__table__
_outbox = OutboxRow.__table__
ID_FILE = "instance-id"
LOCK_FILE = "instance.lock"


class Identity:
    """The instance name and, when it comes from ``data_dir``, the lock that makes it this process's own."""

    def __init__(self, name: str, lock: IO[bytes] | None = None) -> None:
        self.name = name
        self._lock = lock

    @classmethod
    def acquire(cls, data_dir: Path, configured: str = "") -> Identity:
        """The configured name; else the one kept in ``data_dir`` if no live process holds it; else a new
        random one (another process on this machine runs with the same ``data_dir``)."""
        if configured:
            return cls(configured)
        fresh = f"{socket.gethostname()[:40]}-{secrets.token_hex(4)}"
        if fcntl is None:
            return cls(fresh)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            lock = (data_dir / LOCK_FILE).open("ab")
        except OSError:
            return cls(fresh)
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            log.info("Another bot process uses %s; this one runs as %s", data_dir, fresh)
            return cls(fresh)
        path = data_dir / ID_FILE
        try:
            name = path.read_text("utf-8").strip()[:64]
        except OSError:
            name = ""
        if not name:
            name = fresh
            with contextlib.suppress(OSError):
                path.write_text(name + "\n", "utf-8")
        return cls(name, lock)

    def release(self) -> None:
        """Give the name up (as the kernel does when the process dies)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def alive_after(now: datetime, lease: timedelta) -> datetime:
    """Leases renewed before this moment belong to dead processes."""
    return now - lease


async def renew(conn: AsyncConnection, instance: str, now: datetime, *, started: bool = False) -> None:
    """Renew (or take out) the lease of ``instance``; portable (an UPDATE, then an INSERT if none)."""
    values: dict[str, object] = {"renewed_at": now}
    if started:
        values.update(started_at=now, host=socket.gethostname()[:128], pid=os.getpid())
    result = await conn.execute(update(_instances).where(_instances.c.id == instance).values(**values))
    if result.rowcount:
        return
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(_instances).values(
                    id=instance, host=socket.gethostname()[:128], pid=os.getpid(), started_at=now, renewed_at=now
                )
            )
    except IntegrityError:  # taken out concurrently by the same name: it is renewed either way
        await conn.execute(update(_instances).where(_instances.c.id == instance).values(renewed_at=now))


async def take_back(conn: AsyncConnection, instance: str, now: datetime) -> int:
    """Rows this instance claimed in an earlier life (before a crash) become pending again at once,
    keeping their place in line; how many."""
    result = await conn.execute(
        update(_outbox)
        .where(_outbox.c.status == SENDING, _outbox.c.claimed_by == instance)
        .values(status=PENDING, claimed_by=None, claimed_at=None)
    )
    return int(result.rowcount or 0)


class Lease:
    """This process's lease, renewed in the background while it runs."""

    def __init__(self, db: Database, clock: Clock, instance: str, seconds: float) -> None:
        self.db = db
        self.clock = clock
        self.instance = instance
        self.duration = timedelta(seconds=seconds)
        self._task: asyncio.Task[None] | None = None
        self.taken_back = 0

    async def start(self) -> int:
        """Take out the lease, take back this instance's earlier claims, start renewing; rows taken back."""
        async with self.db.transaction() as conn:
            await renew(conn, self.instance, self.clock.now(), started=True)
            self.taken_back = await take_back(conn, self.instance, self.clock.now())
        if self.taken_back:
            log.info("Took back %d unsent messages claimed before a restart", self.taken_back)
        self._task = asyncio.create_task(self._renew_forever(), name="delivery-lease")
        return self.taken_back

    async def renew(self) -> None:
        async with self.db.transaction() as conn:
            await renew(conn, self.instance, self.clock.now())

    async def _renew_forever(self) -> None:
        interval = self.duration.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self.renew()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Could not renew this process's delivery lease; will try again", exc_info=True)

    async def stop(self) -> None:
        """Stop renewing and give the lease up (a clean stop: nothing of ours is claimed any more)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            async with self.db.transaction() as conn:
                await take_back(conn, self.instance, self.clock.now())
                await conn.execute(delete(_instances).where(_instances.c.id == self.instance))

    def abandon(self) -> None:
        """Stop renewing without a word to the database (what kill -9 does; tests use it)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
