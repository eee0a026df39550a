"""Webhook mode: an aiohttp server that checks MAX's secret header, processes the update, and answers
200 only after the update and its replies are stored (any other answer makes MAX deliver it again);
the replies are sent after that."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.channels.max.channel import MaxChannel
from bot.channels.max.inbound import update_key

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Max-Bot-Api-Secret"


def build_app(channel: MaxChannel, path: str, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("MAX webhook request with a wrong secret refused")
            return web.json_response({"ok": False, "error": "forbidden"}, status=401)
        try:
            update = json.loads(await request.text())
        except ValueError:
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        if not isinstance(update, dict):
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        try:
            replies = await channel.store(update)
        except Exception:
            log.exception("Handling MAX update %s failed; MAX will deliver it again", update_key(update))
            return web.json_response({"ok": False}, status=500)
        channel.deliver_soon(replies)
        return web.json_response({"ok": True})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/health", health)
    return app


class WebhookServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=30.0, access_log=None)
        self.host = host
        self.port = port

    async def start(self) -> int:
        """Listen; the port actually bound (``port`` 0 picks a free one)."""
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        return sockets[0].getsockname()[1] if sockets else self.port

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish, then close."""
        await self.runner.cleanup()
