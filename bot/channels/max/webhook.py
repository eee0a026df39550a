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
from bot.channels.redelivery import Redeliveries, store_or_set_aside
from bot.health import on_webhook_port

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
        replies = await store_or_set_aside(
            failures, f"MAX update {update_key(update)}", lambda: channel.store(update),
            lambda exc, count: channel.dead(update, exc, count),
        )
        if replies is None:
            return web.json_response({"ok": False}, status=500)
        channel.deliver_soon(replies)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/health", on_webhook_port(channel.app.extras))
    return app
