"""A channel's background work: what it fires and forgets (answering a button press, "typing…", the
replies after a webhook answer), logged if it fails and awaited on stop; and the stopping of its
long-running tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)  # a reference, or the task may be collected before it runs
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Background work of the channel failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for what is still on its way."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def wind_down(tasks: Sequence[asyncio.Task[None]], receiver: str, timeout: float = 60.0) -> None:
    """Let the task named ``receiver`` (told to stop already) finish what it has in hand, then cancel
    the rest (the outbox loop) and wait for them."""
    for task in tasks:
        if task.get_name() == receiver:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=timeout)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
