"""Rate limits of a messaging platform: overall, per private chat, per group chat.

A platform counts the limits per bot, whichever process sends. With several instances on one
database, ``SharedBudget`` divides the overall and group budgets among the instances that are
sending on the channel (each holds a lease in the database and renews it while it lives); a person's
own chat is paced by the instance that sends to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from aiolimiter import AsyncLimiter

from bot.clock import Clock
from bot.instances import leases
from bot.storage import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimits:
    per_second: float = 30.0  # all messages of the bot
    chat_burst: int = 3  # messages one private chat may get at once…
    chat_per_second: float = 1.0  # …then this many a second
    group_per_minute: float = 20.0  # one group chat


class SlidingWindow:
    """At most ``limit`` sends in any ``period`` seconds, as the platform counts them.

    A send occupies its place in the window from the moment it starts until ``period`` after it
    finished: the platform saw it arrive before it finished, so however the network delays requests,
    no window on the platform's side ever holds more than ``limit``. (A leaky bucket lets a burst
    plus the steady rate through in one second, which a platform counting per second answers with 429.)
    """

    def __init__(self, per_second: float, margin: float = 0.005) -> None:
        self.margin = margin
        self.set_rate(per_second)
        self._done: deque[float] = deque()  # when recent sends finished
        self._in_flight = 0
        self._lock = asyncio.Lock()

    def set_rate(self, per_second: float) -> None:
        """A new rate, in force for the next sends (those in the window still count)."""
        self.limit = max(1, math.floor(per_second))
        self.period = self.limit / per_second * (1 + self.margin)

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._done and now - self._done[0] >= self.period:
                    self._done.popleft()
                if len(self._done) + self._in_flight < self.limit:
                    self._in_flight += 1
                    return
                wait = self.period - (now - self._done[0]) if self._done else 0.005
                await asyncio.sleep(max(wait, 0.001))

    def release(self) -> None:
        self._in_flight -= 1
        self._done.append(time.monotonic())


class Limiter:
    """Waits until a message to ``recipient`` may go out without breaking any limit."""

    def __init__(self, limits: RateLimits, is_group: Callable[[str], bool] = lambda recipient: False) -> None:
        self.limits = limits
        self.is_group = is_group
        self._global = SlidingWindow(limits.per_second)
        self._chats: dict[str, tuple[AsyncLimiter, float]] = {}
        self.shares = 1  # instances sending on this channel (this one included)
        self._open = asyncio.Event()
        self._open.set()

    def set_shares(self, shares: int) -> None:
        """Take 1/``shares`` of the overall and group budgets (the rest is the other instances')."""
        shares = max(1, shares)
        if shares == self.shares:
            return
        self.shares = shares
        self._global.set_rate(self.limits.per_second / shares)
        for key in [k for k in self._chats if self.is_group(k)]:
            del self._chats[key]  # made again at the new rate

    def close(self) -> None:
        """Send nothing until ``open`` (a new instance waits until the others have made room)."""
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def _chat(self, recipient: str) -> AsyncLimiter:
        found = self._chats.get(recipient)
        now = time.monotonic()
        if found is None:
            if self.is_group(recipient):
                limiter = AsyncLimiter(max(1.0, self.limits.group_per_minute / self.shares), 60)
            else:
                burst = self.limits.chat_burst
                limiter = AsyncLimiter(burst, burst / self.limits.chat_per_second)
            if len(self._chats) > 10_000:
                self._forget_idle(now)
        else:
            limiter = found[0]
        self._chats[recipient] = (limiter, now)
        return limiter

    def _forget_idle(self, now: float) -> None:
        for key, (_, used) in list(self._chats.items()):
            if now - used > 120:
                del self._chats[key]

    @asynccontextmanager
    async def slot(self, recipient: str) -> AsyncIterator[None]:
        if not self._open.is_set():
            await self._open.wait()
        await self._chat(recipient).acquire()
        await self._global.acquire()
        try:
            yield
        finally:
            self._global.release()

    @asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """Hold a place in the overall budget for the length of a request that is not a message
        (start-up calls, long-poll server requests)."""
        await self._global.acquire()
        try:
            yield
        finally:
            self._global.release()

    async def other_request(self) -> None:
        """Wait for a slot in the overall budget for a request that is not a message (VK counts every
        API call of a community token against one limit)."""
        if not self._open.is_set():
            await self._open.wait()
        await self._global.acquire()
        self._global.release()


class SharedBudget:
    """Keeps ``limiter`` at its share of the channel's budget while this instance sends.

    Every ``refresh`` seconds the instance renews its lease ``senders:<channel>:<instance>`` (for
    ``ttl`` seconds), counts the live ones and records in its lease how many it counted. A newcomer
    that finds others sending holds its sends until every other instance has recorded the new count
    (so has taken its smaller share) and their last window of sends has passed. An instance that stops
    gives its lease up; one that dies is no longer counted after ``ttl``.
    """

    def __init__(
        self, db: Database, limiter: Limiter, channel: str, instance: str, clock: Clock,
        refresh: float = 1.0, ttl: float = 5.0, join_timeout: float = 15.0,
    ) -> None:
        self.db = db
        self.limiter = limiter
        self.prefix = f"senders:{channel}:"
        self.name = self.prefix + instance
        self.instance = instance
        self.clock = clock
        self.refresh = refresh
        self.ttl = timedelta(seconds=ttl)
        self.join_timeout = join_timeout
        self._task: asyncio.Task[None] | None = None

    async def _renew(self) -> tuple[int, bool]:
        """Renew this lease, take the share; (instances sending, whether all others counted as many)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            # one instance at a time counts (two newcomers must not both find themselves alone)
            await leases.serialize(conn, self.prefix)
            await leases.put(conn, self.name, "0", now + self.ttl)
            others = [
                (name, seen) for name, seen in await leases.live(conn, self.prefix, now) if name != self.name
            ]
            live = len(others) + 1
            await leases.put(conn, self.name, str(live), now + self.ttl)
        self.limiter.set_shares(live)
        agreed = all(seen.isdigit() and int(seen) >= live for _, seen in others)
        return live, agreed

    async def renew(self) -> int:
        """Renew this instance's lease and take its share; how many instances send."""
        return (await self._renew())[0]

    async def start(self) -> None:
        live, agreed = await self._renew()
        if live > 1 and not agreed:
            self.limiter.close()
            self._task = asyncio.create_task(self._join(), name=f"{self.name}-join")
        else:
            self._task = asyncio.create_task(self._run(), name=f"{self.name}-budget")

    async def _join(self) -> None:
        """Wait until the others have taken their smaller shares, then send; then renew as usual."""
        deadline = time.monotonic() + self.join_timeout
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(min(0.2, self.refresh))
                try:
                    if (await self._renew())[1]:
                        break
                except Exception as exc:
                    log.warning("Could not read the other instances' budgets (%s); trying again", exc)
            await asyncio.sleep(1.1)  # the others' last second of sends at their old share
        finally:
            self.limiter.open()
        await self._run()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.refresh)
            try:
                await self._renew()
            except Exception as exc:  # the database is away: keep the last share, try again
                log.warning("Could not renew the sending budget's lease (%s); trying again", exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            async with self.db.transaction() as conn:
                await leases.release_name(conn, self.name)
        except Exception as exc:
            log.warning("Could not give the sending budget's lease up (%s); it expires by itself", exc)
