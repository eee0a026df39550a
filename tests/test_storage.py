"""The SQLite engine: calls made in the event loop's thread, readers beside an open write, one writer
at a time (async transactions and plain ones alike); and the start-up heap kept out of the garbage
collector's way."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from bot.memory import settle_heap
from bot.storage import database as database_module
from bot.storage.database import Database, InlineSQLite


async def _database(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{(tmp_path / 'bot.sqlite3').as_posix()}")
    async with db.transaction() as conn:
        await conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    return db


async def test_statements_run_in_the_event_loops_thread(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        seen: list[int] = []
        async with db.transaction() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, InlineSQLite)
            await driver.create_function("whose_thread", 0, lambda: seen.append(threading.get_ident()) or 1)
            await conn.execute(text("INSERT INTO notes (body) SELECT 'привет' WHERE whose_thread() = 1"))
        assert seen == [threading.get_ident()]
        async with db.read() as conn:
            assert await conn.scalar(text("SELECT body FROM notes")) == "привет"
    finally:
        await db.dispose()


async def test_readers_are_not_held_by_an_open_write(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        async with db.read() as reader:
            assert await reader.scalar(text("PRAGMA journal_mode")) == "wal"  # the pragmas reach these connections
        async with db.transaction() as writer:
            await writer.execute(text("INSERT INTO notes (body) VALUES ('черновик')"))
            async with db.read() as reader:  # WAL: the reader sees the last commit, at once
                assert await asyncio.wait_for(reader.scalar(text("SELECT count(*) FROM notes")), 1) == 0
        async with db.read() as reader:
            assert await reader.scalar(text("SELECT count(*) FROM notes")) == 1
    finally:
        await db.dispose()


async def test_writers_take_turns_without_waiting_inside_sqlite(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        async def write(n: int) -> None:
            async with db.transaction() as conn:
                await conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": f"запись {n}"})
                await asyncio.sleep(0.01)  # the transaction stays open across a pause
                await conn.execute(text("UPDATE notes SET body = body || '!' WHERE body = :b"), {"b": f"запись {n}"})

        await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(20))), timeout=10)
        async with db.read() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM notes WHERE body LIKE '%!'")) == 20
    finally:
        await db.dispose()


async def test_plain_transactions_take_turns_with_the_other_writers(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        threads: set[int] = set()

        def add(conn: Connection, n: int) -> None:
            threads.add(threading.get_ident())
            assert isinstance(conn.connection.driver_connection, sqlite3.Connection)  # no async layers
            conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": f"простая {n}"})

        async def write(n: int) -> None:
            async with db.transaction() as conn:
                await conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": f"запись {n}"})
                await asyncio.sleep(0.01)  # holds the write across a pause: the plain ones wait their turn

        # a plain transaction that ran into an open write would wait in SQLite (10 s) or fail
        await asyncio.wait_for(
            asyncio.gather(*(write(n) for n in range(10)), *(db.run_in_transaction(add, n) for n in range(10))),
            timeout=5,
        )
        assert threads == {threading.get_ident()}
        async with db.read() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM notes")) == 20
    finally:
        await db.dispose()


def _add_rows(conn: Connection, n: int) -> None:
    conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), [{"b": f"{n}:{k}:" + "я" * 2000} for k in range(30)])


async def _write_pages(db: Database, commits: int = 60) -> None:
    """About 2000 pages of 4 KiB: past SQLite's automatic checkpoint threshold (1000 pages); by both
    kinds of writers."""
    for n in range(commits):
        if n % 2:
            await db.run_in_transaction(_add_rows, n)
            continue
        async with db.transaction() as conn:
            await conn.execute(
                text("INSERT INTO notes (body) VALUES (:b)"), [{"b": f"{n}:{k}:" + "я" * 2000} for k in range(30)]
            )


async def test_commits_never_checkpoint_in_the_event_loop(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        assert db.checkpointer is not None
        db.checkpointer.stop()  # the test makes the passes itself
        file = tmp_path / "bot.sqlite3"
        size_before = file.stat().st_size
        await _write_pages(db)
        wal_pages = (tmp_path / "bot.sqlite3-wal").stat().st_size // 4096
        assert wal_pages > 1500  # SQLite alone would have checkpointed (and synced) at 1000
        assert file.stat().st_size == size_before
        busy, logged, copied = db.checkpointer.checkpoint()
        assert (busy, copied) == (0, logged) and logged > 1500
        assert file.stat().st_size > size_before + 1000 * 4096
        async with db.read() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM notes")) == 60 * 30
    finally:
        await db.dispose()


async def test_the_checkpointer_keeps_the_log_short_by_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database_module, "CHECKPOINT_EVERY", 0.05)
    db = await _database(tmp_path)
    file = tmp_path / "bot.sqlite3"
    try:
        size_before = file.stat().st_size
        await _write_pages(db)
        for _ in range(200):  # the thread copies the pages within a few passes
            if file.stat().st_size > size_before + 1500 * 4096:
                break
            await asyncio.sleep(0.05)
        assert file.stat().st_size > size_before + 1500 * 4096
    finally:
        await db.dispose()
    assert db.checkpointer is not None and not db.checkpointer._thread.is_alive()


def test_settle_heap_exempts_what_is_alive_from_collections() -> None:
    before = gc.get_freeze_count()
    kept = [{"n": n} for n in range(1000)]
    try:
        settle_heap()
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()
