"""GET /updates long polling with acknowledgement after processing.

MAX counts every update before the ``marker`` a request passes as handled, and without a marker sends
what came after the last one passed. So the marker of a batch is passed only once every update of that
batch is handled — its state and replies stored (the replies are sent after that, by the outbox if the
process stops first). The updates of a batch are handled at once, one person's in order. After a crash
or restart MAX sends the unacknowledged updates again; those handled before are recognised by their key
and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.channels.in_order import InOrder
from bot.channels.max.api import MaxAPI, MaxError, MaxUnavailable
from bot.channels.max.channel import OTHER_REQUESTS, MaxChannel
from bot.channels.max.inbound import UPDATE_TYPES, update_key, user_of
from bot.delivery.outbox import Envelope

log = logging.getLogger(__name__)
BATCH = 100  # updates one request may bring (MAX allows 1-1000)


class MaxPoller:
    def __init__(self, api: MaxAPI, channel: MaxChannel, timeout: int = 30) -> None:
        self.api = api
        self.channel = channel
        self.timeout = timeout
        self.marker: int | None = None  # every update before it is handled; None: ask from MAX's last one
        self._stop = asyncio.Event()
        self._pending = 0
        self._batch_done = asyncio.Event()
        # not acknowledged until handled: a failed update is tried again (the marker cannot pass it)
        self._in_order: InOrder[dict[str, Any], list[Envelope]] = InOrder(
            channel.store, lambda u: f"MAX update {update_key(u)}", channel.deliver
        )
        self.handled = 0

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                answer = await self._fetch()
            except asyncio.CancelledError:
                raise
            except MaxError as exc:
                if exc.status == 429:
                    await self._sleep(exc.retry_after)
                    continue
                if exc.status == 401:
                    log.error("MAX did not accept the token (BOT_MAX__TOKEN); retrying in %.0f s", backoff)
                else:
                    log.warning("MAX refused GET /updates (%s %s); retrying in %.0f s", exc.status, exc.code, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            except MaxUnavailable as exc:
                log.warning("MAX is unreachable (%s); retrying in %.0f s", exc, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            if answer is None:
                break
            backoff = 1.0
            raw = answer.get("updates")
            updates = [u for u in raw if isinstance(u, dict)] if isinstance(raw, list) else []
            if updates and not await self._handle(updates):
                break  # stopping with part of the batch in hand: its marker is not passed on
            marker = answer.get("marker")
            if isinstance(marker, int) and not isinstance(marker, bool):
                self.marker = marker  # passed with the next request: this batch is handled
        await self._finish()

    async def _handle(self, updates: list[dict[str, Any]]) -> bool:
        """Start every update of the batch and wait until each is stored; False if told to stop first."""
        self._pending = len(updates)
        self._batch_done.clear()
        for update in updates:
            self._in_order.start(user_of(update), update, self._handled)
        done = asyncio.ensure_future(self._batch_done.wait())
        stopping = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({done, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if self._batch_done.is_set():
            done.cancel()
            return True
        await self._in_order.finish()  # what is in hand may still finish (cancelled after a minute)
        done.cancel()
        return self._batch_done.is_set()

    async def _handled(self) -> None:
        self._pending -= 1
        self.handled += 1
        if self._pending <= 0:
            self._batch_done.set()

    async def _ask(self) -> dict[str, Any]:
        # MAX counts every request against one limit: a long poll holds its place while it waits
        async with self.channel.limiter.slot(OTHER_REQUESTS):
            return await self.api.updates(self.marker, self.timeout, BATCH, UPDATE_TYPES)

    async def _fetch(self) -> dict[str, Any] | None:
        fetch = asyncio.ensure_future(self._ask())
        stopping = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if fetch not in done:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            return None
        return fetch.result()

    async def _finish(self) -> None:
        """Let the updates in hand finish, then tell MAX what is handled."""
        await self._in_order.finish()
        if self.marker is None:
            return
        try:
            await self.api.updates(self.marker, 0, 1, UPDATE_TYPES)
        except (MaxError, MaxUnavailable) as exc:
            log.info("Could not acknowledge the last updates (%s); they will be skipped on restart", exc)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
