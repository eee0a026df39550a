"""Alembic migrations driven from the bot: ``bot db upgrade`` and the check at start-up.

Several instances may start at once on one database: on PostgreSQL the migrations run under a
transaction-level advisory lock (taken in ``migrations/env.py``), on a SQLite file under a lock file
beside it, so the first instance migrates and the others find the schema at head.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no lock file (run one instance there)
    fcntl = None  # type: ignore[assignment]

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
MIGRATION_LOCK_KEY = 0x626F74_6D6967  # pg_advisory_xact_lock key of the migrations ("bot" "mig")


@contextlib.asynccontextmanager
async def _migrating(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction, holding the migration lock of its database."""
    async with _file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # taken again (it counts) in migrations/env.py
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        yield conn


@contextlib.asynccontextmanager
async def _file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """For a SQLite file: hold ``<file>.migrate.lock`` (other processes and engines wait their turn)."""
    database = engine.url.database
    if fcntl is None or engine.dialect.name != "sqlite" or not database or database in (":memory:", "") \
            or database.startswith("file:"):
        yield
        return
    path = Path(database + ".migrate.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply pending migrations up to ``revision`` on the engine's database."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with _migrating(engine) as conn:
        await conn.run_sync(run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with _migrating(engine) as conn:
        await conn.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)
