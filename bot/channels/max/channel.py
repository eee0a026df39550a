"""The MAX adapter: an update is processed by the core and its replies stored, and only then counted as
handled (the marker passes it afterwards, or the webhook answers 200); then the replies are sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from bot.app import App
from bot.channels.background import Background
from bot.channels.max.api import MaxAPI, MaxError, MaxUnavailable
from bot.channels.max.inbound import CHANNEL, Inbound, Stopped, to_inbound, update_key
from bot.channels.max.render import MAX_TEXT
from bot.delivery.limits import Limiter
from bot.delivery.outbox import Envelope
from bot.delivery.sender import Sender
from bot.dialogue.messages import UserRef
from bot.people import repository as people

log = logging.getLogger(__name__)

TYPING_AFTER = 1.0  # seconds of work before "typing…" is shown
CALLBACK_NOTICE = "Принято"  # the short notice a button press is answered with (the reply comes as a message)
OTHER_REQUESTS = "max:requests"  # the limiter's key for requests that are not messages (answers, "typing…")
_QUIET = (MaxError, MaxUnavailable)


class MaxChannel:
    def __init__(self, app: App, api: MaxAPI, sender: Sender, limiter: Limiter) -> None:
        self.app = app
        self.api = api
        self.sender = sender
        self.limiter = limiter
        self._background = Background()

    async def handle(self, update: dict[str, Any]) -> None:
        """Process one update completely: state stored, replies stored and sent (or queued)."""
        await self.deliver(await self.store(update))

    async def store(self, update: dict[str, Any]) -> list[Envelope]:
        """Process an update up to its stored effects; returns its stored replies, not yet sent."""
        found = to_inbound(update)
        if found is None:
            return []
        if isinstance(found, Stopped):
            await self._stopped(found)
            return []
        return await self._message(found, update_key(update))

    async def deliver(self, envelopes: list[Envelope]) -> None:
        """Send stored replies (what cannot be sent now stays in the outbox)."""
        if envelopes:
            await self.sender.deliver(envelopes)

    def deliver_soon(self, envelopes: list[Envelope]) -> None:
        """Send stored replies in the background (finished before the channel stops)."""
        if envelopes:
            self._spawn(self.deliver(envelopes))

    async def _message(self, inbound: Inbound, key: str) -> list[Envelope]:
        if inbound.callback_id is not None:  # at once: the person sees the press taken within a second
            self._spawn(self._answer_callback(inbound.callback_id))
        typing = None
        if inbound.chat_id is not None:
            chat_id = inbound.chat_id
            typing = asyncio.get_running_loop().call_later(TYPING_AFTER, lambda: self._spawn(self._typing(chat_id)))
        try:
            handled = await self.app.dialogue.process(inbound.message, update_key=key, durable=True, split_at=MAX_TEXT)
        finally:
            if typing is not None:
                typing.cancel()
        if handled.duplicate:
            log.info("MAX update %s was already processed; ignored", key)
            return []
        return handled.envelopes

    async def _stopped(self, stopped: Stopped) -> None:
        """bot_stopped: nothing proactive goes to the person until they start the bot again."""
        await self._unreachable(UserRef(CHANNEL, str(stopped.user_id)), None)
        log.info("A MAX user stopped the bot; marked unreachable")

    async def on_blocked(self, envelope: Envelope) -> None:
        """MAX refused a message because the person stopped or blocked the bot."""
        await self._unreachable(UserRef(CHANNEL, envelope.recipient), envelope.account_id)

    async def _unreachable(self, user: UserRef, account_id: int | None) -> None:
        """Mark the person unreachable; the operators of their open case are told."""
        async with self.app.db.transaction() as conn:
            await people.mark_unreachable(conn, user, self.app.clock.now())
            if account_id is None:
                account = await people.find_account(conn, user)
                account_id = account.account_id if account is not None else None
            if self.app.handoff is not None and account_id is not None:
                await self.app.handoff.person_unreachable(conn, account_id)
        self.app.dialogue.forget_cached(user)

    async def _answer_callback(self, callback_id: str) -> None:
        """Stop the button's spinner with a short notice; the reply itself comes as a message."""
        with contextlib.suppress(*_QUIET):
            async with self.limiter.slot(OTHER_REQUESTS):  # counted until MAX has answered, like a message
                await self.api.answer(callback_id, {"notification": CALLBACK_NOTICE})

    async def _typing(self, chat_id: int) -> None:
        with contextlib.suppress(*_QUIET):
            async with self.limiter.slot(OTHER_REQUESTS):
                await self.api.action(chat_id, "typing_on")

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._background.spawn(coro)

    async def drain(self) -> None:
        """Wait for callback answers, typing notices and replies still on their way."""
        await self._background.drain()
