"""The async engine and session factory; SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite
from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
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
    (``synchronous=NORMAL``). Only another process writing at the same moment (a command-line tool)
    can hold the bot for the length of its transaction. The connection's own thread still opens and
    closes the database.
    """

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_creator(url: URL) -> Callable[[], InlineSQLite]:
    """Connections opened with the arguments SQLAlchemy's aiosqlite dialect would use for ``url``."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)

    def connect() -> InlineSQLite:
        return InlineSQLite(lambda: sqlite3.connect(*args, **kwargs), 64)

    return connect


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


def create_engine(url: str, echo: bool = False, readers: int = 0) -> AsyncEngine:
    """An engine for ``url``. For SQLite, ``readers=0`` gives the single writing connection (SQLite
    lets one writer in at a time, so writers queue in asyncio instead of spinning in SQLite's busy
    handler); ``readers>0`` gives a pool of that many connections for reading (WAL lets them run
    beside the writer)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            private_file(Path(parsed.database))
        options: dict[str, object] = {"isolation_level": "AUTOCOMMIT"} if readers else {}
        options["async_creator"] = _inline_creator(parsed)
        engine = create_async_engine(
            url, echo=echo, pool_size=max(1, readers), max_overflow=0, pool_timeout=60, pool_reset_on_return=None,
            **options,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


class Database:
    """One engine and its session factory for the whole process."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.reader = create_engine(url, echo=echo, readers=4) if self.engine.dialect.name == "sqlite" else self.engine
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.checkpointer: WalCheckpointer | None = None
        # SQLite lets one writer in at a time: in this process writers take turns here (PostgreSQL
        # takes many at once)
        self._writing: AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if self.is_sqlite else nullcontext()
        )
        self._direct: Engine | None = None  # run_in_transaction's plain connection (a database file)
        database = make_url(url).database
        if self.is_sqlite and database and database != ":memory:" and not database.startswith("file:"):
            self._direct = create_sync_engine(
                make_url(url).set(drivername="sqlite+pysqlite"), echo=echo, pool_size=1, max_overflow=0,
                pool_reset_on_return=None,
            )
            event.listen(self._direct, "connect", _sqlite_pragmas)
            for engine in (self.engine.sync_engine, self.reader.sync_engine, self._direct):
                event.listen(engine, "connect", _no_autocheckpoint)
            self.checkpointer = WalCheckpointer(database)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self._writing, self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection in a transaction: committed on success, rolled back on error."""
        async with self._writing, self.engine.begin() as conn:
            yield conn

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
            with self._direct.begin() as conn:
                return fn(conn, *args, **kwargs)

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
