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
from bot.channels.redelivery import Redeliveries, store_or_set_aside
from bot.channels.vk.channel import VKChannel
from bot.channels.vk.inbound import event_key, peer_of
from bot.delivery.outbox import Envelope
from bot.dialogue.locks import KeyedLocks
from bot.health import on_webhook_port

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
        async def store() -> list[Envelope]:
            async with people.hold(str(peer_of(event))):
                return await channel.store(event)

        replies = await store_or_set_aside(
            failures, f"VK event {event_key(event)}", store, lambda exc, count: channel.dead(event, exc, count)
        )
        if replies is None:
            return web.Response(status=500, text="error")
        if replies:
            background.spawn(channel.deliver(replies))
        return web.Response(text="ok")

    async def drain(app: web.Application) -> None:
        await background.drain()

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/health", on_webhook_port(channel.app.extras))
    app.on_shutdown.append(drain)
    return app
