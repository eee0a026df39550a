"""Rate limits of a messaging platform: overall, per private chat, per group chat."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiolimiter import AsyncLimiter


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
        self.limit = max(1, math.floor(per_second))
        self.period = self.limit / per_second * (1 + margin)
        self._done: deque[float] = deque()  # when recent sends finished
        self._in_flight = 0
        self._lock = asyncio.Lock()

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

    def _chat(self, recipient: str) -> AsyncLimiter:
        found = self._chats.get(recipient)
        now = time.monotonic()
        if found is None:
            if self.is_group(recipient):
                limiter = AsyncLimiter(self.limits.group_per_minute, 60)
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
        await self._global.acquire()
        self._global.release()
