"""Webhook modes: the platform delivers an update again after an error answer. An update is stored, or
after ``give_up_after`` failures set aside as a dead letter (then the platform is told it is taken)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.delivery.dead_letters import is_environmental
from bot.delivery.outbox import Envelope

log = logging.getLogger(__name__)


class Redeliveries:
    """Failures of updates a platform delivers again after an error answer (webhook modes), counted per
    update key in this process; says when an update has failed often enough to be set aside."""

    def __init__(self, give_up_after: int, remember: int = 10_000) -> None:
        self.give_up_after = give_up_after
        self.remember = remember
        self._failures: OrderedDict[str, int] = OrderedDict()

    def failed(self, key: str, exc: BaseException) -> bool:
        """Count a failure (not one of the surroundings'); True when the update should be set aside."""
        if not is_environmental(exc):
            self._failures[key] = self._failures.pop(key, 0) + 1
            while len(self._failures) > self.remember:
                self._failures.popitem(last=False)
        return self._failures.get(key, 0) >= self.give_up_after

    def pop(self, key: str) -> int:
        """How many times it failed; forgotten from now on."""
        return self._failures.pop(key, 0)


async def store_or_set_aside(
    failures: Redeliveries,
    what: str,
    store: Callable[[], Awaitable[list[Envelope]]],
    dead: Callable[[BaseException, int], Awaitable[list[Envelope]]],
) -> list[Envelope] | None:
    """The replies to send, or None: answer an error, so that the platform delivers the update again."""
    try:
        return await store()
    except Exception as exc:
        if not failures.failed(what, exc):
            log.exception("Handling %s failed; it will be delivered again", what)
            return None
        count = failures.pop(what)
        log.error("Handling %s failed %d times; setting it aside", what, count, exc_info=exc)
        try:
            return await dead(exc, count)
        except Exception:
            log.exception("Could not set %s aside; it will be delivered again", what)
            return None
