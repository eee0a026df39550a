"""The MAX channel as it is run: webhook mode, settings, ``bot run``, /link across the three messengers,
/forget, analytics and reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.db_helpers import settled
from tests.fakes.max import FakeMax
from tests.max_harness import running_bot
from tests.test_max import HELPED, USER, asked_helped


async def test_webhook_mode_stores_before_answering_and_checks_the_secret(tmp_path: Path) -> None:
    import aiohttp

    from tests.max_harness import max_settings, start_bot

    async with FakeMax() as fake:
        env = {"BOT_MAX__MODE": "webhook", "BOT_MAX__WEBHOOK__URL": "http://127.0.0.1:0/max",
               "BOT_MAX__WEBHOOK__PORT": "0", "BOT_MAX__WEBHOOK__LISTEN": "127.0.0.1",
               "BOT_MAX__WEBHOOK__SECRET": "s3cret-webhook_token"}
        settings = max_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            port = bot.runtime.port
            assert [s["secret"] for s in fake.subscriptions] == ["s3cret-webhook_token"]
            assert "message_callback" in fake.subscriptions[0]["update_types"]
            fake.subscriptions[0]["url"] = f"http://127.0.0.1:{port}/max"  # the public address, in a test
            async with aiohttp.ClientSession() as session:  # a stranger without the secret
                forged = {"update_type": "bot_started", "user": {"user_id": 1, "is_bot": False}, "chat_id": 1}
                async with session.post(f"http://127.0.0.1:{port}/max", json=forged) as response:
                    assert response.status == 401
            original = bot.app.dialogue.process
            failures = [1]

            async def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
                if failures:
                    failures.pop()
                    raise RuntimeError("the database is down for a moment")
                return await original(*args, **kwargs)

            bot.app.dialogue.process = flaky  # type: ignore[method-assign]
            fake.message(USER, "как открыть ипшку")
            await fake.wait_for(lambda: asked_helped(fake, USER), timeout=15)
            assert [status for _, status in fake.webhook_deliveries] == [500, 200]  # delivered again, once handled
            fake.press(USER, fake.button(USER, "Да"))
            await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
            assert fake.sent(1) == []
        finally:
            await bot.stop()


def test_webhook_mode_needs_a_secret(tmp_path: Path) -> None:
    import os

    import pytest

    from bot.config import ConfigError, load_settings

    os.environ.update({"BOT_MAX__TOKEN": "t", "BOT_MAX__MODE": "webhook",
                       "BOT_MAX__WEBHOOK__URL": "https://bot.example.org/max"})
    with pytest.raises(ConfigError, match="BOT_MAX__WEBHOOK__SECRET"):
        load_settings()
    os.environ["BOT_MAX__WEBHOOK__SECRET"] = "no spaces allowed"
    with pytest.raises(ConfigError, match="secret"):
        load_settings()
    os.environ["BOT_MAX__WEBHOOK__SECRET"] = "good_secret-1"
    assert load_settings().max.webhook.secret is not None
    os.environ["BOT_MAX__API_URL"] = "platform-api.max.ru"
    with pytest.raises(ConfigError, match="api_url"):
        load_settings()


async def test_polling_removes_a_webhook_subscription_left_behind(tmp_path: Path) -> None:
    async with FakeMax() as fake:
        fake.subscriptions.append({"url": "https://old.example.org/max", "update_types": [], "secret": "abcde"})
        from tests.max_harness import max_settings, start_bot

        bot = await start_bot(max_settings(tmp_path, fake), fake)
        try:
            assert fake.subscriptions == []
            fake.message(USER, "как открыть ипшку")
            await fake.wait_for(lambda: asked_helped(fake, USER))
        finally:
            await bot.stop()


async def test_wrong_token_is_a_clear_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.runner import serve
    from tests.max_harness import max_settings

    async with FakeMax() as fake:
        settings = max_settings(tmp_path, fake, BOT_MAX__TOKEN="wrong")
        assert await serve(settings) == 1
    assert "BOT_MAX__TOKEN" in capsys.readouterr().err


async def test_run_command_serves_max_alone_and_with_the_other_channels(tmp_path: Path) -> None:
    import asyncio

    from bot.runner import serve
    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.vk import FakeVK
    from tests.max_harness import max_settings
    from tests.telegram_harness import telegram_settings
    from tests.vk_harness import vk_settings

    async with FakeMax() as fake:
        stop = asyncio.Event()
        task = asyncio.create_task(serve(max_settings(tmp_path / "alone", fake), stop))
        await fake.wait_for(lambda: bool(fake.calls_of("/updates", "GET")), timeout=20)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=20)
        stop.set()
        assert await asyncio.wait_for(task, timeout=30) == 0

    async with FakeMax() as fake, FakeVK() as vk, FakeTelegram() as tg:
        telegram_settings(tmp_path, tg)
        vk_settings(tmp_path, vk)
        settings = max_settings(tmp_path, fake)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, stop))
        await fake.wait_for(lambda: bool(fake.calls_of("/updates", "GET")), timeout=20)
        await vk.wait_for(lambda: bool(vk.calls_of("groups.getLongPollServer")), timeout=20)
        fake.message(USER, "как открыть ипшку")
        vk.message(USER, "как открыть ипшку")
        tg.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=20)
        await vk.wait_for(lambda: bool(vk.texts(USER)) and vk.texts(USER)[-1].endswith(HELPED), timeout=20)
        await tg.wait_for(lambda: any(HELPED in t for t in tg.texts(USER)), timeout=20)
        stop.set()
        assert await asyncio.wait_for(task, timeout=30) == 0


async def test_account_linking_across_telegram_vk_and_max(tmp_path: Path) -> None:
    import re

    from bot.app import App
    from bot.channels.max.runtime import MaxRuntime
    from bot.channels.telegram.runtime import TelegramRuntime
    from bot.channels.vk.runtime import VKRuntime
    from bot.storage.models import Account, Person
    from tests.conftest import DEMO_KB
    from tests.db_helpers import count
    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.vk import FakeVK
    from tests.max_harness import max_settings
    from tests.telegram_harness import telegram_settings
    from tests.vk_harness import vk_settings

    def code_in(text: str) -> str:
        found = re.search(r"/link (\d{4} \d{4})", text)
        assert found is not None, text
        return found.group(1)

    async with FakeMax() as mx, FakeVK() as vk, FakeTelegram() as tg:
        telegram_settings(tmp_path, tg)
        vk_settings(tmp_path, vk)
        settings = max_settings(tmp_path, mx)
        app = await App.create(settings, kb_path=DEMO_KB)
        runtimes = [await TelegramRuntime.start(app, settings.telegram), await VKRuntime.start(app, settings.vk),
                    await MaxRuntime.start(app, settings.max)]
        try:
            tg.command(5001, "/start")
            await tg.wait_for(lambda: bool(tg.buttons(5001)))
            tg.press(5001, tg.button(5001, "Предприниматель"))
            await tg.wait_for(lambda: any("предпринимателей" in t for t in tg.texts(5001)))
            tg.command(5001, "/link")
            await tg.wait_for(lambda: "/link" in tg.texts(5001)[-1])
            mx.message(USER, f"/link {code_in(tg.texts(5001)[-1])}")  # MAX joins Telegram
            await mx.wait_for(lambda: any("чаты связаны" in t for t in mx.texts(USER)))
            mx.message(USER, "/link")  # …and gives a code VK takes
            await mx.wait_for(lambda: "/link" in mx.texts(USER)[-1])
            vk.message(USER, f"/link {code_in(mx.texts(USER)[-1])}")
            await vk.wait_for(lambda: any("чаты связаны" in t for t in vk.texts(USER)))
            mx.message(USER, "/profile")
            await mx.wait_for(lambda: "для предпринимателей" in mx.texts(USER)[-1])
            assert await count(app, Person) == 1 and await count(app, Account) == 3
        finally:
            for runtime in reversed(runtimes):
                await runtime.stop()
            await app.close()


async def test_forget_erases_a_max_person(tmp_path: Path) -> None:
    from bot.storage.models import Account, Person
    from tests.db_helpers import count

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        fake.message(USER, "/forget")
        await fake.wait_for(lambda: any(label == "Удалить" for label, _ in fake.buttons(USER)))
        fake.press(USER, fake.button(USER, "Удалить"))
        await fake.wait_for(lambda: any("данные удалены" in t for t in fake.texts(USER)))
        await settled(bot.app)
        assert await count(bot.app, Person) == 0 and await count(bot.app, Account) == 0


async def test_analytics_and_reports_count_max_as_its_own_channel(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from bot.reports.data import Period
    from bot.reports.document import build, to_markdown
    from bot.reports.service import build_report
    from bot.storage.models import EventRow

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        await settled(bot.app)
        async with bot.app.db.read() as conn:
            channels = set((await conn.scalars(select(EventRow.channel))).all())
            people = set((await conn.scalars(select(EventRow.person))).all())
        assert channels == {"max"}
        assert str(USER) not in "".join(p or "" for p in people)  # analytics without identities
        today = datetime.now(UTC).date()
        report = await build_report(bot.app.db, Period(today - timedelta(days=1), today + timedelta(days=1), UTC))
        assert [(g.name, g.questions, g.people) for g in report.by_channel] == [("max", 1, 1)]
        assert "| MAX | 1 | 1 |" in to_markdown(build(report, datetime.now(UTC)))


async def test_a_broadcast_reaches_max_people_who_agreed_and_no_one_else(tmp_path: Path) -> None:
    from bot.consent import records
    from bot.dialogue.messages import UserRef
    from bot.notify import broadcasts
    from bot.notify.jobs import tick
    from bot.people import repository as people

    async with running_bot(tmp_path, BOT_NOTIFICATIONS__QUIET_FROM="00:00", BOT_NOTIFICATIONS__QUIET_TO="00:00") as bot:
        app, fake = bot.app, bot.fake
        now = app.clock.now()
        async with app.db.transaction() as conn:
            for user, subjects in ((801, (records.PERSONAL_DATA, records.CONTENT)), (802, (records.PERSONAL_DATA,))):
                account = await people.create_account(conn, UserRef("max", str(user)), now)
                for subject in subjects:
                    await records.record(conn, person_id=account.person_id, subject=subject, granted=True,
                                         channel="max", wording_version="t", at=now, source="test")
            bid = await broadcasts.create(conn, author="t", text="Новая мера поддержки", category="content",
                                          segment=None, topic=None, entries=(), send_at=now, now=now,
                                          kb=app.knowledge.current.base)
            await broadcasts.schedule(conn, bid)
        await tick(app)
        bot.runtime.sender.wake()
        await fake.wait_for(lambda: bool(fake.sent(801)))
        await settled(app)
        assert fake.texts(801)[0].startswith("Новая мера поддержки") and fake.sent(802) == []
        assert any(label == "Отписаться" for label, _ in fake.buttons(801))


async def test_polling_one_instance_polls_and_another_takes_over_when_it_stops(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels import poll_leader
    from tests.max_harness import max_settings, start_bot

    monkeypatch.setattr(poll_leader, "RENEW", 0.2)
    async with FakeMax() as fake:
        first = await start_bot(max_settings(tmp_path / "one", fake, BOT_DATABASE__URL=db_url), fake)
        second = await start_bot(max_settings(tmp_path / "two", fake, BOT_DATABASE__URL=db_url), fake)
        stopped = False
        try:
            assert first.runtime.poller is not None and second.runtime.poller is None  # one polls
            fake.message(USER, "как открыть ипшку")
            await fake.wait_for(lambda: asked_helped(fake, USER), timeout=15)
            await settled(first.app)
            before = len(fake.texts(USER))
            await first.stop()
            stopped = True
            await fake.wait_for(lambda: second.runtime.poller is not None)  # the other takes over…
            fake.message(USER, "как записаться в мфц")
            await fake.wait_for(lambda: any("МФЦ" in t for t in fake.texts(USER)[before:]), timeout=15)
            await settled(second.app)
            texts = fake.texts(USER)
            assert len(texts) == len(set(texts))  # nothing handled twice
        finally:
            await second.stop()
            if not stopped:
                await first.stop()
