"""``INSERT … ON CONFLICT DO NOTHING`` in the dialect of the connection (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_if_absent(conn: AsyncConnection, model: Any, **values: Any) -> bool:
    """Insert the row unless its key exists; whether it was inserted (a concurrent insert loses)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    result = await conn.execute(dialect.insert(model).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)
