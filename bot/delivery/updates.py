"""The platform updates already processed: recorded in the transaction that handles one, so a copy
delivered again (after a restart, a retried webhook) is recognised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import ProcessedUpdate

_updates = ProcessedUpdate.__table__


async def first_time(conn: AsyncConnection, channel: str, update_key: str, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was processed before."""
    try:
        async with conn.begin_nested():
            await conn.execute(insert(_updates).values(channel=channel, update_key=update_key, processed_at=now))
    except IntegrityError:
        return False
    return True
