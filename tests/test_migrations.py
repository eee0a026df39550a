"""Alembic: every migration goes up and down cleanly (a "stairway"), and the schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.storage import Database, current_revision, downgrade, upgrade
from bot.storage.migrate import alembic_config, head_revision
from bot.storage.models import Base


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


async def test_stairway_up_and_down(db_url: str) -> None:
    database = Database(db_url)
    try:
        previous = "base"
        for revision in _revisions():
            await upgrade(database.engine, revision)
            assert await current_revision(database.engine) == revision
            await downgrade(database.engine, previous)
            await upgrade(database.engine, revision)
            previous = revision
        assert await current_revision(database.engine) == head_revision()
    finally:
        await database.dispose()


async def test_migrated_schema_matches_models(db_url: str) -> None:
    database = Database(db_url)
    try:
        await upgrade(database.engine)

        def diff(connection):
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)

        async with database.engine.connect() as conn:
            differences = await conn.run_sync(diff)
        assert differences == []
    finally:
        await database.dispose()


def test_db_upgrade_command(db_url: str) -> None:
    import os

    from bot.cli import main

    os.environ["BOT_DATABASE__URL"] = db_url
    try:
        assert main(["db", "upgrade"]) == 0
        assert main(["db", "current"]) == 0
        assert main(["db", "downgrade", "base"]) == 0
    finally:
        del os.environ["BOT_DATABASE__URL"]
