"""Several bot instances on one database: they start together, share the work and agree on pseudonyms."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.analytics.privacy import Pseudonyms
from bot.app import App
from bot.channels.telegram.runtime import make_bot, rate_limits
from bot.channels.telegram.transport import TelegramTransport
from bot.clock import FakeClock
from bot.delivery import outbox
from bot.delivery.limits import Limiter, RateLimits, SharedBudget
from bot.delivery.sender import Sender
from bot.dialogue.messages import Incoming, Outgoing, UserRef
from bot.handoff import cases
from bot.people import repository as people
from bot.scheduler import build_scheduler
from bot.storage import current_revision
from bot.storage.migrate import head_revision
from bot.storage.models import OutboxRow
from tests.conftest import DEMO_KB
from tests.fakes.telegram import FakeTelegram
from tests.test_dialogue_service import settings_for


async def two_apps(db_url: str, tmp_path: Path, **env: str) -> tuple[App, App]:
    """Two instances started at the same moment on one (empty) database, each with a folder of its own."""
    first = settings_for(tmp_path / "one", BOT_DATABASE__URL=db_url, **env)
    second = settings_for(tmp_path / "two", BOT_DATABASE__URL=db_url, **env)
    clock = FakeClock()
    one, two = await asyncio.wait_for(asyncio.gather(
        App.create(first, kb_path=DEMO_KB, clock=clock), App.create(second, kb_path=DEMO_KB, clock=clock),
        return_exceptions=True,
    ), 120)
    for app in (one, two):
        if isinstance(app, BaseException):
            for other in (one, two):
                if isinstance(other, App):
                    await other.close()
            raise app
    assert isinstance(one, App) and isinstance(two, App)
    return one, two


async def test_two_instances_starting_at_once_on_an_empty_database_both_come_up(db_url: str, tmp_path: Path) -> None:
    one, two = await two_apps(db_url, tmp_path)
    try:
        assert await current_revision(one.db.engine) == head_revision()
        for n, app in enumerate((one, two)):
            handled = await app.dialogue.process(Incoming(UserRef("telegram", str(n)), text="/start"))
            assert handled.replies
    finally:
        await one.close()
        await two.close()


DESK = {
    "BOT_TELEGRAM__TOKEN": "123456:TEST-token",  # the desk is built; no channel is started here
    "BOT_HANDOFF__CHAT_ID": "-1001234567890",
    "BOT_HANDOFF__SLA_MINUTES": "120",
    "BOT_HANDOFF__BREAKS": "[]",
    "BOT_EDITORS__WATCH": "false",
}
MONDAY_NOON_MSK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_each_scheduled_job_runs_once_with_two_instances(db_url: str, tmp_path: Path) -> None:
    one, two = await two_apps(db_url, tmp_path, **DESK)
    try:
        schedulers = [build_scheduler(app) for app in (one, two)]
        ids = sorted(job.id for job in schedulers[0].get_jobs())
        assert {"handoff-sla", "stale-entries", "notify-broadcasts", "notify-digests", "notify-rating",
                "purge-expired-texts", "prune-processed-updates"} <= set(ids)
        for _ in range(3):
            ran: dict[str, int] = {}
            for job_id in ids:
                jobs = [scheduler.get_job(job_id) for scheduler in schedulers]
                results = await asyncio.gather(*(job.func(*job.args, **job.kwargs) for job in jobs))
                again = await asyncio.gather(*(job.func(*job.args, **job.kwargs) for job in jobs))
                ran[job_id] = results.count(True) + again.count(True)
            assert ran == dict.fromkeys(ids, 1), one.clock.now()  # each job once per period, by one of the instances
            one.clock.advance(days=7)  # the next period of every job (the weekly one too)
    finally:
        await one.close()
        await two.close()


async def test_a_case_past_its_sla_is_reminded_once_by_two_instances(db_url: str, tmp_path: Path) -> None:
    one, two = await two_apps(db_url, tmp_path, **DESK)
    try:
        clock = one.clock
        assert isinstance(clock, FakeClock)
        clock.set(MONDAY_NOON_MSK)
        async with one.db.transaction() as conn:
            account = await people.create_account(conn, UserRef("telegram", "7001"), clock.now())
            await cases.open_case(
                conn, person_id=account.person_id, account_id=account.account_id, channel="telegram", recipient="7001",
                segment=None, topic=None, reason="command", workspace="-1001234567890", now=clock.now(),
            )
        desks = [app.handoff for app in (one, two)]
        assert desks[0] is not None and desks[1] is not None
        clock.advance(minutes=125)
        assert sum(await asyncio.gather(*(desk.check_sla() for desk in desks))) == 1  # the reminder
        assert sum(await asyncio.gather(*(desk.check_sla() for desk in desks))) == 0
        clock.advance(hours=2)
        assert sum(await asyncio.gather(*(desk.check_sla() for desk in desks))) == 1  # the supervisors' alert
        assert sum(await asyncio.gather(*(desk.check_sla() for desk in desks))) == 0
        async with one.db.read() as conn:
            posted = await conn.scalar(select(func.count()).select_from(OutboxRow))
        assert posted == 3  # reminder in the topic; alert in the topic and in the general chat
    finally:
        await one.close()
        await two.close()


async def test_one_pseudonym_per_person_across_instances(db_url: str, tmp_path: Path) -> None:
    one, two = await two_apps(db_url, tmp_path)
    try:
        for person_id in (1, 2, 12345):
            assert one.recorder.pseudonyms.person(person_id) == two.recorder.pseudonyms.person(person_id)
        assert not (tmp_path / "one" / "data" / "analytics.salt").exists()  # kept in the database only
    finally:
        await one.close()
        await two.close()
    restarted = await App.create(settings_for(tmp_path / "three", BOT_DATABASE__URL=db_url), kb_path=DEMO_KB)
    try:
        assert restarted.recorder.pseudonyms.person(1) == one.recorder.pseudonyms.person(1)
    finally:
        await restarted.close()


async def test_a_salt_file_of_an_earlier_version_is_adopted(db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "old" / "data"
    data.mkdir(parents=True)
    (data / "analytics.salt").write_text("ab" * 32)
    app = await App.create(settings_for(tmp_path / "old"), kb_path=DEMO_KB)
    try:
        assert app.recorder.pseudonyms.person(1) == Pseudonyms(bytes.fromhex("ab" * 32)).person(1)
    finally:
        await app.close()


async def test_two_instances_together_stay_under_telegrams_rate_limits(db_url: str, tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        fake.limit_per_second = 30  # Telegram's overall limit, enforced: one send more in a second is a 429
        one, two = await two_apps(
            db_url, tmp_path, BOT_TELEGRAM__TOKEN=fake.token, BOT_TELEGRAM__API_SERVER=fake.base_url
        )
        bots, budgets, senders = [], [], []
        try:
            chats = [str(1000 + n) for n in range(120)]
            async with one.db.transaction() as conn:
                await outbox.insert_rows(conn, [
                    row for chat in chats
                    for row in outbox.rows_for("telegram", chat, [Outgoing("Новость")], one.clock.now())
                ])
            for app in (one, two):
                bot = make_bot(app.settings.telegram)
                limiter = Limiter(rate_limits(app.settings.telegram))  # Telegram's published limits
                bots.append(bot)
                senders.append(Sender(app.db, TelegramTransport(bot), limiter, app.clock, app.dialogue.instance))
                budgets.append(SharedBudget(app.db, limiter, "telegram", app.dialogue.instance, app.clock))
            await asyncio.gather(*(budget.start() for budget in budgets))
            claimed = []
            for app, sender in zip((one, two), senders, strict=True):  # each sender claims half the rows
                async with app.db.transaction() as conn:
                    claimed.append(await outbox.claim_due(conn, "telegram", sender.instance, app.clock.now(), limit=60))
            outcomes = await asyncio.gather(
                *(sender.deliver(rows, backlog=True) for sender, rows in zip(senders, claimed, strict=True))
            )
            for sender in senders:
                await sender.flush()
            assert [sum(o.status == outbox.SENT for o in sent) for sent in outcomes] == [60, 60]  # both sent…
            assert fake.rejected_for_rate == 0  # …and together never over the limit
            assert sorted(str(p["chat_id"]) for p in fake.sent()) == sorted(chats)
            assert all(limiter.shares == 2 for limiter in (s.limiter for s in senders))
        finally:
            for budget in budgets:
                await budget.stop()
            for bot in bots:
                await bot.session.close()
            await one.close()
            await two.close()


async def test_a_sending_instance_that_stops_leaves_the_whole_budget_to_the_others(db_url: str) -> None:
    from bot.storage import Database, upgrade

    db = Database(db_url)
    await upgrade(db.engine)
    clock = FakeClock()
    limiters = [Limiter(RateLimits()) for _ in range(2)]
    budgets = [SharedBudget(db, limiter, "vk", name, clock) for limiter, name in zip(limiters, "ab", strict=True)]
    try:
        for budget in budgets:
            await budget.start()
        assert [await budget.renew() for budget in budgets] == [2, 2]
        assert limiters[0].shares == 2
        await budgets[1].stop()
        assert await budgets[0].renew() == 1 and limiters[0].shares == 1
        await budgets[1].start()
        assert await budgets[0].renew() == 2
        task = budgets[1]._task
        assert task is not None
        task.cancel()  # "b" dies: its lease is no longer renewed…
        clock.advance(seconds=10)  # …and expires
        assert await budgets[0].renew() == 1
    finally:
        for budget in budgets:
            await budget.stop()
        await db.dispose()


async def test_a_persons_messages_handled_by_two_instances_in_turn_all_get_answers(
    db_url: str, tmp_path: Path
) -> None:
    """Behind a balancer one person's messages reach both instances; each keeps the conversation in
    its memory, so the one that handled an earlier message has a stale copy and must start over."""
    one, two = await two_apps(db_url, tmp_path)
    try:
        user = UserRef("telegram", "4242")
        script = ["/start", "как открыть ипшку", "как записаться в мфц", "как открыть ипшку", "штрафы гибдд"]
        for n, text in enumerate(script):
            app = (one, two)[n % 2]
            handled = await app.dialogue.process(Incoming(user, text=text), update_key=f"u{n}", durable=True)
            assert not handled.duplicate and handled.replies, (n, text)
    finally:
        await one.close()
        await two.close()
