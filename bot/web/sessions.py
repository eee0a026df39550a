"""Console sessions kept in the database: the cookie holds a random token, the table its SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import StaffSession, StaffUser
from bot.web.accounts import User, _user

COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login"
TOUCH_EVERY = timedelta(minutes=1)
_sessions = StaffSession.__table__
_users = StaffUser.__table__


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    user: User
    csrf: str


async def start(conn: AsyncConnection, user_id: int, now: datetime, idle: timedelta) -> str:
    """A new session; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    await conn.execute(_sessions.insert().values(
        token_hash=_digest(token), user_id=user_id, csrf=secrets.token_urlsafe(32), created_at=now, seen_at=now,
        expires_at=now + idle,
    ))
    await conn.execute(_sessions.delete().where(_sessions.c.expires_at < now))
    return token


async def lookup(conn: AsyncConnection, token: str, now: datetime, idle: timedelta) -> Session | None:
    """The live session of an active account for this token; its idle timer is restarted."""
    if not token:
        return None
    row = (
        await conn.execute(
            select(_sessions.c.id, _sessions.c.csrf, _sessions.c.seen_at, _users)
            .join(_users, _users.c.id == _sessions.c.user_id)
            .where(_sessions.c.token_hash == _digest(token), _sessions.c.expires_at > now, _users.c.active)
        )
    ).first()
    if row is None:
        return None
    if now - row.seen_at >= TOUCH_EVERY:
        await conn.execute(
            update(_sessions).where(_sessions.c.id == row[0]).values(seen_at=now, expires_at=now + idle)
        )
    return Session(row[0], _user(row), row.csrf)


async def end(conn: AsyncConnection, token: str) -> None:
    await conn.execute(_sessions.delete().where(_sessions.c.token_hash == _digest(token)))
