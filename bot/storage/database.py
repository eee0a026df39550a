"""The async engine and session factory; SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite
from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 0.5  # seconds between the checkpointer's passes


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


T = TypeVar("T")
P = ParamSpec("P")


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite's connection, with SQLite's calls made right in the event loop's thread.

    aiosqlite hands every call to a thread of its own and back (a statement takes three: cursor,
    execute, fetch), which costs about 90 µs of CPU per call — more than most statements themselves
    and, for a message answered alone, most of its cost. Here the calls run in place: SQLite answers
    in microseconds, and nothing in this process makes a call wait — one connection writes (writers
    queue in asyncio), readers never wait in WAL mode, and a commit does not sync to disk
    (``synchronous=NORMAL``). Another process writing at the same moment (a command-line tool) is
    waited for in asyncio, not here: see ``Database._begun``. The connection's own thread still opens
    and closes the database.
    """

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_creator(url: URL, own_transactions: bool = False) -> Callable[[], InlineSQLite]:
    """Connections opened with the arguments SQLAlchemy's aiosqlite dialect would use for ``url``
    (``own_transactions``: the driver opens none; see ``Database._begun``)."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)
    if own_transactions:
        kwargs = {**kwargs, "isolation_level": None}

    def connect() -> InlineSQLite:
        return InlineSQLite(lambda: sqlite3.connect(*args, **kwargs), 64)

    return connect


class DatabaseLocked(Exception):
    """Another process held the SQLite database's write lock longer than ``lock_timeout``."""


LOCK_TIMEOUT = 30.0  # seconds a write waits for another process's lock on the database file
_LOCK_POLL_FIRST = 0.01  # seconds between tries for the lock, growing to…
_LOCK_POLL_MAX = 0.25


def _writer_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite's busy handler would wait in this thread, the event loop's: never; the wait is asyncio's
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


def _is_locked(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        exc = exc.orig or exc
    return isinstance(exc, sqlite3.OperationalError) and (
        "database is locked" in str(exc) or "database is busy" in str(exc)
    )


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class WalCheckpointer:
    """Copies committed pages from the write-ahead log into the database file, in a thread of its own.

    SQLite's automatic checkpoint runs inside the commit that crosses its threshold and waits for the
    disk twice (tens of milliseconds on a virtual machine's disk, far more on a busy one); with the
    bot's statements made in the event loop's thread, every conversation would wait with it. The
    bot's connections therefore leave checkpoints to this thread. A ``PASSIVE`` checkpoint never
    blocks writers or readers; SQLite releases the interpreter's lock while it works.
    """

    def __init__(self, path: str, every: float | None = None) -> None:
        self.path = path
        self.every = every or CHECKPOINT_EVERY
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._connection: sqlite3.Connection | None = None
        self._thread.start()

    def checkpoint(self) -> tuple[int, int, int]:
        """One pass: (busy, pages in the log, pages copied), as ``PRAGMA wal_checkpoint`` reports."""
        if self._connection is None:
            if not Path(self.path).exists():
                return (0, 0, 0)  # nothing written yet (the migrations create the file)
            self._connection = sqlite3.connect(self.path, check_same_thread=False)
        row = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return (int(row[0]), int(row[1]), int(row[2]))

    def stop(self) -> None:
        """Stop the thread after its current pass and close its connection."""
        self._stop.set()
        self._thread.join()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.checkpoint()
            except Exception as exc:  # the thread must live on: without it the log only grows
                log.warning("SQLite checkpoint failed (%s); trying again", exc)


def private_dir(path: Path) -> None:
    """Create ``path`` readable by this user only (0700); an existing one open to others is closed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_file(path: Path) -> None:
    """Create the database file readable by this user only (0600) before SQLite opens it; SQLite gives
    its -wal and -shm files the same permissions."""
    if not path.parent.exists():
        private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            _tighten(each, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        current = path.stat().st_mode & 0o777
        if current & 0o077 and path.stat().st_uid == os.getuid():
            os.chmod(path, mode)
            log.info("Closed %s to other users (mode %o -> %o)", path, current, mode)
    except FileNotFoundError:
        pass


def create_engine(url: str, echo: bool = False, readers: int = 0, own_transactions: bool = False) -> AsyncEngine:
    """An engine for ``url``. For SQLite, ``readers=0`` gives the single writing connection (SQLite
    lets one writer in at a time, so writers queue in asyncio instead of spinning in SQLite's busy
    handler); ``readers>0`` gives a pool of that many connections for reading (WAL lets them run
    beside the writer)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            private_file(Path(parsed.database))
        options: dict[str, object] = {"isolation_level": "AUTOCOMMIT"} if readers else {}
        options["async_creator"] = _inline_creator(parsed, own_transactions and not readers)
        engine = create_async_engine(
            url, echo=echo, pool_size=max(1, readers), max_overflow=0, pool_timeout=60, pool_reset_on_return=None,
            **options,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


class Database:
    """One engine and its session factory for the whole process."""

    def __init__(self, url: str, echo: bool = False, lock_timeout: float | None = None) -> None:
        self.url = url
        self.lock_timeout = lock_timeout or LOCK_TIMEOUT
        database = make_url(url).database
        on_disk = bool(database) and database != ":memory:" and not str(database).startswith("file:")
        self.engine = create_engine(url, echo=echo, own_transactions=on_disk)
        self.reader = create_engine(url, echo=echo, readers=4) if self.engine.dialect.name == "sqlite" else self.engine
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.checkpointer: WalCheckpointer | None = None
        # SQLite lets one writer in at a time: in this process writers take turns here (PostgreSQL
        # takes many at once)
        self._writing: AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if self.is_sqlite else nullcontext()
        )
        self._direct: Engine | None = None  # run_in_transaction's plain connection (a database file)
        self._on_disk = self.is_sqlite and on_disk
        if self._on_disk:
            assert database is not None
            self._direct = create_sync_engine(
                make_url(url).set(drivername="sqlite+pysqlite"), echo=echo, pool_size=1, max_overflow=0,
                pool_reset_on_return=None, connect_args={"isolation_level": None},
            )
            event.listen(self._direct, "connect", _sqlite_pragmas)
            for engine in (self.engine.sync_engine, self.reader.sync_engine, self._direct):
                event.listen(engine, "connect", _no_autocheckpoint)
            # another process (a command-line tool, a second instance) may hold the file's write lock:
            # writers here wait for it in asyncio, never in SQLite's busy handler (see _begun)
            for engine in (self.engine.sync_engine, self._direct):
                event.listen(engine, "connect", _writer_pragmas)
            self.checkpointer = WalCheckpointer(database)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        if not self._on_disk:
            async with self._writing, self.sessions() as session, session.begin():
                yield session
            return
        async with self._writing:
            conn, raw = await self._when_unlocked(self._begun)
            try:
                async with self.sessions(bind=conn) as session, session.begin():
                    yield session
            finally:
                await self._end(conn, raw)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection in a transaction: committed on success, rolled back on error."""
        if not self._on_disk:
            async with self._writing, self.engine.begin() as conn:
                yield conn
            return
        async with self._writing:
            conn, raw = await self._when_unlocked(self._begun)
            try:
                async with conn.begin():
                    yield conn
            finally:
                await self._end(conn, raw)

    async def _begun(self) -> tuple[AsyncConnection, sqlite3.Connection]:
        """A writer connection whose transaction holds the file's write lock (``BEGIN IMMEDIATE``: in
        WAL mode nothing later in it waits for another process). SQLAlchemy's begin after it is a
        no-op for SQLite's drivers, and its commit or rollback ends this transaction."""
        conn = await self.engine.connect()
        try:
            driver = (await conn.get_raw_connection()).driver_connection
            raw: sqlite3.Connection = driver._connection
            raw.execute("BEGIN IMMEDIATE")
        except BaseException:
            await conn.close()
            raise
        return conn, raw

    @staticmethod
    async def _end(conn: AsyncConnection, raw: sqlite3.Connection) -> None:
        if raw.in_transaction:  # a commit that failed: never hand a connection on inside a transaction
            raw.rollback()
        await conn.close()

    async def _when_unlocked(self, enter: Callable[[], Awaitable[T]]) -> T:
        """``enter()``, tried again in asyncio (the loop stays free) while another process holds the
        database file's write lock; DatabaseLocked after ``lock_timeout`` seconds."""
        try:
            return await enter()  # the common case: no other process in the way
        except Exception as exc:
            if not _is_locked(exc):
                raise
        loop = asyncio.get_running_loop()
        started = loop.time()
        pause = _LOCK_POLL_FIRST
        warned = False
        while True:
            waited = loop.time() - started
            if waited >= self.lock_timeout:
                log.error("The database file is locked by another process for %.0f s (database.lock_timeout); "
                          "this write is given up and will be tried again", waited)
                raise DatabaseLocked(f"the database file stayed locked by another process for {waited:.0f} s")
            if not warned and waited >= 1.0:
                log.warning("The database file is locked by another process; writes wait (the bot stays responsive)")
                warned = True
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LOCK_POLL_MAX)
            try:
                return await enter()
            except Exception as exc:
                if not _is_locked(exc):
                    raise

    async def retry_when_locked(self, work: Callable[[], Awaitable[T]]) -> T:
        """``work()`` (a whole transaction of its own, e.g. the migrations), tried again while another
        process holds the database file's write lock."""
        if not self._on_disk:
            return await work()
        return await self._when_unlocked(work)

    async def run_in_transaction(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``fn(conn, ...)`` with a synchronous connection, in one transaction (committed on success).

        For the busiest writes. Through an ``AsyncConnection`` every step (check-out, begin, each
        statement, each cursor call, commit) is a coroutine run from a greenlet, about 30 switches
        for a small transaction, and that layering cost more than SQLite's own work. A database file
        is written here through a plain synchronous connection of its own, in place (as
        ``InlineSQLite`` does; see there why that never makes the event loop wait), taking its turn
        with the other writers of this process. PostgreSQL runs the whole transaction in one greenlet.
        """
        if self._direct is None:
            return await greenlet_spawn(self._in_transaction, fn, *args, **kwargs)
        async with self._writing:
            conn = await self._when_unlocked(self._direct_begun)
            raw = conn.connection.dbapi_connection
            try:
                with conn.begin():
                    return fn(conn, *args, **kwargs)
            finally:
                if raw is not None and raw.in_transaction:
                    raw.rollback()
                conn.close()

    async def _direct_begun(self) -> Connection:
        assert self._direct is not None
        conn = self._direct.connect()
        try:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("BEGIN IMMEDIATE")
        except BaseException:
            conn.close()
            raise
        return conn

    def _in_transaction(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.engine.sync_engine.begin() as conn:
            return fn(conn, *args, **kwargs)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading only, without a transaction (SQLite: beside the writer)."""
        async with self.reader.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self._direct is not None:
            self._direct.dispose()
        await self.engine.dispose()
        if self.reader is not self.engine:
            await self.reader.dispose()
