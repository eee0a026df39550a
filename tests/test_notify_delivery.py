"""Notifications end to end: the outbox, the sender (aiogram's real client) and the fake Bot API
server, on a controllable clock. Nothing goes out without the matching consent; quiet hours follow
each person's time zone; digests batch content; a crash mid-broadcast resumes without duplicates; a
withdrawal takes effect even for a message already claimed for sending."""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram.runtime import make_bot
from bot.channels.telegram.transport import TelegramTransport
from bot.clock import FakeClock
from bot.consent import records
from bot.delivery import outbox
from bot.delivery.limits import Limiter, RateLimits
from bot.delivery.outbox import Envelope
from bot.delivery.sender import Sender, SendResult
from bot.dialogue.messages import UserRef
from bot.notify import broadcasts, prefs, rating
from bot.notify.jobs import consent_gate, tick
from bot.people import repository as people
from bot.storage.models import OutboxRow
from tests.conftest import DEMO_KB
from tests.dialogue_helpers import Person as Talker
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import telegram_settings

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

NIGHT_IN_KAMCHATKA = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 23:00 Kamchatka (UTC+12), 14:00 Moscow


class Crash(BaseException):
    """The process dies."""


@dataclass
class World:
    app: App
    fake: FakeTelegram
    clock: FakeClock
    transport: TelegramTransport

    def sender(self, instance: str, transport: object | None = None) -> Sender:
        return Sender(
            self.app.db, transport or self.transport, Limiter(RateLimits(per_second=1000, chat_burst=30)),
            self.clock, instance, gate=consent_gate(self.app.db),
        )

    async def person(self, chat_id: int, *subjects: str, zone: str | None = None, frequency: str | None = None,
                     segment: str | None = None) -> int:
        async with self.app.db.transaction() as conn:
            account = await people.create_account(conn, UserRef("telegram", str(chat_id)), self.clock.now())
            if segment:
                await people.set_segment(conn, account.person_id, segment, self.clock.now())
            for subject in (records.PERSONAL_DATA, *subjects):
                await records.record(conn, person_id=account.person_id, subject=subject, granted=True,
                                     channel="telegram", wording_version="t", at=self.clock.now(), source="test")
            values = {k: v for k, v in (("timezone", zone), ("frequency", frequency)) if v}
            if values:
                await prefs.change(conn, account.person_id, self.clock.now(), **values)
        return account.person_id

    async def broadcast(self, text: str, category: str = "content", **kw: object) -> int:
        async with self.app.db.transaction() as conn:
            bid = await broadcasts.create(
                conn, author="t", text=text, category=category, segment=kw.get("segment"),  # type: ignore[arg-type]
                topic=kw.get("topic"), entries=kw.get("entries", ()), send_at=self.clock.now(),  # type: ignore[arg-type]
                now=self.clock.now(), kb=self.app.knowledge.current.base,
            )
            await broadcasts.schedule(conn, bid)
        return bid

    def got(self, chat_id: int) -> list[str]:
        return self.fake.texts(chat_id)

    async def rows(self) -> list:
        async with self.app.db.read() as conn:
            return list((await conn.execute(select(OutboxRow.__table__).order_by(OutboxRow.id))).all())


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, BOT_NOTIFICATIONS__TIMEZONE="Asia/Kamchatka")
        clock = FakeClock(NIGHT_IN_KAMCHATKA - timedelta(hours=3))  # 20:00 in Kamchatka
        app = await App.create(settings, kb_path=DEMO_KB, clock=clock)
        bot = make_bot(settings.telegram)
        try:
            yield World(app, fake, clock, TelegramTransport(bot))
        finally:
            await bot.session.close()
            await app.close()


async def test_nothing_goes_out_without_the_matching_consent(world: World) -> None:
    await world.person(1, records.CONTENT)
    await world.person(2)  # agreed to personal data only
    await world.person(3, records.TRIGGER)
    await world.person(4, records.CONTENT, segment="citizen")
    await world.broadcast("Новая мера поддержки для бизнеса", segment=None, entries=["ip-registration"])
    await world.broadcast("Только для граждан", segment="citizen")
    await tick(world.app)
    sender = world.sender("a")
    await sender.pump()
    assert [t.split("\n")[0] for t in world.got(1)] == ["Новая мера поддержки для бизнеса"]
    assert world.got(2) == [] and world.got(3) == []
    assert len(world.got(4)) == 2
    text = world.got(1)[0]
    assert "вы включили новости о новых услугах и мерах поддержки" in text and "/stop" in text
    labels = [label for label, _ in world.fake.buttons(1)]
    assert labels[-1] == "Отписаться" and world.fake.button(1, "Отписаться") == "u:notify:content"
    assert world.fake.button(1, "Как зарегистрироваться в качестве ИП") == "e:ip-registration"
    rows = [r for r in await world.rows() if r.kind == outbox.NOTIFICATION]
    assert {r.consent for r in rows} == {records.CONTENT} and all(r.status == outbox.SENT for r in rows)


async def test_broadcast_to_a_category_nobody_consented_to_is_refused(world: World) -> None:
    await world.person(1, records.CONTENT)
    async with world.app.db.transaction() as conn:
        bid = await broadcasts.create(conn, author="t", text="x", category="transactional", segment=None, topic=None,
                                      entries=(), send_at=world.clock.now(), now=world.clock.now(),
                                      kb=world.app.knowledge.current.base)
        with pytest.raises(broadcasts.BroadcastError, match="Nobody has consented"):
            await broadcasts.schedule(conn, bid)
        bid2 = await broadcasts.create(conn, author="t", text="x", category="content", segment="business",
                                       topic=None, entries=(), send_at=world.clock.now(), now=world.clock.now(),
                                       kb=world.app.knowledge.current.base)
        with pytest.raises(broadcasts.BroadcastError, match="No audience"):
            await broadcasts.schedule(conn, bid2)


async def test_quiet_hours_follow_each_persons_time_zone(world: World) -> None:
    world.clock.set(NIGHT_IN_KAMCHATKA)
    await world.person(10, records.CONTENT)  # Kamchatka by default: 23:00 now
    await world.person(20, records.CONTENT, zone="Europe/Moscow")  # 14:00 now
    await world.broadcast("Опрос о качестве услуг")
    await tick(world.app)
    sender = world.sender("a")
    await sender.pump()
    assert len(world.got(20)) == 1 and world.got(10) == []
    world.clock.set(datetime(2026, 11, 23, 19, 59, tzinfo=UTC))  # 07:59 in Kamchatka
    await sender.pump()
    assert world.got(10) == []
    world.clock.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 08:00 in Kamchatka: quiet hours over
    await sender.pump()
    assert len(world.got(10)) == 1 and len(world.got(20)) == 1


async def test_reminder_arrives_when_due_in_the_persons_zone(world: World) -> None:
    me = Talker(world.app.dialogue.handle, UserRef("telegram", "30"))
    await me.say("как записаться в мфц")
    await me.press("🔔 Напомнить?")
    await me.say("завтра в 10")  # 10:00 Kamchatka on 24.11 = 22:00 UTC on 23.11
    sender = world.sender("a")
    world.clock.set(datetime(2026, 11, 23, 21, 59, tzinfo=UTC))
    await sender.pump()
    assert world.got(30) == []
    world.clock.set(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))
    await sender.pump()
    assert len(world.got(30)) == 1 and "Напоминание: Как записаться в МФЦ" in world.got(30)[0]
    world.clock.advance(hours=1)
    await sender.pump()
    assert len(world.got(30)) == 1


async def test_digests_batch_content_messages(world: World) -> None:
    world.clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # 12:00 Monday in Kamchatka
    await world.person(40, records.CONTENT, frequency="daily")
    await world.person(41, records.CONTENT)
    for text in ("Первая новость", "Вторая новость", "Третья новость"):
        await world.broadcast(text)
        await tick(world.app)
        world.clock.advance(hours=1)
    sender = world.sender("a")
    await sender.pump()
    assert len(world.got(41)) == 3 and world.got(40) == []
    world.clock.set(datetime(2026, 11, 23, 21, 59, tzinfo=UTC))  # 09:59 next day in Kamchatka
    await tick(world.app)
    await sender.pump()
    assert world.got(40) == []
    world.clock.set(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))  # 10:00: the digest hour
    await tick(world.app)
    await sender.pump()
    assert len(world.got(40)) == 1
    digest = world.got(40)[0]
    assert "Новости для вас</b> (3)" in digest and "Первая новость" in digest and "Третья новость" in digest
    await tick(world.app)
    await sender.pump()
    assert len(world.got(40)) == 1


async def test_daily_cap_per_person(world: World) -> None:
    world.clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    await world.person(50, records.CONTENT)
    for n in range(world.app.settings.notifications.daily_cap + 2):
        await world.broadcast(f"Новость {n}")
        await tick(world.app)
    await world.sender("a").pump()
    assert len(world.got(50)) == world.app.settings.notifications.daily_cap


class CrashingTransport:
    """Sends through the real transport until the process "dies" at the ``after``-th send. Messages
    still on their way at that moment may have reached the person, but the dead process never learns
    it: their sends fail too."""

    def __init__(self, inner: TelegramTransport, after: int) -> None:
        self.inner = inner
        self.channel = inner.channel
        self.left = after
        self.crashed = False

    async def send(self, envelope: Envelope) -> SendResult:
        if self.crashed or self.left <= 0:
            self.crashed = True
            raise Crash()
        self.left -= 1
        result = await self.inner.send(envelope)
        if self.crashed:
            raise Crash()
        return result


# the "killed" sender's connections are abandoned mid-transaction, as a real kill -9 abandons them
@pytest.mark.filterwarnings("ignore:The garbage collector is trying to clean up non-checked-in connection")
async def test_crash_mid_broadcast_resumes_and_repeats_at_most_what_was_in_flight(world: World) -> None:
    chats = list(range(100, 160))
    for chat in chats:
        await world.person(chat, records.CONTENT)
    await world.broadcast("Большая рассылка")
    await tick(world.app)
    await tick(world.app)  # a second run of the job (another instance) queues nothing more
    assert len([r for r in await world.rows() if r.kind == outbox.NOTIFICATION]) == len(chats)
    crashing = CrashingTransport(world.transport, after=25)
    dying = world.sender("dying", crashing)
    before = asyncio.all_tasks()
    with pytest.raises(Crash):
        await dying.pump()
    # kill -9: whatever else the dead process had going (its other gathered sends, a pending outcome
    # write) stops at once instead of finishing behind the survivor's back
    orphans = asyncio.all_tasks() - before - {asyncio.current_task()}
    for task in orphans:
        task.cancel()
    await asyncio.gather(*orphans, return_exceptions=True)
    delivered = Counter(int(p["chat_id"]) for p in world.fake.sent())
    assert 0 < sum(delivered.values()) <= 25
    recorded = {r.id for r in await world.rows() if r.kind == outbox.NOTIFICATION and r.status == outbox.SENT}
    # in flight: reached the person, but the dead process never recorded it
    in_flight = sum(delivered.values()) - len(recorded)
    survivor = world.sender("survivor")
    assert await survivor.pump() == 0  # rows the dead process claimed are not taken at once…
    world.clock.advance(minutes=3)  # …but after it is considered dead
    while await survivor.pump():
        pass
    delivered = Counter(int(p["chat_id"]) for p in world.fake.sent())
    assert set(delivered) == set(chats)
    repeated = sum(n - 1 for n in delivered.values())
    assert repeated <= in_flight, "a message the dead process had recorded as sent went out again"
    assert {r.status for r in await world.rows() if r.kind == outbox.NOTIFICATION} == {outbox.SENT}
    del dying, orphans  # the killed sender's abandoned connections are reclaimed here, not in a later test
    gc.collect()


async def test_withdrawal_during_a_broadcast_takes_effect_at_once(world: World) -> None:
    chats = list(range(200, 230))
    for chat in chats:
        await world.person(chat, records.CONTENT)
    await world.broadcast("Рассылка")
    await tick(world.app)
    sender = world.sender("a")
    async with world.app.db.transaction() as conn:  # the whole broadcast is claimed for sending
        claimed = await outbox.claim_due(conn, "telegram", "a", world.clock.now())
    assert len(claimed) == len(chats)
    await sender.deliver(claimed[:5])
    quitter = Talker(world.app.dialogue.handle, UserRef("telegram", "229"))
    unsubscriber = Talker(world.app.dialogue.handle, UserRef("telegram", "228"))
    await quitter.say("/stop")  # mid-broadcast, after the claim
    await unsubscriber.press_payload("u:notify:content")
    assert "все уведомления и подписки отключены" in quitter.text()
    await sender.deliver(claimed[5:])
    await sender.flush()
    assert world.got(229) == [] and world.got(228) == []
    assert all(len(world.got(c)) == 1 for c in chats[:-2])
    skipped = [r for r in await world.rows() if r.status == outbox.SKIPPED]
    assert len(skipped) == 2 and {r.error for r in skipped} == {outbox.NO_CONSENT}


async def test_rating_invitation_only_with_trigger_consent_and_rated_once(world: World) -> None:
    with_consent = await world.person(300, records.TRIGGER)
    without = await world.person(301, records.CONTENT)
    closed = world.clock.now()
    async with world.app.db.transaction() as conn:
        for pid in (with_consent, without):
            await rating.schedule_rating_invitation(conn, person_id=pid, case_ref="A-17", closed_at=closed,
                                                    delay=timedelta(hours=24))
        await rating.schedule_rating_invitation(conn, person_id=with_consent, case_ref="A-17", closed_at=closed)
    sender = world.sender("a")
    world.clock.advance(hours=23)
    await tick(world.app)
    await sender.pump()
    assert world.got(300) == []
    world.clock.set(datetime(2026, 11, 24, 21, 0, tzinfo=UTC))  # 24 h later; 09:00 in Kamchatka
    await tick(world.app)
    await sender.pump()
    await tick(world.app)
    await sender.pump()
    assert len(world.got(300)) == 1 and world.got(301) == []
    assert "обращение A-17" in world.got(300)[0]
    me = Talker(world.app.dialogue.handle, UserRef("telegram", "300"))
    await me.press_payload(world.fake.button(300, "Удовлетворён"))
    assert "Спасибо за оценку" in me.text()
    await me.press_payload(world.fake.button(300, "Не удовлетворён"))
    assert "уже получена" in me.text()
