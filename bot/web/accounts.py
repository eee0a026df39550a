"""Console accounts: argon2 password hashes, roles, switching accounts off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import StaffSession, StaffUser
from bot.web.roles import ROLE_NAMES, ROLES

LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
_users = StaffUser.__table__
_sessions = StaffSession.__table__
# Verified against when the login does not exist, so a wrong login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anybody")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is Russian, for the admin."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    login: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


def _user(row: object) -> User:
    return User(row.id, row.login, row.role, row.active, row.created_at, row.last_login_at)  # type: ignore[attr-defined]


def check_login(login: str) -> str:
    login = login.strip()
    if not LOGIN_RE.match(login):
        raise AccountError("Логин: от 2 до 64 латинских букв, цифр и знаков . _ @ -")
    return login


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Пароль слишком короткий: нужно не меньше {MIN_PASSWORD} символов")
    if password.strip() != password:
        raise AccountError("Пароль не должен начинаться или заканчиваться пробелом")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Неизвестная роль {role!r}: используйте {', '.join(ROLES)}")
    return role


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def add_user(conn: AsyncConnection, login: str, password: str, role: str, now: datetime) -> int:
    login, role = check_login(login), check_role(role)
    check_password(password)
    if await find(conn, login) is not None:
        raise AccountError(f"Учётная запись {login} уже есть")
    result = await conn.execute(
        _users.insert()
        .values(login=login, password_hash=hash_password(password), role=role, active=True, created_at=now)
        .returning(_users.c.id)
    )
    return int(result.scalar_one())


async def find(conn: AsyncConnection, login: str) -> User | None:
    row = (await conn.execute(select(_users).where(_users.c.login == login))).first()
    return _user(row) if row is not None else None


async def get(conn: AsyncConnection, user_id: int) -> User | None:
    row = (await conn.execute(select(_users).where(_users.c.id == user_id))).first()
    return _user(row) if row is not None else None


async def listing(conn: AsyncConnection) -> list[User]:
    return [_user(r) for r in await conn.execute(select(_users).order_by(_users.c.login))]


async def authenticate(conn: AsyncConnection, login: str, password: str, now: datetime) -> User | None:
    """The active account with this login and password, or None (same time spent either way)."""
    row = (await conn.execute(select(_users).where(_users.c.login == login.strip()))).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    values: dict[str, object] = {"last_login_at": now}
    if _hasher.check_needs_rehash(stored):
        values["password_hash"] = hash_password(password)
    await conn.execute(update(_users).where(_users.c.id == row.id).values(**values))
    return _user(row)


async def set_active(conn: AsyncConnection, user_id: int, active: bool) -> None:
    await conn.execute(update(_users).where(_users.c.id == user_id).values(active=active))
    if not active:  # signed out everywhere at once
        await conn.execute(_sessions.delete().where(_sessions.c.user_id == user_id))


async def set_role(conn: AsyncConnection, user_id: int, role: str) -> None:
    await conn.execute(update(_users).where(_users.c.id == user_id).values(role=check_role(role)))


async def set_password(conn: AsyncConnection, user_id: int, password: str) -> None:
    check_password(password)
    await conn.execute(update(_users).where(_users.c.id == user_id).values(password_hash=hash_password(password)))
    await conn.execute(_sessions.delete().where(_sessions.c.user_id == user_id))


async def active_admins(conn: AsyncConnection) -> int:
    rows = await conn.execute(select(_users.c.id).where(_users.c.role == "admin", _users.c.active))
    return len(rows.all())
