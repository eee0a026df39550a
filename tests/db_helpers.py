"""Database checks shared by the channel tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func, select

from bot.storage.models import OutboxRow


async def count(app: Any, model: Any, *where: Any) -> int:
    async with app.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def settled(app: Any, timeout: float = 10.0) -> None:
    """Wait until every outbox row has its final status."""
    deadline = time.monotonic() + timeout
    while await count(app, OutboxRow, OutboxRow.status.in_(["pending", "sending"])):
        assert time.monotonic() < deadline, "outbox never settled"
        await asyncio.sleep(0.05)
