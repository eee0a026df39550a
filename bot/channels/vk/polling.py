"""Bots Long Poll with acknowledgement after processing.

VK has no "acknowledge" call: the bot says where it stands by the ``ts`` it asks with. The position is
kept in the database and moves past a batch of events only when every event of that batch (and of
every earlier batch) is handled — state and replies stored (the replies are sent after that, by the
outbox if the process stops first). Events are handled as they arrive, one person's in order,
different people at once, while the next request already waits. After a crash or restart the bot
asks again from the stored ``ts``; events handled before the crash come again and are recognised by
their ``event_id`` and skipped.

The requests themselves are vkbottle's (``BotPolling.get_server`` / ``get_event`` /
``handle_failed_event``); vkbottle's own loop is not used because it keeps ``ts`` in a file and
moves it as soon as an event is handed over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from vkbottle import VKAPIError
from vkbottle.polling import BotPolling

from bot.channels.in_order import InOrder
from bot.channels.vk import store
from bot.channels.vk.api import VKUnavailable
from bot.channels.vk.channel import VKChannel
from bot.channels.vk.inbound import event_key, peer_of
from bot.clock import Clock
from bot.delivery.outbox import Envelope
from bot.storage import Database

log = logging.getLogger(__name__)
_NETWORK = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, VKUnavailable, ValueError)


@dataclass
class Batch:
    """The events of one long-poll answer: asked with ``ts`` ``since``, answered ``until``."""

    since: str
    until: str
    pending: int


class VKPoller:
    def __init__(
        self, polling: BotPolling, channel: VKChannel, db: Database, clock: Clock, group_id: int,
        saved_ts: str | None, give_up_after: int = 3,
    ) -> None:
        self.polling = polling
        self.channel = channel
        self.db = db
        self.clock = clock
        self.group_id = group_id
        self.saved_ts = saved_ts
        self._stop = asyncio.Event()
        self._batches: list[Batch] = []
        # not past the stored position until handled: a failed event is tried again here
        # an event that keeps failing is set aside (a dead letter) after ``give_up_after`` failures
        self._in_order: InOrder[dict[str, Any], list[Envelope]] = InOrder(
            channel.store, lambda e: f"VK event {event_key(e)}", channel.deliver,
            on_dead=getattr(channel, "dead", None), give_up_after=give_up_after,
        )
        self._save_lock = asyncio.Lock()
        self._server_info: dict[str, Any] | None = None
        self.handled = 0

    def stop(self) -> None:
        self._stop.set()

    @property
    def position(self) -> str | None:
        """Where VK may be asked from after a restart: before the oldest batch not fully handled."""
        for batch in self._batches:
            if batch.pending:
                return batch.since
        return self._batches[-1].until if self._batches else self.saved_ts

    async def _server(self, keep_ts: str | None) -> dict[str, Any]:
        server = await self.polling.get_server()
        if keep_ts is not None:
            server["ts"] = keep_ts
        return server

    async def prepare(self) -> None:
        """Open the long-poll session; on the very first start, remember where VK stands now, so that
        events arriving from this moment on (even while the bot is down later) are fetched."""
        self._server_info = await self._server(self.position)
        if self.saved_ts is None:
            ts = str(self._server_info["ts"])
            self._batches.append(Batch(ts, ts, 0))
            await self._advance()

    async def run(self) -> None:
        backoff = 1.0
        server, self._server_info = self._server_info, None
        while not self._stop.is_set():
            try:
                if server is None:
                    server = await self._server(self.position)
                answer = await self._fetch(server)
            except asyncio.CancelledError:
                raise
            except VKAPIError as exc:
                log.warning("VK refused the long-poll server request (error %s); retrying in %.0f s", exc.code, backoff)
                server = None
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            except _NETWORK as exc:
                log.warning("VK long poll is unreachable (%s); retrying in %.0f s", type(exc).__name__, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            if answer is None:
                break
            backoff = 1.0
            if "failed" in answer:
                server = await self._failed(server, answer)
                continue
            if "ts" not in answer:
                server = None
                continue
            events = [e for e in answer.get("updates") or [] if isinstance(e, dict)]
            since, until = str(server["ts"]), str(answer["ts"])
            server["ts"] = until
            if since == until and not events:
                continue
            batch = Batch(since, until, len(events))
            self._batches.append(batch)
            for event in events:
                self._start(batch, event)
            if not events:
                await self._advance()
        await self._finish()

    async def _failed(self, server: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any] | None:
        code = answer.get("failed")
        if code == 1:
            log.warning("VK long poll: events older than the stored position are gone (failed=1); going on")
        elif code == 3:
            log.warning("VK long poll: the session's events are lost (failed=3); starting from now")
        try:
            renewed = await self.polling.handle_failed_event(server, answer)
        except (VKAPIError, *_NETWORK) as exc:
            log.warning("Could not renew the long-poll session (%s)", type(exc).__name__)
            await self._sleep(1.0)
            return None
        if code in (1, 3) and renewed:
            # the old position cannot be served any more: what is in hand still counts, then this ts
            self._batches.append(Batch(str(renewed["ts"]), str(renewed["ts"]), 0))
            await self._advance()
        return renewed or None

    def _start(self, batch: Batch, event: dict[str, Any]) -> None:
        self._in_order.start(peer_of(event), event, lambda: self._handled(batch))

    async def _handled(self, batch: Batch) -> None:
        batch.pending -= 1
        self.handled += 1
        if not batch.pending:
            await self._advance()

    async def _advance(self) -> None:
        """Drop finished batches from the front and store the new position if it moved."""
        async with self._save_lock:
            while len(self._batches) > 1 and not self._batches[0].pending:
                self._batches.pop(0)
            position = self.position
            if position is None or position == self.saved_ts:
                return
            try:
                async with self.db.transaction() as conn:
                    await store.save_ts(conn, self.group_id, position, self.clock.now())
                self.saved_ts = position
            except Exception:
                log.exception("Could not store the VK long-poll position; will try again")

    async def _fetch(self, server: dict[str, Any]) -> dict[str, Any] | None:
        fetch = asyncio.ensure_future(self.polling.get_event(server))
        stopping = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if fetch not in done:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            return None
        result = fetch.result()
        if not isinstance(result, dict):
            raise VKUnavailable("the long-poll server answered with something other than an object")
        return result

    async def _finish(self) -> None:
        """Let the events in hand finish, then store the position."""
        await self._in_order.finish()
        await self._advance()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
