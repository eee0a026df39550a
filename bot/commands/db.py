"""``bot db``: apply, revert and inspect migrations."""

from __future__ import annotations

from bot.config import Settings
from bot.storage import Database, current_revision, downgrade, upgrade
from bot.storage.migrate import head_revision


async def run_db(command: str, revision: str | None, settings: Settings) -> int:
    database = Database(settings.database_url)
    try:
        if command == "upgrade":
            await upgrade(database.engine)
            current = await current_revision(database.engine)
            print(f"Database is at revision {current} (head {head_revision()})")
        elif command == "downgrade":
            await downgrade(database.engine, revision or "-1")
            print(f"Database is at revision {await current_revision(database.engine) or 'base (empty)'}")
        else:
            current = await current_revision(database.engine)
            state = "up to date" if current == head_revision() else f"head is {head_revision()}"
            print(f"{current or 'base (empty)'} ({state})")
    finally:
        await database.dispose()
    return 0
