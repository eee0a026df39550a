"""One poller among several instances. A bot's updates can be fetched by one process only (VK's Bots
Long Poll gives every event to every client; MAX's ``GET /updates`` hands each batch to whoever asks
first), so the instances elect a leader through a lease in the database. The leader polls and renews
its lease; the others stand by, and one of them takes over within ``ttl`` seconds when the leader stops
or dies. (For several instances sharing the load, use the platform's webhook instead.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from bot.clock import Clock
from bot.instances import leases
from bot.storage import Database

log = logging.getLogger(__name__)
TTL = 15.0  # seconds the leader's lease lasts unless renewed
RENEW = 5.0  # seconds between renewals (and between a stand-by instance's attempts)


class Poller(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


P = TypeVar("P", bound=Poller)


class PollLeader(Generic[P]):
    """``lead`` makes a ready poller (position read from the database, start-up calls made) when this
    instance becomes the leader; ``label`` names the bot in the log."""

    def __init__(
        self, name: str, label: str, lead: Callable[[], Awaitable[P]], db: Database, clock: Clock, instance: str,
        ttl: float | None = None, renew: float | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.lead = lead
        self.db = db
        self.clock = clock
        self.instance = instance
        self.ttl = timedelta(seconds=ttl or TTL)
        self.renew = renew or RENEW
        self.poller: P | None = None  # while this instance leads
        self._stop = asyncio.Event()

    async def _acquire(self) -> bool:
        async with self.db.transaction() as conn:
            return await leases.acquire(conn, self.name, self.instance, self.clock.now(), self.ttl)

    async def start(self) -> bool:
        """Try to lead at once (a single instance starts polling right away, its errors shown at start)."""
        if not await self._acquire():
            log.info("%s: another instance polls for updates; this one stands by", self.label)
            return False
        self.poller = await self.lead()
        return True

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.poller is None and await self._acquire():
                    log.info("%s: this instance now polls for updates", self.label)
                    self.poller = await self.lead()
                if self.poller is not None:
                    await self._poll(self.poller)
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("%s: polling leadership: %s; trying again", self.label, exc)
                self.poller = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.renew)
        with contextlib.suppress(Exception):
            async with self.db.transaction() as conn:
                await leases.release(conn, self.name, self.instance)

    async def _poll(self, poller: P) -> None:
        """Poll while the lease is renewed; stop polling (updates in hand finished) once it is lost."""
        task = asyncio.create_task(poller.run(), name=f"{self.name}-polling")
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=self.renew)
                if task.done():
                    break
                if self._stop.is_set():
                    poller.stop()
                elif not await self._acquire():
                    log.warning("%s: the polling lease went to another instance", self.label)
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
