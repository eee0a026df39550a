"""Bots Long Poll for several instances: one community's events can be fetched by one process only
(every long-poll client gets every event), so the instances elect a leader through a lease in the
database. The leader polls and renews its lease; the others wait, and one of them takes over within
``ttl`` seconds when the leader stops or dies, continuing from the position stored in the database.
(For several instances sharing the load, use the Callback API instead: ``vk.mode = "callback"``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.channels.vk import store
from bot.channels.vk.polling import VKPoller
from bot.clock import Clock
from bot.instances import leases
from bot.storage import Database

log = logging.getLogger(__name__)
TTL = 15.0  # seconds the leader's lease lasts unless renewed
RENEW = 5.0  # seconds between renewals (and between a stand-by instance's attempts)


class LongPollLeader:
    def __init__(
        self, make_poller: Callable[[str | None], VKPoller], db: Database, clock: Clock, group_id: int,
        instance: str, ttl: float | None = None, renew: float | None = None,
        prepare: Callable[[VKPoller], Awaitable[None]] | None = None,
    ) -> None:
        self.make_poller = make_poller
        self.prepare = prepare or (lambda poller: poller.prepare())  # the start-up call (rate-limited, retried)
        self.db = db
        self.clock = clock
        self.name = f"vk-longpoll:{group_id}"
        self.group_id = group_id
        self.instance = instance
        self.ttl = timedelta(seconds=ttl or TTL)
        self.renew = renew or RENEW
        self.poller: VKPoller | None = None  # while this instance leads
        self._stop = asyncio.Event()

    async def _acquire(self) -> bool:
        async with self.db.transaction() as conn:
            return await leases.acquire(conn, self.name, self.instance, self.clock.now(), self.ttl)

    async def start(self) -> bool:
        """Try to lead at once (a single instance starts polling right away, its errors shown at start)."""
        if not await self._acquire():
            log.info("VK community %s: another instance polls for events; this one stands by", self.group_id)
            return False
        await self._lead()
        return True

    async def _lead(self) -> None:
        async with self.db.read() as conn:
            saved_ts, _ = await store.poll_state(conn, self.group_id, self.clock.now())
        poller = self.make_poller(saved_ts)
        await self.prepare(poller)
        self.poller = poller

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.poller is None and await self._acquire():
                    log.info("VK community %s: this instance now polls for events", self.group_id)
                    await self._lead()
                if self.poller is not None:
                    await self._poll(self.poller)
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("VK long poll leadership: %s; trying again", exc)
                self.poller = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.renew)
        with contextlib.suppress(Exception):
            async with self.db.transaction() as conn:
                await leases.release(conn, self.name, self.instance)

    async def _poll(self, poller: VKPoller) -> None:
        """Poll while the lease is renewed; stop polling (events in hand finished) once it is lost."""
        task = asyncio.create_task(poller.run(), name="vk-polling")
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=self.renew)
                if task.done():
                    break
                if self._stop.is_set():
                    poller.stop()
                elif not await self._acquire():
                    log.warning("VK community %s: the long-poll lease went to another instance", self.group_id)
                    poller.stop()
            await task
        finally:
            if not task.done():
                poller.stop()
                await task
            self.poller = None if not self._stop.is_set() else poller

    def stop(self) -> None:
        self._stop.set()
        if self.poller is not None:
            self.poller.stop()
