"""Starting and stopping the MAX channel inside the bot process."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.app import App
from bot.channels.max import files
from bot.channels.max.api import MaxAPI, MaxError, MaxUnavailable
from bot.channels.max.channel import OTHER_REQUESTS, MaxChannel
from bot.channels.max.inbound import CHANNEL, UPDATE_TYPES
from bot.channels.max.polling import MaxPoller
from bot.channels.max.transport import MaxTransport
from bot.channels.max.webhook import build_app
from bot.channels.plumbing import Plumbing, make_sender, tell_operators_of_lost_files
from bot.channels.poll_leader import PollLeader
from bot.config import MaxSection
from bot.delivery.limits import Limiter, RateLimits
from bot.delivery.sender import Sender
from bot.http_server import HttpServer

log = logging.getLogger(__name__)


class MaxSetupError(Exception):
    """The token or the platform cannot be used; the message says what to fix."""


def make_api(section: MaxSection) -> MaxAPI:
    assert section.token is not None
    return MaxAPI(section.token.get_secret_value(), section.api_url, section.request_timeout)


def rate_limits(section: MaxSection) -> RateLimits:
    """The section's limits; the bot writes to people only, so the group budget (a "chat" that is every
    request other than a message) is the overall one."""
    limits = section.limits
    return RateLimits(limits.per_second, limits.chat_burst, limits.chat_per_second, limits.per_second * 60)


def is_other_request(key: str) -> bool:
    return key == OTHER_REQUESTS


async def whoami(api: MaxAPI) -> str:
    """The bot's name on MAX (GET /me); a clear error when the token is refused."""
    try:
        me = await api.me()
    except MaxError as exc:
        if exc.status == 401:
            raise MaxSetupError(
                "MAX did not accept the token (BOT_MAX__TOKEN): copy it from the bot's page on the MAX "
                "partner platform (docs/max.md)."
            ) from None
        raise MaxSetupError(f"MAX answered GET /me with {exc.status} {exc.code}") from None
    except MaxUnavailable as exc:
        raise MaxSetupError(f"MAX is unreachable at max.api_url ({exc})") from None
    name = me.get("username") or me.get("name") or me.get("user_id")
    return str(name or "?")


async def switch_to_polling(api: MaxAPI) -> None:
    """GET /updates gives nothing while a webhook subscription exists: remove those (they are this
    bot's own, left by an earlier webhook deployment)."""
    try:
        for subscription in await api.subscriptions():
            url = subscription.get("url")
            if isinstance(url, str):
                log.warning("Removing the MAX webhook subscription %s to poll for updates instead", url)
                await api.unsubscribe(url)
    except (MaxError, MaxUnavailable) as exc:
        log.warning("Could not check MAX's webhook subscriptions (%s); polling anyway", exc)


@dataclass
class MaxRuntime:
    api: MaxAPI
    channel: MaxChannel
    sender: Sender
    name: str
    plumbing: Plumbing | None = None  # the outbox, replays and rate-limit share
    leader: PollLeader[MaxPoller] | None = None  # polling mode: one instance polls, the others stand by
    server: HttpServer | None = None
    port: int | None = None

    @property
    def poller(self) -> MaxPoller | None:
        """The poller while this instance polls (None in webhook mode or while it stands by)."""
        return self.leader.poller if self.leader is not None else None

    @classmethod
    async def start(cls, app: App, section: MaxSection, api: MaxAPI | None = None) -> MaxRuntime:
        api = api or make_api(section)
        try:
            name = await whoami(api)
            if section.mode == "polling":
                await switch_to_polling(api)
        except BaseException:
            await api.close()
            raise
        limiter = Limiter(rate_limits(section), is_other_request)
        transport = MaxTransport(api, app.file_sources)
        if app.handoff is not None:  # operators' photos and documents reach MAX people through uploads
            app.handoff.file_targets[CHANNEL] = files.KINDS
            transport.on_files_lost = tell_operators_of_lost_files(app, CHANNEL)
        sender = make_sender(app, transport, limiter)
        channel = MaxChannel(app, api, sender, limiter)
        runtime = cls(api, channel, sender, name)
        runtime.plumbing = await Plumbing.start(app, CHANNEL, channel, sender, limiter)
        give_up_after = app.settings.delivery.dead_letter_after
        if section.mode == "polling":

            async def lead() -> MaxPoller:  # MAX keeps the position (the marker) itself
                return MaxPoller(api, channel, section.polling_timeout, give_up_after)

            runtime.leader = PollLeader(
                f"max-polling:{name}", f"MAX bot {name}", lead, app.db, app.clock, app.dialogue.instance
            )
            try:
                await runtime.leader.start()
            except BaseException:
                await runtime.stop()
                raise
            runtime.plumbing.add(asyncio.create_task(runtime.leader.run(), name="max-polling"))
            log.info("MAX bot %s is polling for updates", name)
            return runtime
        hook = section.webhook
        assert hook.secret is not None
        secret = hook.secret.get_secret_value()
        try:
            runtime.server = HttpServer(build_app(channel, hook.path, secret, give_up_after), hook.listen, hook.port)
            runtime.port = await runtime.server.start()
            await api.subscribe(hook.url, secret, UPDATE_TYPES)
        except (MaxError, MaxUnavailable, OSError) as exc:
            await runtime.stop()
            raise MaxSetupError(f"Could not subscribe MAX's webhook to {hook.url} ({exc})") from None
        log.info("MAX bot %s receives updates at %s (port %s)", name, hook.url, runtime.port)
        return runtime

    async def stop(self) -> None:
        """Stop receiving, finish what is in hand, send what is due, close the HTTP session."""
        if self.leader is not None:
            self.leader.stop()
        if self.server is not None:
            await self.server.stop()
        if self.plumbing is not None:
            await self.plumbing.stop("max-polling")
        handoff = self.channel.app.handoff
        if handoff is not None:
            handoff.file_targets.pop(CHANNEL, None)
        await self.api.close()
