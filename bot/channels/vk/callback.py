"""VK's Callback API: VK posts every event of the community to this server, so several instances
behind a balancer share the events (Bots Long Poll serves one process only).

VK's rules: the server answers a ``confirmation`` request with the confirmation string of the
community's settings, checks the ``secret`` key of every request, and answers ``ok`` once the event
is taken; any other answer makes VK deliver the event again (the bot recognises a repeated event by
its ``event_id``). The answer here comes after the event and its replies are stored; the replies are
sent after that. One person's events are handled in order. An event that fails ``give_up_after``
times is set aside as a dead letter (``bot updates dead``) and answered ``ok``, so VK stops sending it.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiohttp import web

from bot.channels.background import Background
from bot.channels.vk.channel import VKChannel
from bot.channels.vk.inbound import event_key, peer_of
from bot.delivery.dead_letters import Redeliveries
from bot.dialogue.locks import KeyedLocks

log = logging.getLogger(__name__)


def build_app(
    channel: VKChannel, path: str, confirmation: str, secret: str, give_up_after: int = 3
) -> web.Application:
    people = KeyedLocks()
    failures = Redeliveries(give_up_after)
    background = Background()

    async def receive(request: web.Request) -> web.Response:
        try:
            event: Any = await request.json()
        except ValueError:
            return web.Response(status=400, text="bad request")
        if not isinstance(event, dict) or event.get("group_id") != channel.group_id:
            log.warning("VK Callback API request for another community refused")
            return web.Response(status=403, text="wrong community")
        if not hmac.compare_digest(str(event.get("secret", "")).encode(), secret.encode()):
            log.warning("VK Callback API request with a wrong secret key refused")
            return web.Response(status=403, text="forbidden")
        if event.get("type") == "confirmation":
            return web.Response(text=confirmation)
        try:
            async with people.hold(str(peer_of(event))):
                replies = await channel.store(event)
        except Exception as exc:
            key = event_key(event)
            if not failures.failed(key, exc):
                log.exception("Handling VK event %s failed; VK will deliver it again", key)
                return web.Response(status=500, text="error")
            count = failures.pop(key)
            log.error("Handling VK event %s failed %d times; setting it aside", key, count, exc_info=exc)
            try:  # a dead letter: VK may move on
                replies = await channel.dead(event, exc, count)
            except Exception:
                log.exception("Could not set VK event %s aside; VK will deliver it again", key)
                return web.Response(status=500, text="error")
        if replies:
            background.spawn(channel.deliver(replies))
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        checks = channel.app.extras.get("health")
        if checks is not None:
            return await checks.handle(request)  # type: ignore[attr-defined,no-any-return]
        return web.json_response({"status": "ok"})

    async def drain(app: web.Application) -> None:
        await background.drain()

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/health", health)
    app.on_shutdown.append(drain)
    return app


class CallbackServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=30.0)
        self.host = host
        self.port = port

    async def start(self) -> int:
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        return sockets[0].getsockname()[1] if sockets else self.port

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (their replies too), then close."""
        await self.runner.cleanup()
