"""Start-up calls to a messenger's API: retried with backoff while the network or the platform is
unwell (one log line per attempt), given up at once when retrying cannot help (a refused token)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_WAIT = 1.0  # seconds before the second attempt; doubled each time…
MAX_WAIT = 60.0  # …up to this
REQUEST_TIMEOUT = 15.0  # seconds one start-up request may take (a black-holed network is seen this soon)


class StartupError(Exception):
    """A channel cannot start and retrying will not help; the message is one line saying what to fix."""


def describe(exc: BaseException) -> str:
    """An exception in a few words for a log line (no traceback, no token)."""
    text = " ".join(str(exc).split())
    if len(text) > 160:
        text = text[:159] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def retrying(
    what: str,
    call: Callable[[], Awaitable[T]],
    transient: Callable[[BaseException], bool],
    *,
    first_wait: float | None = None,
    max_wait: float | None = None,
) -> T:
    """``call()`` until it succeeds; a ``transient`` error is logged in one line and tried again after
    a growing pause (for as long as it takes: the caller cancels to stop); any other error is raised."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        pause = state.next_action.sleep if state.next_action is not None else 0.0
        log.warning("%s failed (attempt %d: %s); retrying in %.1f s", what, state.attempt_number,
                    describe(error) if error else "?", pause)

    async for attempt in AsyncRetrying(
        retry=retry_if_exception(transient),
        wait=wait_exponential(multiplier=first_wait or FIRST_WAIT, max=max_wait or MAX_WAIT),
        before_sleep=before_sleep,
        reraise=True,
    ):
        with attempt:
            result = await call()
        if attempt.retry_state.attempt_number > 1:
            log.info("%s succeeded after %d attempts", what, attempt.retry_state.attempt_number)
    return result
