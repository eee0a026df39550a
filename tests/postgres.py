"""Throwaway PostgreSQL databases for the tests, on the server named by BOT_TEST_POSTGRES_URL.

The variable is a server URL where the tests may create and drop databases, e.g.
``postgresql://postgres@127.0.0.1:5432/postgres`` (``.ci/postgres-server`` starts such a server).
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("BOT_TEST_POSTGRES_URL", "")  # read at import: the tests' fixtures clear BOT_*
T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to the end in a thread of its own (a test's event loop may be running here)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _server_dsn(database: str | None = None) -> str:
    url = make_url(SERVER_URL).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


async def _execute(sql: str) -> None:
    conn = await asyncpg.connect(_server_dsn())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database() -> str:
    """A new empty database; returns its SQLAlchemy URL (asyncpg driver)."""
    name = f"bot_test_{uuid.uuid4().hex[:16]}"
    _run(_execute(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER_URL).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    _run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
