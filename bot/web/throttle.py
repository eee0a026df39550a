"""Login throttling: after several failures for one login or from one address, a pause.

The failures are counted from the audit log (every failed login is recorded there with its address),
so all console processes on one database share the count and a restart does not reset it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import AuditRecord

ADDRESS_FACTOR = 4  # an address (maybe a proxy or an office behind one) may fail this many times more
_audit = AuditRecord.__table__


class LoginThrottle:
    """Failures within ``window`` are counted per login and per address; at the limit, further attempts
    are refused until the oldest of those failures leaves the window. A login pauses after ``limit``
    failures since its last successful login, an address after ``ADDRESS_FACTOR`` times as many, whatever
    logins were tried (many colleagues may share one)."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window

    async def wait(self, conn: AsyncConnection, login: str, address: str, now: datetime) -> timedelta | None:
        """How long this login from this address must wait before another attempt, or None."""
        since = now - self.window
        failed = (_audit.c.action == "login_failed") & (_audit.c.at > since)
        waits: list[timedelta] = []
        if login:
            same = func.lower(_audit.c.login) == login.lower()
            last_ok = await conn.scalar(
                select(func.max(_audit.c.at)).where(_audit.c.action == "login", same, _audit.c.at > since)
            )
            after = failed & same & (_audit.c.at > last_ok) if last_ok is not None else failed & same
            waits.append(await self._wait(conn, after, self.limit, now))
        if address:
            from_there = failed & (_audit.c.address == address)
            waits.append(await self._wait(conn, from_there, self.limit * ADDRESS_FACTOR, now))
        found = [w for w in waits if w is not None]
        return max(found) if found else None

    async def _wait(
        self, conn: AsyncConnection, where: ColumnElement[bool], limit: int, now: datetime
    ) -> timedelta | None:
        count, oldest = (await conn.execute(select(func.count(), func.min(_audit.c.at)).where(where))).one()
        if count < limit or oldest is None:
            return None
        return max(oldest + self.window - now, timedelta(seconds=1))
