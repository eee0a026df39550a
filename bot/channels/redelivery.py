"""Webhook modes: the platform delivers an update again after an error answer. An update is stored, or
after ``give_up_after`` failures set aside as a dead letter (then the platform is told it is taken)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.delivery.dead_letters import Redeliveries
from bot.delivery.outbox import Envelope

log = logging.getLogger(__name__)


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
