"""Starting and stopping the Telegram channel inside the bot process."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bot.app import App
from bot.channels.plumbing import Plumbing, make_sender
from bot.channels.startup import StartupError, retrying
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.desk import TelegramDesk, editor_commands
from bot.channels.telegram.files import TelegramFiles
from bot.channels.telegram.inbound import CHANNEL
from bot.channels.telegram.polling import Poller
from bot.channels.telegram.session import UpdateFilter, make_session, startup_transient, webhook_transient
from bot.channels.telegram.transport import TelegramTransport, is_group
from bot.channels.telegram.webhook import build_app, register
from bot.config import TelegramSection
from bot.delivery.limits import Limiter, RateLimits
from bot.delivery.sender import Sender
from bot.http_server import HttpServer

log = logging.getLogger(__name__)


def make_bot(section: TelegramSection, updates: UpdateFilter | None = None) -> Bot:
    """An aiogram Bot on Telegram's API, or on a self-hosted Bot API server (``api_server``)."""
    assert section.token is not None
    session = make_session(section.api_server, section.request_timeout, updates or UpdateFilter())
    return Bot(section.token.get_secret_value(), session=session)


def rate_limits(section: TelegramSection) -> RateLimits:
    limits = section.limits
    return RateLimits(limits.per_second, limits.chat_burst, limits.chat_per_second, limits.group_per_minute)


@dataclass
class TelegramRuntime:
    bot: Bot
    channel: TelegramChannel
    sender: Sender
    username: str
    poller: Poller | None = None
    server: HttpServer | None = None
    port: int | None = None
    plumbing: Plumbing | None = None  # the outbox, replays and this instance's share of the rate limits

    @classmethod
    async def start(cls, app: App, section: TelegramSection, bot: Bot | None = None) -> TelegramRuntime:
        secret = section.webhook.secret.get_secret_value() if section.webhook.secret is not None else ""
        if section.mode == "webhook" and not secret.strip():
            raise StartupError(
                "telegram.webhook.secret (BOT_TELEGRAM__WEBHOOK__SECRET) is empty: in webhook mode the bot "
                "would accept anyone's requests. Set a secret and start again."
            )
        updates = UpdateFilter()
        bot = bot or make_bot(section, updates)
        desk = TelegramDesk(app, bot, app.handoff, app.handoff.section.chat_id or 0) if app.handoff else None
        transport = TelegramTransport(bot, desk)
        limiter = Limiter(rate_limits(section), is_group)
        sender = make_sender(app, transport, limiter)
        channel = TelegramChannel(app, bot, sender)
        channel.desk = desk
        channel.editor_command = editor_commands(app)
        try:
            username = await channel.setup(section.set_commands)
            if desk is not None:
                desk.editor_command = channel.editor_command
                await desk.check()
        except BaseException:
            await bot.session.close()
            raise
        if desk is not None:
            app.file_sources[CHANNEL] = TelegramFiles(bot)  # operators' files for people on other platforms
        runtime = cls(bot, channel, sender, username)
        runtime.plumbing = plumbing = await Plumbing.start(app, CHANNEL, channel, sender, limiter)
        give_up_after = app.settings.delivery.dead_letter_after
        try:
            if section.mode == "polling":
                runtime.poller = Poller(bot, channel, section.polling_timeout, updates, give_up_after)
                await retrying("Telegram deleteWebhook", runtime.poller.prepare, startup_transient)
                plumbing.add(asyncio.create_task(runtime.poller.run(), name="telegram-polling"))
                log.info("Telegram bot @%s is polling for updates", username)
            else:
                hook = section.webhook
                receiver = build_app(bot, channel, hook.path, secret, give_up_after)
                runtime.server = HttpServer(receiver, hook.listen, hook.port)
                runtime.port = await runtime.server.start()
                try:
                    await retrying(
                        "Telegram setWebhook", lambda: register(bot, hook.url, secret, hook.max_connections),
                        webhook_transient,
                    )
                except TelegramBadRequest as exc:
                    raise StartupError(f"Telegram refused telegram.webhook.url {hook.url!r}: {exc.message}") from None
                log.info("Telegram bot @%s receives updates at %s (port %s)", username, hook.url, runtime.port)
        except BaseException:  # stopped while waiting for Telegram, or an error retrying cannot fix
            runtime.poller = None
            await runtime.stop()
            raise
        return runtime

    async def stop(self) -> None:
        """Stop receiving, finish what is in hand, send what is due, close the HTTP session."""
        if self.poller is not None:
            self.poller.stop()
        if self.server is not None:
            await self.server.stop()
        if self.plumbing is not None:
            await self.plumbing.stop("telegram-polling")
        self.channel.app.file_sources.pop(CHANNEL, None)
        await self.bot.session.close()
