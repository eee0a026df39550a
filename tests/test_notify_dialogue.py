"""Consents, /settings, /stop and reminders through the dialogue service with a real database and a
controllable clock (Monday 23.11.2026 09:00 UTC = 21:00 in Kamchatka)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.consent import records
from bot.delivery import outbox
from bot.dialogue.messages import UserRef
from bot.dialogue.state import Step
from bot.storage.models import OutboxRow, ReminderRow
from tests.conftest import DEMO_KB
from tests.dialogue_helpers import Person as Talker
from tests.test_dialogue_service import settings_for

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

KAM = ZoneInfo("Asia/Kamchatka")
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 21:00 in Kamchatka


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = settings_for(tmp_path, BOT_NOTIFICATIONS__TIMEZONE="Asia/Kamchatka",
                            BOT_NOTIFICATIONS__MAX_REMINDERS="2")
    app = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock(START))
    yield app
    await app.close()


async def person_id(app: App, talker: Talker) -> int:
    async with app.db.read() as conn:
        from bot.people import repository as people

        account = await people.find_account(conn, talker.user)
    assert account is not None
    return account.person_id


async def consents(app: App, talker: Talker) -> dict[str, bool]:
    async with app.db.read() as conn:
        return await records.current(conn, await person_id(app, talker))


async def outbox_rows(app: App) -> list:
    async with app.db.read() as conn:
        return list((await conn.execute(select(OutboxRow.__table__).where(OutboxRow.kind == "notification"))).all())


async def test_switching_a_category_on_asks_personal_data_consent_once_and_logs_everything(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "1"))
    await me.say("/settings")
    assert "Уведомления" in me.text() and "Камчатка (UTC+12)" in me.text() and "22:00–08:00" in me.text()
    await me.press("⬜ Новые услуги")
    assert "Согласны?" in me.text()
    assert await consents(app, me) == {}  # nothing recorded before the person agrees
    await me.press("Согласен(на)")
    assert "Включено: новые услуги и меры поддержки" in me.text()
    assert await consents(app, me) == {records.PERSONAL_DATA: True, records.CONTENT: True}
    await me.press("⬜ Статус моих обращений")  # no second question about personal data
    assert "Включено: статус моих обращений" in me.text()
    await me.press("✅ Новые услуги")
    assert "Отключено" in me.text()
    async with app.db.read() as conn:
        trail = await records.history(conn, await person_id(app, me))
    assert [(r.subject, r.granted, r.source) for r in trail] == [
        (records.PERSONAL_DATA, True, "settings"),
        (records.CONTENT, True, "settings"),
        (records.TRANSACTIONAL, True, "settings"),
        (records.CONTENT, False, "settings"),
    ]
    assert {r.wording_version for r in trail} == {app.settings.notifications.wording_version}
    assert {r.channel for r in trail} == {"telegram"}


async def test_declining_personal_data_switches_nothing_on(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "2"))
    await me.say("/settings")
    await me.press("⬜ Напоминания")
    await me.press("Нет")
    assert "ничего не включаю" in me.text()
    assert await consents(app, me) == {}
    await me.say("как записаться в мфц")  # the bot still answers
    assert "Это помогло?" in me.text()


async def test_settings_change_frequency_quiet_hours_zone_and_topics(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "3"))
    await me.say("/settings")
    await me.press("Частота новостей: сразу")
    assert "Новости: раз в день" in me.text()
    await me.press("Тихие часы: 22:00–08:00")
    assert "Тихие часы: 23:00–07:00" in me.text()
    await me.press("Часовой пояс")
    await me.press("Москва (UTC+3)")
    assert "Часовой пояс: Москва (UTC+3)" in me.text()
    await me.press("Темы")
    await me.press("⬜ Регистрация бизнеса")
    await me.press("Согласен(на)")
    assert await consents(app, me) == {records.PERSONAL_DATA: True, "topic:business-registration": True}
    assert "✅ Регистрация бизнеса" in me.labels()


async def test_stop_withdraws_everything_at_once_and_unsubscribe_withdraws_one(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "4"))
    await me.say("/settings")
    await me.press("⬜ Новые услуги")
    await me.press("Согласен(на)")
    await me.press("⬜ Напоминания")
    await me.press_payload("u:notify:content")
    assert "вы отписались" in me.text()
    assert (await consents(app, me))[records.CONTENT] is False
    await me.press_payload("u:notify:content")
    assert "уже отписаны" in me.text()
    await me.say("/stop")
    assert "все уведомления и подписки отключены" in me.text()
    state = await consents(app, me)
    assert state[records.TRIGGER] is False and state[records.PERSONAL_DATA] is True
    await me.say("/stop")
    assert "и так выключены" in me.text()


async def test_reminder_from_an_answer_in_the_persons_time_zone(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "5"))
    await me.say("как записаться в мфц")
    await me.press("🔔 Напомнить?")
    assert "Когда напомнить" in me.text() and "Камчатка" in me.text()
    await me.say("сегодня в 8")
    assert "уже прошло" in me.text()
    await me.say("через 500 дней")
    assert "в пределах года" in me.text()
    await me.say("завтра в 10")
    assert "Напомню 24.11.2026 10:00" in me.text()
    rows = await outbox_rows(app)
    assert len(rows) == 1
    row = rows[0]
    assert row.due_at == datetime(2026, 11, 24, 10, 0, tzinfo=KAM)
    assert row.consent == records.TRIGGER and row.status == outbox.PENDING and row.ref.startswith("reminder:")
    payload, _ = outbox.decode(row.payload)
    assert "Напоминание: Как записаться в МФЦ" in payload.text
    assert "вы сами попросили напомнить" in payload.text
    assert [b.payload for b in payload.all_buttons()] == ["e:mfc-book-visit", "u:notify:trigger"]
    assert (await consents(app, me))[records.TRIGGER] is True  # asking for it was the consent

    await me.say("/reminders")
    assert "24.11.2026 10:00 — Как записаться в МФЦ" in me.text()
    await me.press("Отменить 1")
    assert "Напоминание отменено" in me.text()
    rows = await outbox_rows(app)
    assert rows[0].status == outbox.SKIPPED and rows[0].error == "cancelled"
    await me.say("/reminders")
    assert "Напоминаний нет" in me.text()


async def test_reminder_in_quiet_hours_moves_to_their_end(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "6"))
    await me.say("как встать в очередь в детский сад")
    await me.press("🔔 Напомнить?")
    await me.say("завтра в 23:30")
    assert "тихие часы" in me.text() and "25.11.2026 08:00" in me.text()
    async with app.db.read() as conn:
        reminder = (await conn.execute(select(ReminderRow.__table__))).one()
    assert reminder.due_at == datetime(2026, 11, 24, 23, 30, tzinfo=KAM)
    assert reminder.send_at == datetime(2026, 11, 25, 8, 0, tzinfo=KAM)


async def test_a_question_instead_of_a_date_is_answered_and_the_cap_holds(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "7"))
    await me.say("как записаться в мфц")
    await me.press("🔔 Напомнить?")
    answer = await me.say("как встать в очередь в детский сад")  # not a date: a new question
    assert "Это помогло?" in me.text()
    for when in ("завтра в 10", "через 3 дня"):
        await me.press("🔔 Напомнить?", in_reply=answer)
        await me.say(when)
        assert "Напомню" in me.text()
    await me.press("🔔 Напомнить?", in_reply=answer)
    assert "это максимум" in me.text()
    await me.say("хочу напоминание когда-нибудь")
    conv = await app.dialogue.conversation(1)
    assert conv is not None and conv.step != Step.REMIND_WHEN


async def test_forged_rating_and_unsubscribe_payloads_change_nothing_else(app: App) -> None:
    me = Talker(app.dialogue.handle, UserRef("telegram", "8"))
    await me.press_payload("r:999:4")
    assert "уже получена" in me.text()
    await me.press_payload("u:personal_data")
    assert await consents(app, me) == {}
    await me.press_payload("e:no-such-entry")
    assert "устарел" in me.text() or me.text()
