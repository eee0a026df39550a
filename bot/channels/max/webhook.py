"""Webhook mode: an aiohttp server that checks MAX's secret header, processes the update, and answers
200 only after the update and its replies are stored (any other answer makes MAX deliver it again);
the replies are sent after that. An update that fails ``give_up_after`` times is set aside as a dead
letter (``bot updates dead``) and answered 200, so MAX stops delivering it."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.channels.max.channel import MaxChannel
from bot.channels.max.inbound import update_key
from bot.delivery.dead_letters import Redeliveries

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Max-Bot-Api-Secret"


def build_app(channel: MaxChannel, path: str, secret: str, give_up_after: int = 3) -> web.Application:
    if not secret or not secret.strip():
        raise ValueError("max.webhook.secret (BOT_MAX__WEBHOOK__SECRET) is empty: the webhook would accept "
                         "anyone's requests")
    failures = Redeliveries(give_up_after)

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("MAX webhook request with a wrong secret refused")
            return web.json_response({"ok": False, "error": "forbidden"}, status=401)
        try:
            update = json.loads(await request.text())
        except (ValueError, RecursionError):  # a body nested 100 000 deep is a bad request, not a crash
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        if not isinstance(update, dict):
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        try:
            replies = await channel.store(update)
        except Exception as exc:
            key = update_key(update)
            if not failures.failed(key, exc):
                log.exception("Handling MAX update %s failed; MAX will deliver it again", key)
                return web.json_response({"ok": False}, status=500)
            count = failures.pop(key)
            log.error("Handling MAX update %s failed %d times; setting it aside", key, count, exc_info=exc)
            try:  # a dead letter: MAX may move on
                replies = await channel.dead(update, exc, count)
            except Exception:
                log.exception("Could not set MAX update %s aside; MAX will deliver it again", key)
                return web.json_response({"ok": False}, status=500)
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
