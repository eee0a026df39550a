"""A person's notification preferences: defaults from the config, overrides in ``notification_settings``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import NotificationsSection
from bot.notify.timing import parse_hhmm, zone
from bot.storage.models import NotificationSettings

FREQUENCIES = ("immediate", "daily", "weekly")
_table = NotificationSettings.__table__


@dataclass(frozen=True, slots=True)
class Defaults:
    timezone: str
    quiet_from: int | None
    quiet_to: int | None
    digest_hour: int = 10
    digest_weekday: int = 0

    @classmethod
    def from_config(cls, section: NotificationsSection, bot_timezone: str) -> Defaults:
        q_from, q_to = parse_hhmm(section.quiet_from), parse_hhmm(section.quiet_to)
        return cls(
            section.timezone or bot_timezone,
            None if q_from == q_to else q_from,
            None if q_from == q_to else q_to,
            section.digest_hour,
            section.digest_weekday,
        )


@dataclass(frozen=True, slots=True)
class Prefs:
    frequency: str
    quiet_from: int | None
    quiet_to: int | None
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone, "UTC")


def resolve(
    defaults: Defaults, frequency: str | None, quiet_from: int | None, quiet_to: int | None, tz: str | None,
    stored: bool,
) -> Prefs:
    """Stored values over defaults. Quiet hours stored as -1/-1 mean "none"."""
    if not stored:
        return Prefs("immediate", defaults.quiet_from, defaults.quiet_to, defaults.timezone)
    if quiet_from is None or quiet_to is None:
        q_from, q_to = defaults.quiet_from, defaults.quiet_to
    elif quiet_from < 0:
        q_from = q_to = None
    else:
        q_from, q_to = quiet_from, quiet_to
    return Prefs(frequency or "immediate", q_from, q_to, tz or defaults.timezone)


async def load(conn: AsyncConnection, person_id: int, defaults: Defaults) -> Prefs:
    row = (await conn.execute(select(_table).where(_table.c.person_id == person_id))).first()
    if row is None:
        return resolve(defaults, None, None, None, None, stored=False)
    return resolve(defaults, row.frequency, row.quiet_from, row.quiet_to, row.timezone, stored=True)


async def change(conn: AsyncConnection, person_id: int, now: datetime, **values: object) -> None:
    """Set some of frequency, quiet_from, quiet_to, timezone for a person."""
    exists = await conn.scalar(select(_table.c.person_id).where(_table.c.person_id == person_id))
    if exists is None:
        await conn.execute(insert(_table).values(person_id=person_id, frequency="immediate", updated_at=now))
    await conn.execute(update(_table).where(_table.c.person_id == person_id).values(updated_at=now, **values))
