"""Login throttling: after several failures for one login or from one address, a pause."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

ADDRESS_FACTOR = 4  # an address (maybe a proxy or an office behind one) may fail this many times more


class LoginThrottle:
    """Failures within ``window`` are counted per key (``login:…`` and ``ip:…``); at the key's limit it is
    refused until the oldest failure leaves the window. A login pauses after ``limit`` failures, an address
    after ``ADDRESS_FACTOR`` times as many (many colleagues may share one). Kept in memory: one process."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _limit(self, key: str) -> int:
        return self.limit * ADDRESS_FACTOR if key.startswith("ip:") else self.limit

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait(self, keys: list[str], now: datetime) -> timedelta | None:
        """How long these keys must wait before another attempt, or None."""
        longest: timedelta | None = None
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self._limit(key):
                left = times[0] + self.window - now
                longest = left if longest is None or left > longest else longest
        return longest

    def failed(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            self._recent(key, now)
            self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > 100_000:  # a flood of made-up logins cannot grow this for ever
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, login_key: str) -> None:
        self._failures.pop(login_key, None)
