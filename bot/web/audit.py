"""The console's audit log: who did what, when and from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import AuditRecord

_audit = AuditRecord.__table__

ACTION_NAMES = {
    "login": "вход", "login_failed": "неудачный вход", "logout": "выход", "user_added": "добавлена учётная запись",
    "user_disabled": "учётная запись отключена", "user_enabled": "учётная запись включена",
    "role_changed": "изменена роль", "password_set": "задан пароль", "kb_published": "опубликована статья",
    "cluster_dismissed": "группа вопросов скрыта", "broadcast_created": "создана рассылка",
    "broadcast_scheduled": "рассылка запланирована", "broadcast_cancelled": "рассылка отменена",
}


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    login: str
    action: str
    target: str | None
    detail: str | None
    address: str | None

    @property
    def action_name(self) -> str:
        return ACTION_NAMES.get(self.action, self.action)


async def record(conn: AsyncConnection, now: datetime, login: str, action: str, target: str | None = None,
                 detail: str | None = None, address: str | None = None) -> None:
    await conn.execute(_audit.insert().values(
        at=now, login=login[:64], action=action, target=(target or "")[:128] or None, detail=detail,
        address=(address or "")[:64] or None,
    ))


async def recent(conn: AsyncConnection, limit: int = 100) -> list[AuditLine]:
    rows = await conn.execute(select(_audit).order_by(_audit.c.id.desc()).limit(limit))
    return [AuditLine(r.at, r.login, r.action, r.target, r.detail, r.address) for r in rows]
