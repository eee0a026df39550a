"""Handling a channel's incoming events: different chats at once, one chat's events in order, and an
event that failed tried again (it is not acknowledged until it is handled).

Handling has two steps: ``store`` (the event's effects and its replies stored, which is when it may
be acknowledged) and ``deliver`` (sending those replies). The next event of the same chat waits for
both, so replies keep their order; acknowledging does not wait for delivery (stored replies are sent
by the outbox even if the process stops first).

An event whose handling fails ``give_up_after`` times (failures of the surroundings — the database
or the network unavailable — not counted) is handed to ``on_dead``: set aside as a dead letter, after
which it counts as handled and the events after it go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from bot.delivery.dead_letters import is_environmental

log = logging.getLogger(__name__)
RETRY_FIRST = 0.5
RETRY_MAX = 30.0

T = TypeVar("T")
R = TypeVar("R")


class InOrder(Generic[T, R]):
    def __init__(
        self,
        store: Callable[[T], Awaitable[R]],
        describe: Callable[[T], str],
        deliver: Callable[[R], Awaitable[None]] | None = None,
        on_dead: Callable[[T, BaseException, int], Awaitable[R]] | None = None,
        give_up_after: int = 3,
    ) -> None:
        self.store = store
        self.deliver = deliver
        self.on_dead = on_dead  # sets a failing event aside (a dead letter); returns replies to send
        self.give_up_after = give_up_after
        self.describe = describe  # names an event in logs (never its text)
        self._tails: dict[str, asyncio.Task[None]] = {}  # the last task of each chat

    def start(self, key: str, item: T, stored: Callable[[], Awaitable[None]]) -> None:
        """Handle ``item`` after the chat's earlier ones; call ``stored`` once its effects are stored."""
        previous = self._tails.get(key)
        task = asyncio.create_task(self._after(previous, item, stored))
        self._tails[key] = task
        task.add_done_callback(lambda t, k=key: self._tails.pop(k, None) if self._tails.get(k) is t else None)

    async def _after(self, previous: asyncio.Task[None] | None, item: T, stored: Callable[[], Awaitable[None]]) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
        delay = RETRY_FIRST
        failures = 0
        error: BaseException | None = None
        while True:
            dead = self.on_dead is not None and error is not None and failures >= self.give_up_after
            try:
                if dead:
                    assert self.on_dead is not None and error is not None
                    result = await self.on_dead(item, error, failures)
                    log.warning("%s failed %d times; set aside as a dead letter", self.describe(item), failures)
                else:
                    result = await self.store(item)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not dead:
                    error = exc
                    if not is_environmental(exc):
                        failures += 1
                    if self.on_dead is not None and failures >= self.give_up_after:
                        log.error("Handling %s failed for the %d. time (%s); setting it aside",
                                  self.describe(item), failures, type(exc).__name__, exc_info=exc)
                        continue
                log.exception("Handling %s failed; retrying in %.1f s", self.describe(item), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
        await stored()
        if self.deliver is not None:
            try:
                await self.deliver(result)
            except Exception:  # the replies stay in the outbox, which sends them later
                log.exception("Sending the replies to %s failed; the outbox will retry", self.describe(item))

    async def finish(self, timeout: float = 60.0) -> None:
        """Let what is in hand finish (cancelled after ``timeout``)."""
        tasks = list(self._tails.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
