"""Start-up: the configuration refuses what cannot work (empty webhook secret, malformed tokens, a short
salt) in one line naming the key; the network is retried with a line per attempt; a refused token exits."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.channels import startup
from bot.channels.startup import StartupError
from bot.channels.telegram.runtime import TelegramRuntime
from bot.config import ConfigError, load_settings
from tests.conftest import DEMO_KB
from tests.fakes.telegram import FakeTelegram
from tests.fakes.vk import FakeVK
from tests.telegram_harness import start_bot, telegram_settings
from tests.vk_harness import vk_settings

WEBHOOK = {
    "BOT_TELEGRAM__MODE": "webhook",
    "BOT_TELEGRAM__WEBHOOK__URL": "https://bot.example.org/tg",
    "BOT_TELEGRAM__WEBHOOK__PATH": "/tg",
    "BOT_TELEGRAM__WEBHOOK__LISTEN": "127.0.0.1",
    "BOT_TELEGRAM__WEBHOOK__PORT": "0",
}


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "FIRST_WAIT", 0.05)
    monkeypatch.setattr(startup, "MAX_WAIT", 0.2)


@pytest.mark.parametrize("secret", ["", "   "])
def test_webhook_with_an_empty_secret_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str
) -> None:
    from bot.cli import main

    for key, value in {**WEBHOOK, "BOT_TELEGRAM__TOKEN": "123:abc", "BOT_TELEGRAM__WEBHOOK__SECRET": secret}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match="BOT_TELEGRAM__WEBHOOK__SECRET"):
        load_settings()
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "telegram.webhook.secret is required" in err and "Traceback" not in err


def test_a_webhook_secret_telegram_would_refuse_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**WEBHOOK, "BOT_TELEGRAM__TOKEN": "123:abc", "BOT_TELEGRAM__WEBHOOK__SECRET": "a b"}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=r"telegram\.webhook\.secret"):
        load_settings()


async def test_the_webhook_runtime_refuses_an_empty_secret_however_it_got_there(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, **WEBHOOK, BOT_TELEGRAM__WEBHOOK__SECRET="s3cret")
        hook = settings.telegram.webhook.model_copy(update={"secret": SecretStr("")})
        section = settings.telegram.model_copy(update={"webhook": hook})
        app = await App.create(settings, kb_path=DEMO_KB)
        try:
            with pytest.raises(StartupError, match="BOT_TELEGRAM__WEBHOOK__SECRET"):
                runtime = await TelegramRuntime.start(app, section)
                await runtime.stop()
        finally:
            await app.close()
        assert fake.webhook is None and not fake.calls_of("setWebhook")


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("BOT_TELEGRAM__TOKEN", "abc", "wrong form"),
    ("BOT_TELEGRAM__TOKEN", "123456:AAH abc", "space"),
    ("BOT_VK__TOKEN", "vk1.a.abc\ndef", "line break"),
])
def test_a_malformed_token_is_one_line_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], key: str, value: str, problem: str
) -> None:
    from bot.cli import main

    monkeypatch.setenv(key, value)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    name = key.removeprefix("BOT_").lower().replace("__", ".")
    assert f"{name}: " in err and problem in err
    assert value not in err and "Traceback" not in err and len(err.strip().splitlines()) == 2


def test_spaces_pasted_around_a_token_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TELEGRAM__TOKEN", "  123456:AAH-abc_def\n")
    token = load_settings().telegram.token
    assert token is not None and token.get_secret_value() == "123456:AAH-abc_def"


def test_a_short_analytics_salt_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ANALYTICS__SALT", "short-salt")
    with pytest.raises(ConfigError, match=r"analytics\.salt: .*at least 16 bytes") as err:
        load_settings()
    assert "short-salt" not in str(err.value)
    monkeypatch.setenv("BOT_ANALYTICS__SALT", "sixteen-bytes-ok")
    assert load_settings().analytics.salt is not None


async def test_telegram_unwell_at_start_is_retried_with_a_line_per_attempt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake)
        fake.fail("getMe", "502", times=2)
        fake.fail("deleteWebhook", "500", times=1)
        with caplog.at_level(logging.WARNING, logger="bot.channels.startup"):
            bot = await start_bot(settings, fake)
        await bot.stop()
    lines = [r for r in caplog.records if r.name == "bot.channels.startup"]
    assert [r.getMessage().split(" (")[0] for r in lines] == [
        "Telegram getMe failed", "Telegram getMe failed", "Telegram deleteWebhook failed"]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in lines)
    assert "attempt 2: TelegramServerError" in lines[1].getMessage()


async def test_a_failed_set_webhook_is_retried(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, **WEBHOOK, BOT_TELEGRAM__WEBHOOK__SECRET="s3cret")
        fake.fail("setWebhook", "500", times=1)
        fake.fail("setWebhook", "400", times=1)  # "bad webhook: failed to resolve host" until DNS is up
        bot = await start_bot(settings, fake)
        try:
            assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret"
            assert [c.status for c in fake.calls if c.method == "setWebhook"] == [500, 400, 200]
        finally:
            await bot.stop()


async def test_a_webhook_address_telegram_never_takes_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.runner import serve

    async with FakeTelegram() as fake:
        env = {**WEBHOOK, "BOT_TELEGRAM__WEBHOOK__URL": "http://bot.example.org/tg"}
        settings = telegram_settings(tmp_path, fake, **env, BOT_TELEGRAM__WEBHOOK__SECRET="s3cret")
        assert await asyncio.wait_for(serve(settings), 20) == 1
        assert [c.status for c in fake.calls if c.method == "setWebhook"] == [400]  # not retried
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "telegram.webhook.url" in err and "HTTPS URL must be provided" in err


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_telegram_logs_each_attempt_and_stops_on_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.runner import serve

    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, BOT_TELEGRAM__API_SERVER=f"http://127.0.0.1:{_closed_port()}")
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="bot.channels.startup"):
        task = asyncio.create_task(serve(settings, stop))
        for _ in range(200):
            if sum(r.name == "bot.channels.startup" for r in caplog.records) >= 3:
                break
            await asyncio.sleep(0.05)
        stop.set()
        assert await asyncio.wait_for(task, 10) == 0
    lines = [r for r in caplog.records if r.name == "bot.channels.startup"]
    assert len(lines) >= 3 and all("Telegram getMe failed (attempt" in r.getMessage() for r in lines)
    assert all(r.exc_info is None for r in lines)


async def test_a_refused_token_exits_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.runner import serve

    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, BOT_TELEGRAM__TOKEN="999:wrong")
        assert await serve(settings) == 1
        assert len(fake.calls_of("getMe")) == 0  # 401 is not retried (the fake records only accepted calls)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "@BotFather" in err


async def test_vk_start_up_calls_keep_to_the_rate_limit_and_survive_a_5xx(tmp_path: Path) -> None:
    from tests.vk_harness import start_bot as start_vk

    async with FakeVK() as fake:
        settings = vk_settings(tmp_path, fake, BOT_VK__LIMITS__PER_SECOND="2")
        fake.fail("groups.getById", "500", times=1)
        bot = await start_vk(settings, fake)
        await bot.stop()
    calls = [c for c in fake.calls if c.method.startswith("groups.")]
    assert [c.method for c in calls] == ["groups.getById", "groups.getById", "groups.setLongPollSettings",
                                         "groups.getLongPollServer"]
    times = [c.at for c in calls]
    for i in range(len(times) - 2):
        assert times[i + 2] - times[i] >= 0.95, "three VK requests within one second"


async def test_the_first_retry_after_vk_error_10_waits(tmp_path: Path) -> None:
    from tests.vk_harness import running_bot as running_vk

    async with running_vk(tmp_path) as bot:
        fake = bot.fake
        fake.fail("messages.send", "10", times=1)
        fake.message(4001, "как открыть ипшку")
        await fake.wait_for(lambda: bool(fake.texts(4001)), timeout=20)
        sends = [c for c in fake.calls if c.method == "messages.send"]
        assert sends[0].error == 10 and sends[1].error == 0
        assert sends[1].at - sends[0].at >= 0.4  # backed off from the first retry


async def test_the_first_retry_after_a_telegram_5xx_waits(tmp_path: Path) -> None:
    from tests.telegram_harness import running_bot

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.fail("sendMessage", "502", times=1)
        started = time.monotonic()
        fake.message(4001, "как открыть ипшку")
        await fake.wait_for(lambda: bool(fake.texts(4001)), timeout=20)
        sends = [c for c in fake.calls if c.method == "sendMessage"]
        assert sends[0].status == 502 and sends[0].at >= started
        assert sends[1].at - sends[0].at >= 0.4


async def test_a_black_holed_network_is_a_line_per_attempt_not_silence(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.telegram import channel as channel_module

    monkeypatch.setattr(channel_module, "REQUEST_TIMEOUT", 1.0)  # 15 s in service
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake)
        fake.fail("getMe", "timeout", times=1, delay=3.0)  # the request hangs: no answer at all
        with caplog.at_level(logging.WARNING, logger="bot.channels.startup"):
            bot = await start_bot(settings, fake)
        await bot.stop()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.channels.startup"]
    assert len(lines) == 1 and "Telegram getMe failed (attempt 1: TelegramNetworkError" in lines[0]
