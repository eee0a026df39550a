"""``GET /health``: the database and each channel, 200 when all answer, 503 naming what does not."""

from __future__ import annotations

import aiohttp

from bot.health import Health, HealthServer
from bot.storage import Database, upgrade


async def fetch(health: Health) -> tuple[int, dict[str, object]]:
    server = HealthServer(health, "127.0.0.1", 0)
    port = await server.start()
    try:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/health") as response:
            return response.status, await response.json()
    finally:
        await server.stop()


async def test_health_reports_the_database_and_each_channel(db_url: str) -> None:
    db = Database(db_url)
    await upgrade(db.engine)
    calls: list[str] = []

    async def telegram() -> None:
        calls.append("telegram")

    async def vk() -> None:
        raise ConnectionError("VK is away")

    try:
        health = Health(db)
        health.add_channel("telegram", telegram)
        assert await fetch(health) == (200, {"status": "ok", "database": "ok", "channels": {"telegram": "ok"}})
        health.add_channel("vk", vk)
        status, report = await fetch(health)
        assert status == 503
        assert report["database"] == "ok" and report["channels"] == {"telegram": "ok", "vk": "error: ConnectionError"}
        assert calls == ["telegram"]  # the platform's answer is reused for a while
    finally:
        await db.dispose()


async def test_health_says_when_the_database_is_away() -> None:
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # nothing listens on port 1
    try:
        status, report = await fetch(Health(db))
        assert status == 503 and str(report["database"]).startswith("error: ")
    finally:
        await db.dispose()
