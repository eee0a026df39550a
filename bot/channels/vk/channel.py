"""The VK adapter: an event is processed by the core and its replies stored, and only then counted as
handled (the long-poll position moves past it afterwards; see polling.py); then the replies are sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp
import orjson
from vkbottle import API, VKAPIError

from bot.app import App
from bot.channels.background import Background
from bot.channels.vk import permission
from bot.channels.vk.api import VKUnavailable
from bot.channels.vk.inbound import CHANNEL, CHAT_PEER_START, Inbound, Permission, event_key, to_inbound
from bot.channels.vk.render import MAX_TEXT
from bot.channels.vk.store import ClientRegistry
from bot.delivery import dead_letters
from bot.delivery.limits import Limiter
from bot.delivery.outbox import Envelope
from bot.delivery.sender import Sender
from bot.dialogue.messages import Outgoing, UserRef
from bot.people import repository as people

log = logging.getLogger(__name__)
_QUIET = (VKAPIError, VKUnavailable, aiohttp.ClientError, asyncio.TimeoutError, TimeoutError)


class VKChannel:
    def __init__(
        self, app: App, api: API, sender: Sender, clients: ClientRegistry, limiter: Limiter, group_id: int
    ) -> None:
        self.app = app
        self.api = api
        self.sender = sender
        self.clients = clients
        self.limiter = limiter
        self.group_id = group_id
        self._background = Background()

    async def handle(self, event: dict[str, Any]) -> None:
        """Process one long-poll event completely: state stored, replies stored and sent (or queued)."""
        await self.deliver(await self.store(event))

    async def store(self, event: dict[str, Any]) -> list[Envelope]:
        """Process an event up to its stored effects; returns its stored replies, not yet sent."""
        group = event.get("group_id")
        if group is not None and group != self.group_id:
            return []  # another community's event: not ours to answer
        found = to_inbound(event)
        if found is None:
            return []
        key = event_key(event)
        if isinstance(found, Permission):
            await permission.apply(self.app, found, key)
            return []
        return await self._message(found, key)

    async def dead(self, event: dict[str, Any], error: BaseException, failures: int) -> list[Envelope]:
        """Set an event that keeps failing aside as a dead letter and apologise to its person; the
        apology's envelopes (sent like replies)."""
        chat: str | None = None
        try:
            found = to_inbound(event)
            if isinstance(found, Inbound) and 0 < found.peer_id < CHAT_PEER_START:
                chat = str(found.peer_id)
        except Exception:  # nobody to apologise to, then
            chat = None
        envelopes = await dead_letters.set_aside(
            self.app.db, channel=CHANNEL, update_key=event_key(event),
            payload=orjson.dumps(event).decode(), error=dead_letters.describe(error),
            failures=failures, now=self.app.clock.now(), chat=chat,
            apology=Outgoing(self.app.texts.update_failed), instance=self.app.dialogue.instance,
        )
        self.app.dialogue.processed_elsewhere(CHANNEL, event_key(event))  # a copy sent again is skipped
        return envelopes

    async def replay(self, letter: dead_letters.Letter) -> None:
        """Handle a dead letter's event again (``bot updates replay``); raises if it fails again."""
        await self.deliver(await self.store(orjson.loads(letter.payload)))

    async def deliver(self, envelopes: list[Envelope]) -> None:
        """Send stored replies (what cannot be sent now stays in the outbox)."""
        if envelopes:
            await self.sender.deliver(envelopes)

    async def _message(self, inbound: Inbound, key: str) -> list[Envelope]:
        if inbound.event_id is not None:
            self._spawn(self._answer_callback(inbound.event_id, inbound.peer_id))
        if inbound.caps is not None:
            await self.clients.remember(str(inbound.peer_id), inbound.caps, self.app.clock.now())
        handled = await self.app.dialogue.process(inbound.message, update_key=key, durable=True, split_at=MAX_TEXT)
        if handled.duplicate:
            log.info("VK event %s was already processed; ignored", key)
            return []
        return handled.envelopes

    async def on_blocked(self, envelope: Envelope) -> None:
        """VK refused a message because the person does not accept messages from the community."""
        user = UserRef(CHANNEL, envelope.recipient)
        async with self.app.db.transaction() as conn:
            await people.mark_unreachable(conn, user, self.app.clock.now())
            if self.app.handoff is not None and envelope.account_id is not None:
                await self.app.handoff.person_unreachable(conn, envelope.account_id)
        self.app.dialogue.forget_cached(user)

    async def _answer_callback(self, event_id: str, peer_id: int) -> None:
        """Stop the button's spinner; the reply itself comes as a message."""
        with contextlib.suppress(*_QUIET):
            await self.limiter.other_request()
            await self.api.request(
                "messages.sendMessageEventAnswer", {"event_id": event_id, "user_id": peer_id, "peer_id": peer_id}
            )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._background.spawn(coro)

    async def drain(self) -> None:
        """Wait for callback answers still on their way."""
        await self._background.drain()
