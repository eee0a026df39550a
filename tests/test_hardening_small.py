"""Smaller hardening: a pipe that is not UTF-8, private data files, a webhook body nested 100 000 deep,
the «can't create a topic» hint on a freshly booted host."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest

from bot.clock import FakeClock
from tests.conftest import DEMO_KB, ROOT
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import start_bot, telegram_settings
from tests.test_handoff import GROUP, MONDAY_NOON_MSK, PERSON, general_texts, start


def test_chat_takes_bytes_that_are_not_utf8_from_a_pipe() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_") or k == "BOT_MATCHER__SEMANTIC"}
    env["PYTHONIOENCODING"] = "utf-8:strict"  # as in a UTF-8 desktop locale (C.UTF-8 would be lenient)
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--fresh"],
        input=b"\xff\xfe\xd0 \xc3(\n" + "как открыть ипшку\n".encode(),
        capture_output=True, cwd=ROOT, env=env, check=False, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert "Traceback" not in proc.stderr.decode(errors="replace")
    assert "Р21001" in proc.stdout.decode()  # the next line is still answered


async def test_the_data_folder_and_the_database_are_private(tmp_path: Path) -> None:
    from bot.app import App
    from bot.config import load_settings

    os.environ["BOT_BOT__DATA_DIR"] = str(tmp_path / "data")
    old = os.umask(0o022)
    try:
        app = await App.create(load_settings(), kb_path=DEMO_KB)
        try:
            async with app.db.transaction() as conn:
                await conn.exec_driver_sql("SELECT 1")
        finally:
            await app.close()
    finally:
        os.umask(old)
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [p for p in data.iterdir() if p.name.startswith("bot.sqlite3")]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), [
        (p.name, oct(p.stat().st_mode)) for p in files]


async def test_an_existing_open_database_is_closed_to_others(tmp_path: Path) -> None:
    from bot.storage import Database

    path = tmp_path / "open" / "bot.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"")
    os.chmod(path, 0o644)
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_webhook_body_nested_100000_deep_is_a_400(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(
            tmp_path, fake, BOT_TELEGRAM__MODE="webhook", BOT_TELEGRAM__WEBHOOK__URL="https://bot.example.org/tg",
            BOT_TELEGRAM__WEBHOOK__PATH="/tg", BOT_TELEGRAM__WEBHOOK__LISTEN="127.0.0.1",
            BOT_TELEGRAM__WEBHOOK__PORT="0", BOT_TELEGRAM__WEBHOOK__SECRET="s3cret",
        )
        bot = await start_bot(settings, fake)
        try:
            url = f"http://127.0.0.1:{bot.runtime.port}/tg"
            body = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Content-Type": "application/json"}
            async with aiohttp.ClientSession() as session:
                async with session.post(url, data=body, headers=headers) as resp:
                    assert resp.status == 400
                update = fake.message(PERSON, "как открыть ипшку")  # and the next update is served
                async with session.post(url, json=update, headers=headers) as resp:
                    assert resp.status == 200
        finally:
            await bot.stop()


async def test_the_topic_hint_is_given_on_a_host_booted_minutes_ago(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.telegram import desk as desk_module

    # time.monotonic() counts from the host's boot on Linux: 42 s after a reboot (the desk's clock only)
    monkeypatch.setattr(desk_module, "time", SimpleNamespace(monotonic=lambda: 42.0))
    async with FakeTelegram() as fake:
        fake.chats[GROUP] = {"id": GROUP, "type": "supergroup", "title": "Операторы", "is_forum": True,
                             "no_rights": True}
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            fake.command(PERSON, "/operator")
            await fake.wait_for(lambda: any("Не могу создать тему" in t for t in general_texts(fake)), timeout=10)
        finally:
            await bot.stop()


async def test_the_max_webhook_answers_400_to_a_deep_body_and_needs_a_secret() -> None:
    from aiohttp import web

    from bot.channels.max.webhook import SECRET_HEADER, build_app

    with pytest.raises(ValueError, match="BOT_MAX__WEBHOOK__SECRET"):
        build_app(None, "/max", " ")  # type: ignore[arg-type]
    nobody = SimpleNamespace(app=SimpleNamespace(extras={}))  # the body is refused before the channel
    runner = web.AppRunner(build_app(nobody, "/max", "s3cret"))  # type: ignore[arg-type]
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            body = b'{"update_type": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
            async with session.post(f"http://127.0.0.1:{port}/max", data=body,
                                    headers={SECRET_HEADER: "s3cret"}) as resp:
                assert resp.status == 400
    finally:
        await runner.cleanup()
