"""The web console on a temporary database and a copy of the demo base, with one account per role."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.web import accounts
from bot.web.server import build
from tests.conftest import DEMO_KB

PASSWORDS = {role: f"{role}-пароль-2026" for role in ("admin", "editor", "analyst", "operator")}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def console_settings(tmp_path: Path, **env: str) -> tuple[Settings, Path]:
    kb = tmp_path / "kb"
    if not kb.exists():
        shutil.copytree(DEMO_KB, kb)
    values = {
        "BOT_BOT__DATA_DIR": str(tmp_path / "data"),
        "BOT_KNOWLEDGE_BASE__PATH": str(kb),
        "BOT_EDITORS__WATCH": "false",
        "BOT_WEB__LISTEN": "127.0.0.1",
        "BOT_WEB__PORT": "0",
        **env,
    }
    for key, value in values.items():
        os.environ[key] = value
    return load_settings(), kb


@dataclass
class Harness:
    app: App
    client: TestClient
    settings: Settings
    kb: Path

    async def login(self, role: str, password: str | None = None) -> ClientResponse:
        page = await self.client.get("/login")
        token = csrf_of(await page.text())
        return await self.client.post(
            "/login", data={"login": role, "password": password or PASSWORDS[role], "csrf": token},
            allow_redirects=False,
        )

    async def logout(self) -> None:
        token = await self.csrf("/")
        await self.client.post("/logout", data={"csrf": token}, allow_redirects=False)
        self.client.session.cookie_jar.clear()

    async def csrf(self, path: str) -> str:
        return csrf_of(await (await self.client.get(path)).text())

    async def post(self, path: str, data: dict[str, str] | list[tuple[str, str]], page: str | None = None
                   ) -> ClientResponse:
        token = await self.csrf(page or path)
        items = list(data.items()) if isinstance(data, dict) else list(data)
        return await self.client.post(path, data=[*items, ("csrf", token)], allow_redirects=False)

    async def ask(self, *lines: str, user: str = "citizen-1") -> str:
        """Talk to the bot through the console channel, as `python -m bot chat` does."""
        channel = ConsoleChannel(self.app.dialogue.handle, user)
        return "".join([await channel.send_line(line) for line in lines])


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def add_accounts(app: App) -> None:
    async with app.db.transaction() as conn:
        for role, password in PASSWORDS.items():
            await accounts.add_user(conn, role, password, role, datetime.now(UTC))


@asynccontextmanager
async def running_console(tmp_path: Path, clock: Clock | None = None, **env: str) -> AsyncIterator[Harness]:
    settings, kb = console_settings(tmp_path, **env)
    app = await App.create(settings, kb_path=kb, clock=clock)
    try:
        await add_accounts(app)
        client = TestClient(TestServer(build(app, settings.web)))
        await client.start_server()
        try:
            yield Harness(app, client, settings, kb)
        finally:
            await client.close()
    finally:
        await app.close()
