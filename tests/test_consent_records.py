"""Consent records: append-only trail, latest state per subject, per person across accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.consent import records
from bot.dialogue.messages import UserRef
from bot.people import repository as people
from bot.storage import Database, upgrade
from bot.storage.models import ConsentRow

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_give_withdraw_give_keeps_every_row(db_url: str) -> None:
    db = Database(db_url)
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


async def test_report_counts_opt_ins_and_opt_outs_in_people(db_url: str) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from bot.reports.data import Period
    from bot.reports.optional import consents

    db = Database(db_url)
    period = Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Europe/Moscow"))
    before, inside = datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)
    try:
        await upgrade(db.engine)
        async with db.transaction() as conn:
            assert await consents(conn, period, 10) is None  # nobody answered yet: «нет данных»
            ids = [(await people.create_account(conn, UserRef("telegram", str(n)), T0)).person_id for n in range(4)]

            async def give(pid: int, subject: str, granted: bool, at: datetime) -> None:
                await records.record(conn, person_id=pid, subject=subject, granted=granted, channel="telegram",
                                     wording_version="v", at=at, source="test")

            await give(ids[0], records.CONTENT, True, before)  # subscribed before the period…
            await give(ids[0], records.CONTENT, False, inside)  # …and left in it
            await give(ids[1], records.CONTENT, True, inside)
            await give(ids[1], records.TRIGGER, True, inside)  # one person, two kinds: counted once in all
            await give(ids[2], "topic:business-registration", True, inside)
            await give(ids[3], records.CONTENT, False, inside)  # never subscribed: not an opt-out
            await give(ids[3], records.PERSONAL_DATA, True, inside)  # not a notification consent
            found = await consents(conn, period, 10)
    finally:
        await db.dispose()
    assert found is not None
    assert (found.given, found.revoked, found.active_before, found.people) == (2, 1, 1, 10)
    kinds = {k.name: (k.given, k.revoked, k.active_at_end) for k in found.kinds}
    assert kinds == {
        "Новые услуги и меры поддержки": (1, 1, 1),
        "Статус обращений": (0, 0, 0),
        "Напоминания и приглашения оценить": (1, 0, 1),
        "Подписки на темы": (1, 0, 1),
    }
