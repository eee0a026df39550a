"""A SQLite write lock held by another process (a command-line tool, a second instance) never freezes
the event loop: writes wait in asyncio, then go through; past ``lock_timeout`` they fail with a clear log."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage import Database
from bot.storage.database import DatabaseLocked

HOLD = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO t VALUES (1)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
"""


async def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = await asyncio.to_thread(proc.stdout.readline)
    assert line.strip() == "locked"
    return proc


class Ticker:
    """The longest the event loop went without running a 10 ms timer."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            now = loop.time()
            self.longest = max(self.longest, now - last)
            last = now

    def stop(self) -> None:
        self._task.cancel()


@pytest.fixture
async def db(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    database = Database(f"sqlite+aiosqlite:///{path}", lock_timeout=5)
    async with database.transaction() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield database, path
    await database.dispose()


async def _count(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM t"))).scalar_one())


def _insert(conn, value: int) -> None:  # type: ignore[no-untyped-def]
    conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})


async def test_writes_wait_for_another_process_without_freezing_the_loop(db) -> None:  # type: ignore[no-untyped-def]
    database, path = db
    holder = await _hold_lock(path, 1.5)
    ticker = Ticker()
    try:
        async def core() -> None:
            async with database.transaction() as conn:
                await conn.execute(text("INSERT INTO t VALUES (2)"))

        async def orm() -> None:
            async with database.session() as session:
                await session.execute(text("INSERT INTO t VALUES (3)"))

        await asyncio.wait_for(asyncio.gather(core(), orm(), database.run_in_transaction(_insert, 4)), 20)
    finally:
        ticker.stop()
        holder.wait(10)
    assert await _count(database) == 4  # the other process's row and the three that waited for it
    assert ticker.longest < 0.5, f"the event loop stood still for {ticker.longest:.2f} s"


async def test_a_lock_held_too_long_is_a_clear_error(db, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    database, path = db
    database.lock_timeout = 0.5
    holder = await _hold_lock(path, 2.0)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.storage.database"), pytest.raises(DatabaseLocked):
            async with database.transaction() as conn:
                await conn.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        holder.wait(10)
    assert any("locked by another process" in r.getMessage() and "lock_timeout" in r.getMessage()
               for r in caplog.records)
    async with database.transaction() as conn:  # free again: writes go through
        await conn.execute(text("INSERT INTO t VALUES (5)"))
    assert await _count(database) == 2
