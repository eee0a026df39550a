"""Webhook mode: an aiohttp server that checks Telegram's secret token, processes the update, and
answers 200 only after the update and its replies are stored (an error answer makes Telegram deliver
it again); the replies are sent after that."""

from __future__ import annotations

import hmac
import logging

import orjson
from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.channels.redelivery import Redeliveries, store_or_set_aside
from bot.channels.telegram.channel import ALLOWED_UPDATES, TelegramChannel
from bot.health import on_webhook_port

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSecretMissing(ValueError):
    """Webhook mode without a secret: anyone who finds the address could post updates."""


def build_app(
    bot: Bot, channel: TelegramChannel, path: str, secret: str, give_up_after: int = 3
) -> web.Application:
    if not secret or not secret.strip():
        raise WebhookSecretMissing(
            "telegram.webhook.secret (BOT_TELEGRAM__WEBHOOK__SECRET) is empty: the webhook would accept "
            "anyone's requests. Set a secret and start again."
        )
    failures = Redeliveries(give_up_after)  # Telegram delivers a failed update again

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("Webhook request with a wrong secret token refused")
            return web.json_response({"ok": False, "error": "forbidden"}, status=401)
        try:
            # orjson refuses nesting deeper than 1024 levels (a 100 000-deep body is a 400, not a crash)
            data = orjson.loads(await request.read())
            update = Update.model_validate(data, context={"bot": bot})
        except (ValueError, ValidationError, RecursionError):
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        replies = await store_or_set_aside(
            failures, f"update {update.update_id}", lambda: channel.store(update),
            lambda exc, count: channel.dead(update, exc, count),
        )
        if replies is None:
            return web.json_response({"ok": False}, status=500)
        # stored (replies in the outbox): Telegram may move on while the replies go out, which under
        # the rate limits can take seconds it would otherwise spend holding a connection open
        channel.deliver_soon(replies)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/health", on_webhook_port(channel.app.extras))
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
