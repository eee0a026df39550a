"""Consent records: append-only trail, latest state per subject, per person across accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.consent import records
from bot.dialogue.messages import UserRef
from bot.people import repository as people
from bot.storage import Database, upgrade
from bot.storage.models import ConsentRow

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_give_withdraw_give_keeps_every_row(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}")
    try:
        await upgrade(db.engine)
        async with db.transaction() as conn:
            account = await people.create_account(conn, UserRef("telegram", "7"), T0)
            pid = account.person_id
            assert await records.current(conn, pid) == {}
            assert not await records.has(conn, pid, records.CONTENT)
            for n, granted in enumerate([True, False, True]):
                await records.record(
                    conn, person_id=pid, subject=records.CONTENT, granted=granted, channel="telegram",
                    wording_version="notify-v1", at=T0 + timedelta(minutes=n), source="settings",
                )
            await records.record(
                conn, person_id=pid, subject=records.TRIGGER, granted=False, channel="vk",
                wording_version="notify-v1", at=T0, source="stop",
            )
            assert await records.has(conn, pid, records.CONTENT)
            assert not await records.has(conn, pid, records.TRIGGER)
            assert await records.current(conn, pid) == {records.CONTENT: True, records.TRIGGER: False}
            assert await conn.scalar(select(func.count()).select_from(ConsentRow.__table__)) == 4
            trail = await records.history(conn, pid)
            assert [r.granted for r in trail] == [True, False, True, False]
            assert trail[0].wording_version == "notify-v1" and trail[-1].channel == "vk"
            other = await people.create_account(conn, UserRef("telegram", "8"), T0)
            assert await records.current(conn, other.person_id) == {}
    finally:
        await db.dispose()


def test_topic_subject_fits_the_column() -> None:
    assert records.topic_subject("business-start") == "topic:business-start"
    assert len(records.topic_subject("x" * 200)) == records.MAX_SUBJECT
