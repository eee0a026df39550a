"""The VK channel through the real vkbottle client against the fake VK API."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.vk.api import make_api
from bot.channels.vk.files import GIVE_UP_AFTER, Retry, upload_all, uploadable_kinds
from bot.config import VKSection
from bot.dialogue.messages import Attachment
from bot.handoff.files import FileRef, FileUnavailable
from bot.storage.models import OutboxRow
from tests.db_helpers import count, settled
from tests.fakes.vk import CLIENT_TEXT_ONLY, FakeVK
from tests.vk_harness import running_bot, start_bot, vk_settings

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

USER = 7001
HELPED = "Это помогло?"


def asked_helped(fake: FakeVK, peer: int) -> bool:
    texts = fake.texts(peer)
    return bool(texts) and texts[-1].endswith(HELPED)




async def test_conversation_with_callback_buttons(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        assert fake.long_poll_settings["message_event"] == "1"
        fake.message(USER, "Начать", payload='{"command":"start"}')
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 2)
        greeting = fake.texts(USER)[0]
        assert "Здравствуйте!" in greeting and "политика обработки данных (https://example.org/privacy)" in greeting
        keyboard = fake.last_keyboard(USER)
        assert keyboard is not None and keyboard["inline"] is True
        assert {b["action"]["type"] for row in keyboard["buttons"] for b in row} == {"callback"}
        assert [label for label, _ in fake.buttons(USER)] == ["Гражданин", "Предприниматель", "Пропустить"]

        fake.press(USER, fake.button(USER, "Предприниматель"))
        await fake.wait_for(lambda: any("предпринимателей" in t for t in fake.texts(USER)))
        await fake.wait_for(lambda: len(fake.calls_of("messages.sendMessageEventAnswer")) == 1)

        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        assert "Р21001" in fake.texts(USER)[-1] and "**" not in fake.texts(USER)[-1]
        fake.press(USER, fake.button(USER, "Да"))
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
        await settled(bot.app)


async def test_conversation_with_text_keyboard(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "как открыть ипшку", client=CLIENT_TEXT_ONLY)
        await fake.wait_for(lambda: asked_helped(fake, USER))
        keyboard = fake.last_keyboard(USER)
        assert keyboard is not None and keyboard["inline"] is False
        assert {b["action"]["type"] for row in keyboard["buttons"] for b in row} == {"text"}
        fake.text_press(USER, "Да")
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
        assert fake.calls_of("messages.sendMessageEventAnswer") == []


async def test_stale_and_forged_payloads_change_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        fake.press(USER, "999999.1")  # a button this person never had
        await fake.wait_for(lambda: "кнопка уже не действует" in fake.texts(USER)[-1])
        fake.press(USER, {"b": ["not", "a", "string"]})  # ours in shape, forged in content
        await fake.wait_for(lambda: len(fake.calls_of("messages.sendMessageEventAnswer")) == 2)
        await fake.wait_for(lambda: fake.texts(USER).count(fake.texts(USER)[-1]) == 2)
        fake.message(USER, "Да", payload='{"b": "' + "9" * 300 + '"}')  # an oversized text-button payload
        await fake.wait_for(lambda: fake.texts(USER).count(fake.texts(USER)[-1]) == 3)
        assert "кнопка уже не действует" in fake.texts(USER)[-1]
        fake.press(USER, fake.button(USER, "Да"))  # the real button still works afterwards
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")


async def test_photo_and_group_chat_messages(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "", attachments=[{"type": "photo", "photo": {"id": 1}}])
        await fake.wait_for(lambda: any("понимаю только текст" in t for t in fake.texts(USER)))
        chat = 2_000_000_001
        fake.message(USER, "как открыть ипшку", peer=chat)  # a group chat the community was added to
        fake.message(USER, "как записаться в мфц")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        assert fake.sent(chat) == []


async def test_restart_between_events_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    from bot.storage.models import ProcessedUpdate, VKPollState

    async with FakeVK() as fake:
        settings = vk_settings(tmp_path, fake)
        first = await start_bot(settings, fake)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        helped = fake.button(USER, "Да")
        await first.stop()

        fake.press(USER, helped)  # both arrive while the bot is down
        fake.message(USER, "как записаться в мфц")
        second = await start_bot(settings, fake)
        try:
            await fake.wait_for(lambda: any(t.startswith("Записаться в МФЦ") for t in fake.texts(USER)))
            texts = fake.texts(USER)
            assert texts.index("Насколько вы удовлетворены ответом?") < len(texts) - 1  # in order
            assert sum(t.endswith(HELPED) for t in texts) == 2
            await settled(second.app)
            async with second.app.db.read() as conn:
                saved = await conn.scalar(select(VKPollState.ts))
            assert saved == str(fake.ts)
        finally:
            await second.stop()

        # a crash after the events were handled but before the position was stored: VK sends them again
        sent_before = len(fake.sent(USER))
        third = await start_bot(settings, fake)
        try:
            await third.runtime.stop()
            async with third.app.db.transaction() as conn:
                await conn.execute(VKPollState.__table__.update().values(ts=str(fake.first_ts)))
            await third.app.close()
            third = await start_bot(settings, fake)
            await fake.wait_for(lambda: third.runtime.poller.saved_ts == str(fake.ts))
            assert len(fake.sent(USER)) == sent_before  # all three events recognised as handled
            assert await count(third.app, ProcessedUpdate) == 3
        finally:
            await third.stop()


async def test_long_poll_failures_are_recovered(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.expire_key()  # failed=2: a new key, the same position
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        servers = len(fake.calls_of("groups.getLongPollServer"))
        fake.lose_session = 1  # failed=3: a new session from now (what came before it is lost)
        await fake.wait_for(lambda: len(fake.calls_of("groups.getLongPollServer")) > servers)
        fake.message(USER, "как записаться в мфц")
        await fake.wait_for(lambda: any(t.startswith("Записаться в МФЦ") for t in fake.texts(USER)))
        servers = fake.calls_of("groups.getLongPollServer")
        assert len(servers) >= 3


async def test_burst_of_200_messages_from_50_people(tmp_path: Path) -> None:
    from collections import defaultdict

    from bot.storage.models import Account, ProcessedUpdate

    questions = ["как открыть ипшку", "потерял паспорт", "субсидия на жкх", "как записаться в мфц"]
    starts = ["Зарегистрировать ИП", "Если паспорт украли", "Субсидию на оплату", "Записаться в МФЦ"]
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        for round_ in range(4):
            for person in range(50):
                fake.message(10_000 + person, questions[round_])
        await fake.wait_for(lambda: len(fake.sent()) >= 200 + 50 * 2, timeout=60)
        await settled(bot.app, timeout=30)
        per_person: dict[int, list[str]] = defaultdict(list)
        for params in fake.sent():
            per_person[int(params["peer_id"])].append(params["message"])
        assert len(per_person) == 50
        for texts in per_person.values():
            answers = [t for t in texts if any(t.startswith(s) for s in starts)]
            assert [next(s for s in starts if a.startswith(s)) for a in answers] == starts  # in order, once each
            assert sum(t.endswith(HELPED) for t in texts) == 4
        assert await count(bot.app, ProcessedUpdate) == 200
        assert await count(bot.app, Account) == 50
        assert not [c for c in fake.calls if c.method == "messages.send" and c.params.get("_repeat")]


async def test_too_many_requests_and_flood_control_are_retried(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.fail("messages.send", "6", times=1)
        fake.fail("messages.send", "9", times=1)
        started = time.monotonic()
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=20)
        assert time.monotonic() - started >= 1.0  # waited after "too many requests"
        assert [c.error for c in fake.calls if c.method == "messages.send" and c.error] == [6, 9]
        assert len([t for t in fake.texts(USER) if "Р21001" in t]) == 1


async def test_server_errors_and_timeouts_are_retried_and_never_delivered_twice(tmp_path: Path) -> None:
    async with running_bot(tmp_path, BOT_VK__REQUEST_TIMEOUT="1") as bot:
        fake = bot.fake
        fake.fail("messages.send", "500", times=2)
        fake.fail("messages.send", "timeout", times=1, delay=2.0)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=30)
        assert len([c for c in fake.calls if c.method == "messages.send" and c.error]) == 3
        # VK took the message but the answer was lost: the retry carries the same random_id
        fake.fail("messages.send", "timeout_after", times=1, delay=2.0)
        fake.message(USER, "как записаться в мфц")
        await fake.wait_for(lambda: asked_helped(fake, USER) and len(fake.texts(USER)) >= 2, timeout=30)
        await settled(bot.app, timeout=30)
        repeats = [c for c in fake.calls if c.method == "messages.send" and c.params.get("_repeat")]
        assert len(repeats) == 1
        assert len([t for t in fake.texts(USER) if t.startswith("Записаться в МФЦ")]) == 1


async def test_person_who_cannot_receive_is_marked_unreachable(tmp_path: Path) -> None:
    from bot.storage.models import Account

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.block(USER)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: any(c.error == 901 for c in fake.calls))
        await settled(bot.app)
        assert len([c for c in fake.calls if c.error == 901]) == 1  # the rest of the replies are not tried
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 1
        assert await count(bot.app, OutboxRow, OutboxRow.status == "unreachable") == await count(bot.app, OutboxRow)
        fake.blocked.clear()
        fake.message(USER, "привет")  # writing again makes the person reachable again
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 1)
        await settled(bot.app)
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 0


async def test_outbox_rows_written_elsewhere_are_delivered(tmp_path: Path) -> None:
    """An operator's reply (or a reminder) is a row for channel "vk" written outside the VK handler."""
    from bot.delivery import outbox
    from bot.dialogue.messages import Outgoing

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "привет", client=CLIENT_TEXT_ONLY)
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 1)
        await settled(bot.app)
        reply = Outgoing("Оператор: **добрый день!** Подробнее: [сайт](https://example.org)")
        async with bot.app.db.transaction() as conn:
            await outbox.insert_rows(conn, outbox.rows_for("vk", str(USER), [reply], bot.app.clock.now(),
                                                           kind="operator"))
        await fake.wait_for(lambda: fake.texts(USER)[-1].startswith("Оператор:"), timeout=10)
        assert fake.texts(USER)[-1] == "Оператор: добрый день! Подробнее: сайт (https://example.org)"
        assert json_keyboard(fake.sent(USER)[-1]) == {"one_time": True, "buttons": []}  # a text client's old
        # keyboard is hidden, its buttons are stale


def json_keyboard(params: dict) -> dict | None:
    import json

    return json.loads(params["keyboard"]) if params.get("keyboard") else None


async def test_wrong_token_is_a_clear_error(tmp_path: Path, capsys) -> None:
    from bot.runner import serve
    from tests.vk_harness import vk_settings

    async with FakeVK() as fake:
        settings = vk_settings(tmp_path, fake, BOT_VK__TOKEN="vk1.a.wrong")
        assert await serve(settings) == 1
    assert "BOT_VK__TOKEN" in capsys.readouterr().err


async def test_run_command_serves_vk_until_stopped(tmp_path: Path) -> None:
    from bot.runner import serve
    from tests.vk_harness import vk_settings

    async with FakeVK() as fake:
        settings = vk_settings(tmp_path, fake)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, stop))
        # the very first start begins at VK's current position: what was sent before is not fetched
        await fake.wait_for(lambda: bool(fake.calls_of("groups.getLongPollServer")), timeout=20)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=20)
        stop.set()
        assert await asyncio.wait_for(task, timeout=30) == 0


async def test_message_allow_and_deny_are_consents_and_deny_stops_proactive_messages(tmp_path: Path) -> None:
    from bot.delivery import outbox
    from bot.dialogue.messages import Outgoing
    from bot.storage.models import Account, ConsentRow

    recorded: list[dict] = []

    async def consents(bot) -> list[dict]:
        async with bot.app.db.read() as conn:
            rows = await conn.execute(select(ConsentRow.__table__).order_by(ConsentRow.id))
            return [dict(r._mapping) for r in rows]

    async def refresh(bot, n: int) -> None:
        deadline = asyncio.get_running_loop().time() + 10
        while len(recorded) < n:
            recorded[:] = await consents(bot)
            assert asyncio.get_running_loop().time() < deadline, "consent not recorded"
            await asyncio.sleep(0.05)

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.allow(USER)  # before ever writing: a person without a conversation is created
        await refresh(bot, 1)
        assert recorded[0]["subject"] == "messages:vk" and recorded[0]["granted"] is True
        assert recorded[0]["channel"] == "vk" and recorded[0]["source"] == "vk:message_allow"
        fake.deny(USER)
        await refresh(bot, 2)
        assert recorded[1]["granted"] is False and recorded[1]["person_id"] == recorded[0]["person_id"]
        await fake.wait_for(lambda: bot.runtime.poller.saved_ts == str(fake.ts))
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 1
        # a proactive message for a person who denied messages does not reach them
        async with bot.app.db.transaction() as conn:
            account_id = await conn.scalar(select(Account.id))
            await outbox.insert_rows(conn, outbox.rows_for("vk", str(USER), [Outgoing("Напоминание")],
                                                           bot.app.clock.now(), account_id=account_id,
                                                           kind="notification"))
        await settled(bot.app)
        assert fake.sent(USER) == []
        # refused before VK is even asked: no notification consent (and VK would answer 901)
        assert await count(bot.app, OutboxRow, OutboxRow.status.in_(["unreachable", "skipped"])) == 1
        fake.allow(USER)
        await refresh(bot, 3)
        assert recorded[2]["granted"] is True
        await fake.wait_for(lambda: bot.runtime.poller.saved_ts == str(fake.ts))
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 0


async def test_account_linking_between_telegram_and_vk(tmp_path: Path) -> None:
    import re

    from bot.app import App
    from bot.channels.telegram.runtime import TelegramRuntime
    from bot.channels.vk.runtime import VKRuntime
    from bot.storage.models import Person
    from tests.conftest import DEMO_KB
    from tests.fakes.telegram import FakeTelegram
    from tests.telegram_harness import telegram_settings
    from tests.vk_harness import vk_settings

    async with FakeVK() as vk, FakeTelegram() as tg:
        telegram_settings(tmp_path, tg)
        settings = vk_settings(tmp_path, vk)
        app = await App.create(settings, kb_path=DEMO_KB)
        tg_runtime = await TelegramRuntime.start(app, settings.telegram)
        vk_runtime = await VKRuntime.start(app, settings.vk)
        try:
            tg.command(5001, "/start")
            await tg.wait_for(lambda: bool(tg.buttons(5001)))
            tg.press(5001, tg.button(5001, "Предприниматель"))
            await tg.wait_for(lambda: any("предпринимателей" in t for t in tg.texts(5001)))
            tg.command(5001, "/link")
            await tg.wait_for(lambda: "/link" in tg.texts(5001)[-1])
            code = re.search(r"/link (\d{4} \d{4})", tg.texts(5001)[-1]).group(1)  # type: ignore[union-attr]

            vk.message(USER, f"/link {code}")
            await vk.wait_for(lambda: any("чаты связаны" in t for t in vk.texts(USER)))
            vk.message(USER, "/profile")
            await vk.wait_for(lambda: "для предпринимателей" in vk.texts(USER)[-1])
            assert await count(app, Person) == 1
        finally:
            await vk_runtime.stop()
            await tg_runtime.stop()
            await app.close()


async def test_an_operators_file_is_tried_again_then_given_up_so_its_text_still_goes() -> None:
    class Flaky:
        async def fetch(self, file_id: str) -> bytes:
            raise FileUnavailable("Telegram: TelegramNetworkError", retry=True)

    extra = {"files": [FileRef(Attachment.DOCUMENT, "BQAC", "form.pdf", 10).to_json()], "files_from": "telegram"}
    async with FakeVK() as fake:
        api = make_api(VKSection(token=fake.token, api_url=fake.api_url))
        try:
            for attempts in range(GIVE_UP_AFTER - 1):
                try:
                    await upload_all(api, {"telegram": Flaky()}, extra, 3003, attempts)
                except Retry:
                    continue
                raise AssertionError(f"gave up after {attempts} attempts")
            attached, lost = await upload_all(api, {"telegram": Flaky()}, extra, 3003, GIVE_UP_AFTER - 1)
            assert attached == [] and [ref.name for ref in lost] == ["form.pdf"]
            # the workspace's channel not running in this process: lost at once, nothing to wait for
            attached, lost = await upload_all(api, {}, extra, 3003, 0)
            assert attached == [] and len(lost) == 1
        finally:
            await api.http_client.close()
    assert fake.uploads == []


async def test_files_go_to_vk_only_of_the_kinds_the_token_may_upload() -> None:
    async with FakeVK() as fake:
        api = make_api(VKSection(token=fake.token, api_url=fake.api_url))
        try:
            assert await uploadable_kinds(api) == {Attachment.PHOTO, Attachment.DOCUMENT}
            fake.rights = {"messages", "manage", "photos"}
            assert await uploadable_kinds(api) == {Attachment.PHOTO}
            fake.fail("groups.getTokenPermissions", "10")  # VK does not say: try them all
            assert await uploadable_kinds(api) == {Attachment.PHOTO, Attachment.DOCUMENT}
        finally:
            await api.http_client.close()


async def test_one_instance_polls_and_another_takes_over_when_it_stops(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels import poll_leader

    monkeypatch.setattr(poll_leader, "RENEW", 0.2)
    async with FakeVK() as fake:
        first = await start_bot(vk_settings(tmp_path / "one", fake, BOT_DATABASE__URL=db_url), fake)
        second = await start_bot(vk_settings(tmp_path / "two", fake, BOT_DATABASE__URL=db_url), fake)
        stopped = False
        try:
            assert first.runtime.poller is not None and second.runtime.poller is None  # one polls
            fake.message(USER, "привет")
            await fake.wait_for(lambda: len(fake.sent(USER)) > 0)
            await settled(first.app)
            before = len(fake.sent(USER))
            await first.stop()
            stopped = True
            await fake.wait_for(lambda: second.runtime.poller is not None)  # the other takes over…
            fake.message(USER, "как записаться в мфц")
            await fake.wait_for(lambda: any("МФЦ" in t for t in fake.texts(USER)[before:]))  # …where it stopped
            await settled(second.app)
            assert len(fake.calls_of("groups.getLongPollServer")) == 2
        finally:
            await second.stop()
            if not stopped:
                await first.stop()


async def test_callback_api_confirms_checks_the_secret_and_answers_ok(tmp_path: Path) -> None:
    import aiohttp

    async with FakeVK() as fake:
        settings = vk_settings(
            tmp_path, fake, BOT_VK__MODE="callback", BOT_VK__CALLBACK__PORT="0",
            BOT_VK__CALLBACK__CONFIRMATION="a1b2c3",
            BOT_VK__CALLBACK__SECRET="s3cret",
        )
        bot = await start_bot(settings, fake)
        url = f"http://127.0.0.1:{bot.runtime.port}/vk"
        try:
            assert bot.runtime.poller is None and fake.calls_of("groups.getLongPollServer") == []
            async with aiohttp.ClientSession() as http:

                async def post(event: dict[str, object]) -> tuple[int, str]:
                    async with http.post(url, json=event) as response:
                        return response.status, await response.text()

                group = fake.group_id
                assert await post({"type": "confirmation", "group_id": group, "secret": "s3cret"}) == (200, "a1b2c3")
                event = fake.message(USER, "как записаться в мфц")
                assert (await post({**event, "secret": "wrong"}))[0] == 403
                assert (await post({**event, "group_id": group + 1, "secret": "s3cret"}))[0] == 403
                assert await post({**event, "secret": "s3cret"}) == (200, "ok")
                await fake.wait_for(lambda: any("МФЦ" in t for t in fake.texts(USER)))
                await settled(bot.app)
                sent = len(fake.sent(USER))
                assert await post({**event, "secret": "s3cret"}) == (200, "ok")  # VK's repeat: taken, not answered
                await settled(bot.app)
                assert len(fake.sent(USER)) == sent
        finally:
            await bot.stop()


def test_callback_mode_needs_the_confirmation_and_the_secret() -> None:
    import os

    from bot.config import ConfigError, load_settings

    os.environ.update({"BOT_VK__TOKEN": "vk1.a.token", "BOT_VK__MODE": "callback"})
    with pytest.raises(ConfigError, match="BOT_VK__CALLBACK__CONFIRMATION"):
        load_settings()
    os.environ["BOT_VK__CALLBACK__CONFIRMATION"] = "a1b2c3"
    with pytest.raises(ConfigError, match="BOT_VK__CALLBACK__SECRET"):
        load_settings()
