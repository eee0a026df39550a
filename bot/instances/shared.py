"""Values generated once and kept in the database, so that every instance uses the same."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.instances.upsert import insert_if_absent
from bot.storage.models import SharedValue


async def get_or_create(conn: AsyncConnection, name: str, make: Callable[[], str]) -> str:
    """The stored value ``name``; stored first from ``make()`` if absent (a concurrent first one wins)."""
    found = await conn.scalar(select(SharedValue.value).where(SharedValue.name == name))
    if found is not None:
        return found
    await insert_if_absent(conn, SharedValue, name=name, value=make())
    value = await conn.scalar(select(SharedValue.value).where(SharedValue.name == name))
    assert value is not None
    return value
