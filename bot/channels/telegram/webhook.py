"""Webhook mode: an aiohttp server that checks Telegram's secret token, processes the update, and
answers 200 only after the update and its replies are stored (an error answer makes Telegram deliver
it again); the replies are sent after that."""

from __future__ import annotations

import hmac
import logging

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.channels.telegram.channel import ALLOWED_UPDATES, TelegramChannel

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build_app(bot: Bot, channel: TelegramChannel, path: str, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("Webhook request with a wrong secret token refused")
            return web.json_response({"ok": False, "error": "forbidden"}, status=401)
        try:
            data = await request.json()
            update = Update.model_validate(data, context={"bot": bot})
        except (ValueError, ValidationError):
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        try:
            replies = await channel.store(update)
        except Exception:
            log.exception("Handling update %s failed; Telegram will deliver it again", update.update_id)
            return web.json_response({"ok": False}, status=500)
        # stored (replies in the outbox): Telegram may move on while the replies go out, which under
        # the rate limits can take seconds it would otherwise spend holding a connection open
        channel.deliver_soon(replies)
        return web.json_response({"ok": True})

    async def health(request: web.Request) -> web.Response:
        checks = channel.app.extras.get("health")  # bot.health.Health, when the runner made one
        if checks is not None:
            return await checks.handle(request)  # type: ignore[attr-defined,no-any-return]
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/health", health)
    return app


async def register(bot: Bot, url: str, secret: str, max_connections: int) -> None:
    """Point Telegram at this server (pending updates are kept)."""
    await bot.set_webhook(
        url=url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        max_connections=max_connections,
        drop_pending_updates=False,
    )


class WebhookServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=30.0)
        self.host = host
        self.port = port
        self.site: web.TCPSite | None = None

    async def start(self) -> int:
        await self.runner.setup()
        self.site = web.TCPSite(self.runner, self.host, self.port)
        await self.site.start()
        server = self.site._server
        sockets = getattr(server, "sockets", None) or []
        return sockets[0].getsockname()[1] if sockets else self.port

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish, then close."""
        await self.runner.cleanup()
