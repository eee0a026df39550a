"""Handling a channel's incoming events: different chats at once, one chat's events in order, and an
event that failed tried again (it is not acknowledged until it is handled)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
RETRY_FIRST = 0.5
RETRY_MAX = 30.0

T = TypeVar("T")


class InOrder(Generic[T]):
    def __init__(self, handle: Callable[[T], Awaitable[None]], describe: Callable[[T], str]) -> None:
        self.handle = handle
        self.describe = describe  # names an event in logs (never its text)
        self._tails: dict[str, asyncio.Task[None]] = {}  # the last task of each chat

    def start(self, key: str, item: T, done: Callable[[], Awaitable[None]]) -> None:
        """Handle ``item`` after the chat's earlier ones; then call ``done``."""
        previous = self._tails.get(key)
        task = asyncio.create_task(self._after(previous, item, done))
        self._tails[key] = task
        task.add_done_callback(lambda t, k=key: self._tails.pop(k, None) if self._tails.get(k) is t else None)

    async def _after(self, previous: asyncio.Task[None] | None, item: T, done: Callable[[], Awaitable[None]]) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
        delay = RETRY_FIRST
        while True:
            try:
                await self.handle(item)
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Handling %s failed; retrying in %.1f s", self.describe(item), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
        await done()

    async def finish(self, timeout: float = 60.0) -> None:
        """Let what is in hand finish (cancelled after ``timeout``)."""
        tasks = list(self._tails.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
