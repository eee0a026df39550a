"""``GET /health``: whether this instance can reach its database and each channel's platform.

Answers 200 with ``{"status": "ok", "database": "ok", "channels": {"telegram": "ok"}}`` when all do,
503 with the failing part's error otherwise. Platform checks are cached for a while, so a balancer
asking every few seconds does not spend the bot's API budget. In the running bot ``matcher`` adds the
sentence encoder's state, e.g. ``{"semantic": "warming", "texts": 6000, "embedded": 1200}``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import text

from bot.http_server import HttpServer
from bot.storage import Database

log = logging.getLogger(__name__)
TIMEOUT = 5.0  # seconds one check may take
CHANNEL_CACHE = 30.0  # seconds a channel's answer is reused


class Health:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.channels: dict[str, Callable[[], Awaitable[object]]] = {}
        self._cached: dict[str, tuple[float, str]] = {}
        # The matcher's state (the sentence encoder warming up, ready or off): informational, never a 503.
        self.matcher: Callable[[], dict[str, object]] | None = None

    def add_channel(self, name: str, probe: Callable[[], Awaitable[object]]) -> None:
        """``probe`` calls the platform cheaply (getMe, groups.getById) and raises when it cannot."""
        self.channels[name] = probe

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(TIMEOUT), self.db.read() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            return f"error: {type(exc).__name__}"
        return "ok"

    async def _channel(self, name: str) -> str:
        now = time.monotonic()
        cached = self._cached.get(name)
        if cached is not None and now - cached[0] < CHANNEL_CACHE:
            return cached[1]
        try:
            async with asyncio.timeout(TIMEOUT):
                await self.channels[name]()
            state = "ok"
        except Exception as exc:
            state = f"error: {type(exc).__name__}"
        self._cached[name] = (now, state)
        return state

    async def report(self) -> dict[str, object]:
        names = list(self.channels)
        database, *states = await asyncio.gather(self._database(), *(self._channel(n) for n in names))
        channels = dict(zip(names, states, strict=True))
        ok = database == "ok" and all(state == "ok" for state in channels.values())
        report: dict[str, object] = {"status": "ok" if ok else "error", "database": database, "channels": channels}
        if self.matcher is not None:
            report["matcher"] = self.matcher()
        return report

    async def handle(self, request: web.Request) -> web.Response:
        report = await self.report()
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)


class HealthServer(HttpServer):
    """A small HTTP server answering ``GET /health`` only."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        app = web.Application()
        app.router.add_get("/health", health.handle)
        super().__init__(app, host, port)


def on_webhook_port(extras: dict[str, object]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """``GET /health`` beside a webhook: the runner's checks when it made them (``extras["health"]``)."""

    async def health(request: web.Request) -> web.Response:
        checks = extras.get("health")
        if isinstance(checks, Health):
            return await checks.handle(request)
        return web.json_response({"status": "ok"})

    return health
