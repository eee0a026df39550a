"""Starting and stopping the VK channel inside the bot process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from vkbottle import API, VKAPIError
from vkbottle.polling import BotPolling

from bot.app import App
from bot.channels.plumbing import Plumbing, make_sender, tell_operators_of_lost_files
from bot.channels.poll_leader import PollLeader
from bot.channels.startup import REQUEST_TIMEOUT, retrying
from bot.channels.vk import files, store
from bot.channels.vk.api import VKUnavailable, make_api
from bot.channels.vk.callback import build_app as build_callback_app
from bot.channels.vk.channel import VKChannel
from bot.channels.vk.inbound import CHANNEL, CHAT_PEER_START, EVENTS
from bot.channels.vk.polling import VKPoller
from bot.channels.vk.transport import VKTransport
from bot.config import VKSection
from bot.delivery.limits import Limiter, RateLimits
from bot.delivery.sender import Sender
from bot.http_server import HttpServer

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSIENT_CODES = frozenset({1, 6, 9, 10})  # unknown or internal error, too many requests, flood control


def startup_transient(exc: BaseException) -> bool:
    """A start-up call worth repeating: the network, VK's 5xx and non-JSON answers, VK being busy."""
    if isinstance(exc, VKAPIError):
        return exc.code in TRANSIENT_CODES
    return isinstance(exc, TimeoutError | aiohttp.ClientError | VKUnavailable | OSError)


class VKSetupError(Exception):
    """The token or the community cannot be used; the message says what to fix."""


def is_chat(peer: str) -> bool:
    return peer.lstrip("-").isdigit() and int(peer) >= CHAT_PEER_START


def rate_limits(section: VKSection) -> RateLimits:
    limits = section.limits
    return RateLimits(limits.per_second, limits.chat_burst, limits.chat_per_second, limits.group_per_minute)


async def community(api: API, configured: int | None) -> tuple[int, str]:
    """The community the token belongs to (its id and name); it must be the configured one."""
    try:
        response = (await api.request("groups.getById", {}))["response"]
    except VKAPIError as exc:
        if exc.code in (5, 27, 28):
            raise VKSetupError(
                "VK did not accept the token (BOT_VK__TOKEN): create a community token with the "
                "messages and manage rights (see docs/admin-guide.md, section VK)."
            ) from None
        if exc.code in TRANSIENT_CODES:
            raise
        raise VKSetupError(f"VK refused groups.getById (error {exc.code}: {getattr(exc, 'error_msg', '')})") from None
    groups = response.get("groups", response) if isinstance(response, dict) else response
    if not groups:
        raise VKSetupError("BOT_VK__TOKEN is not a community token (groups.getById returned nothing)")
    group_id, name = int(groups[0]["id"]), str(groups[0].get("name", ""))
    if configured is not None and configured != group_id:
        raise VKSetupError(f"vk.group_id is {configured}, but the token belongs to community {group_id}")
    return group_id, name


async def configure_long_poll(api: API, group_id: int, version: str) -> None:
    """Switch Bots Long Poll on with the events the bot handles (needs the token's "manage" right)."""
    params: dict[str, object] = {"group_id": group_id, "enabled": 1, "api_version": version}
    params.update({event: 1 for event in EVENTS})
    try:
        await api.request("groups.setLongPollSettings", params)
    except VKAPIError as exc:
        log.warning(
            "Could not switch on Bots Long Poll (VK error %s); enable it by hand with API version %s and "
            "the events %s (docs/admin-guide.md, section VK)", exc.code, version, ", ".join(EVENTS),
        )


@dataclass
class VKRuntime:
    api: API
    channel: VKChannel
    sender: Sender
    leader: PollLeader[VKPoller] | None  # None in callback mode
    group_id: int
    name: str
    server: HttpServer | None = None  # callback mode
    port: int | None = None
    plumbing: Plumbing | None = None  # the outbox, replays and the share of the token's rate limits

    @property
    def poller(self) -> VKPoller | None:
        """The long poll, while this instance is the one that polls."""
        return self.leader.poller if self.leader is not None else None

    @classmethod
    async def start(cls, app: App, section: VKSection, api: API | None = None) -> VKRuntime:
        api = api or make_api(section)
        # one budget for every request of the community token, start-up calls included
        limiter = Limiter(rate_limits(section), is_chat)

        async def call(what: str, request: Callable[[], Awaitable[T]]) -> T:
            async def limited() -> T:
                async with limiter.request():
                    return await asyncio.wait_for(request(), REQUEST_TIMEOUT)

            return await retrying(f"VK {what}", limited, startup_transient)

        try:
            group_id, name = await call("groups.getById", lambda: community(api, section.group_id))
            if section.configure_long_poll and section.mode == "longpoll":
                await call("groups.setLongPollSettings",
                           lambda: configure_long_poll(api, group_id, section.api_version))
            async with app.db.transaction() as conn:
                _, random_key = await store.poll_state(conn, group_id, app.clock.now())
        except BaseException:
            await api.http_client.close()
            raise
        clients = store.ClientRegistry(app.db)
        transport = VKTransport(api, clients, random_key, app.file_sources)
        if app.handoff is not None:  # operators' photos and documents reach VK people
            app.handoff.file_targets[CHANNEL] = await call(
                "groups.getTokenPermissions", lambda: files.uploadable_kinds(api)
            )
            transport.on_files_lost = tell_operators_of_lost_files(app, CHANNEL)
        sender = make_sender(app, transport, limiter)
        channel = VKChannel(app, api, sender, clients, limiter, group_id)
        if section.mode == "callback":
            return await cls._start_callback(app, section, api, channel, sender, limiter, group_id, name)
        polling = BotPolling(api, group_id=group_id, wait=section.long_poll_wait)

        def make_poller(saved_ts: str | None) -> VKPoller:
            return VKPoller(
                polling, channel, app.db, app.clock, group_id, saved_ts, app.settings.delivery.dead_letter_after
            )

        async def lead() -> VKPoller:  # this instance polls: from the position stored in the database
            async with app.db.read() as conn:
                saved_ts, _ = await store.poll_state(conn, group_id, app.clock.now())
            poller = make_poller(saved_ts)
            await call("groups.getLongPollServer", poller.prepare)  # rate-limited, retried
            return poller

        leader = PollLeader(
            f"vk-longpoll:{group_id}", f"VK community {group_id}", lead, app.db, app.clock, app.dialogue.instance
        )
        try:
            await leader.start()
        except BaseException:
            await api.http_client.close()
            raise
        runtime = cls(api, channel, sender, leader, group_id, name)
        runtime.plumbing = await Plumbing.start(app, CHANNEL, channel, sender, limiter)
        runtime.plumbing.add(asyncio.create_task(leader.run(), name="vk-polling"))
        log.info("VK community %s (%s) is polling for events", group_id, name)
        return runtime

    @classmethod
    async def _start_callback(
        cls, app: App, section: VKSection, api: API, channel: VKChannel, sender: Sender, limiter: Limiter,
        group_id: int, name: str,
    ) -> VKRuntime:
        hook = section.callback
        assert hook.confirmation is not None and hook.secret is not None
        server = HttpServer(
            build_callback_app(
                channel, hook.path, hook.confirmation, hook.secret.get_secret_value(),
                app.settings.delivery.dead_letter_after,
            ),
            hook.listen, hook.port,
        )
        try:
            port = await server.start()
        except BaseException:
            await api.http_client.close()
            raise
        runtime = cls(api, channel, sender, None, group_id, name, server=server, port=port)
        runtime.plumbing = await Plumbing.start(app, CHANNEL, channel, sender, limiter)
        log.info("VK community %s (%s) receives events at port %s%s (Callback API)", group_id, name, port, hook.path)
        return runtime

    async def stop(self) -> None:
        """Stop receiving, finish what is in hand, send what is due, close the HTTP session."""
        if self.leader is not None:
            self.leader.stop()
        if self.server is not None:
            await self.server.stop()
        handoff = self.channel.app.handoff
        if handoff is not None:
            handoff.file_targets.pop(CHANNEL, None)
        if self.plumbing is not None:
            await self.plumbing.stop("vk-polling")
        await self.api.http_client.close()
