"""Long polling with acknowledgement after processing.

Updates are handled as soon as they arrive — different chats at once, one chat's updates in order —
while the next ``getUpdates`` is already waiting. The offset sent to Telegram never passes an update
whose effects are not yet stored (state and replies; the replies are sent after that, by the outbox
if the process stops first), so a crash or restart loses nothing; what is re-sent after a restart is
recognised and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramConflictError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update

from bot.channels.in_order import InOrder
from bot.channels.telegram.channel import ALLOWED_UPDATES, TelegramChannel, chat_key
from bot.channels.telegram.session import UpdateFilter
from bot.delivery.outbox import Envelope

log = logging.getLogger(__name__)
REFETCH_AFTER = 0.02  # seconds to wait before asking again while the oldest update is still in hand…
REFETCH_MAX = 1.0  # …doubled up to this while asking brings nothing new (never a busy loop)


class Poller:
    def __init__(
        self, bot: Bot, channel: TelegramChannel, timeout: int = 25, updates: UpdateFilter | None = None,
        give_up_after: int = 3,
    ) -> None:
        self.bot = bot
        self._refetch = REFETCH_AFTER
        self.updates = updates  # the session drops updates already in hand before parsing them
        self.channel = channel
        self.timeout = timeout
        self._stop = asyncio.Event()
        self._progress = asyncio.Event()
        self._unfinished: set[int] = set()  # received, not yet fully handled
        self._highest = 0  # the highest update id received
        # not acknowledged until handled: a failed update is tried again (the offset cannot pass it)
        # an update that keeps failing is set aside (a dead letter) after ``give_up_after`` failures
        self._in_order: InOrder[Update, list[Envelope]] = InOrder(
            channel.store, lambda u: f"update {u.update_id}", channel.deliver,
            on_dead=getattr(channel, "dead", None), give_up_after=give_up_after,
        )
        self.handled = 0

    @property
    def offset(self) -> int | None:
        """What Telegram may forget: everything below the oldest unfinished update."""
        if self._unfinished:
            return min(self._unfinished)
        return self._highest + 1 if self._highest else None

    def stop(self) -> None:
        self._stop.set()

    async def prepare(self) -> None:
        """Switch Telegram to polling, keeping the updates that arrived while the bot was down."""
        await self.bot.delete_webhook(drop_pending_updates=False)

    async def run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                updates = await self._fetch()
            except asyncio.CancelledError:
                raise
            except TelegramRetryAfter as exc:
                await self._sleep(float(exc.retry_after))
                continue
            except TelegramConflictError as exc:
                log.error("Another copy of the bot is polling (or a webhook is set): %s", exc)
                await self._sleep(backoff := min(backoff * 2, 60.0))
                continue
            except (TimeoutError, TelegramNetworkError, TelegramServerError, OSError) as exc:
                log.warning("Telegram is unreachable (%s); retrying in %.0f s", type(exc).__name__, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 1.0
            fresh = [u for u in updates if u.update_id > self._highest]
            for update in fresh:
                self._start(update)
            if self._unfinished:
                # Telegram re-sends every update at or above the offset, so asking again at once would
                # fetch (and parse) the updates in hand over and over: wait until the offset can move,
                # or briefly, so that new updates still come in without delay — the longer, the longer
                # asking has brought nothing new (an update that is being retried holds the offset).
                self._refetch = REFETCH_AFTER if fresh else min(self._refetch * 2, REFETCH_MAX)
                if await self._wait_offset_moves(self.offset, self._refetch):
                    self._refetch = REFETCH_AFTER
        await self._finish()

    def _start(self, update: Update) -> None:
        self._highest = max(self._highest, update.update_id)
        if self.updates is not None:
            self.updates.seen = self._highest
        self._unfinished.add(update.update_id)
        self._in_order.start(chat_key(update), update, lambda: self._handled(update.update_id))

    async def _handled(self, update_id: int) -> None:
        self._unfinished.discard(update_id)
        self.handled += 1
        self._progress.set()

    async def _fetch(self) -> list[Update]:
        fetch = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.offset,
                timeout=self.timeout,
                allowed_updates=ALLOWED_UPDATES,
                request_timeout=self.timeout + 10,
            )
        )
        stopping = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if fetch not in done:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            return []
        return fetch.result()

    async def _wait_offset_moves(self, offset: int | None, timeout: float) -> bool:
        """Wait until the offset moves (True) or ``timeout`` passes (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.offset == offset and not self._stop.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), timeout=remaining)
        return self.offset != offset

    async def _finish(self) -> None:
        """Let the updates in hand finish, then tell Telegram what is done."""
        await self._in_order.finish()
        if self.offset is None:
            return
        try:
            await self.bot.get_updates(offset=self.offset, timeout=0, limit=1, request_timeout=5)
        except Exception as exc:
            log.info("Could not acknowledge the last updates (%s); they will be skipped on restart", exc)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
