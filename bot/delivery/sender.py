"""Sending outbox messages through a channel's transport at the platform's pace.

- messages to one recipient go out in order, also through retries, deferrals and restarts: while a
  recipient has older messages waiting in the outbox, their new replies wait behind them;
- the platform's "retry after N seconds" is honoured; network and server errors are retried with
  backoff, then left pending for the background loop (an outage loses nothing);
- a person who blocked the bot is marked unreachable and nothing more is tried for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from itertools import groupby
from typing import Protocol

from tenacity import AsyncRetrying, RetryError, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.clock import Clock
from bot.delivery import lease, outbox
from bot.delivery.limits import Limiter
from bot.delivery.outbox import Envelope, Outcome
from bot.dialogue.locks import KeyedLocks
from bot.storage import Database

log = logging.getLogger(__name__)
# seconds: outcomes are recorded in batches, continuously (what was sent while one batch was being
# written goes in the next); what a crash can re-send is what went out in about this time — at
# Telegram's 30 messages a second, two or three messages
FLUSH_DELAY = 0.1
LOOK_AGAIN = 0.15  # seconds between the quick looks after a wake…
LOOKOUTS = 10  # …and how many


class Status(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # the platform asked to wait (HTTP 429)
    TRANSIENT = "transient"  # network, timeout, 5xx: try again later
    BLOCKED = "blocked"  # the person blocked the bot (403): never again until they write
    FAILED = "failed"  # the message itself was refused (400): retrying will not help


@dataclass(frozen=True, slots=True)
class SendResult:
    status: Status
    retry_after: float = 0.0
    error: str = ""


class Transport(Protocol):
    channel: str

    async def send(self, envelope: Envelope) -> SendResult: ...


class _Transient(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Policy:
    attempts: int = 4  # quick attempts before leaving a message for the background loop
    backoff_first: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 300.0  # longer waits are left to the background loop
    give_up_after: int = 20  # attempts in all before a message is marked failed
    later: timedelta = timedelta(seconds=30)  # when the background loop tries a message again


class Sender:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        limiter: Limiter,
        clock: Clock,
        instance: str,
        on_blocked: Callable[[Envelope], Awaitable[None]] | None = None,
        policy: Policy | None = None,
        gate: Callable[[Envelope], Awaitable[str | None]] | None = None,
        lease: timedelta = outbox.LEASE,
    ) -> None:
        self.db = db
        self.transport = transport
        self._wake = asyncio.Event()
        self.limiter = limiter
        self.clock = clock
        self.instance = instance
        self.lease_time = lease  # how long a silent process keeps its claims (bot.delivery.lease)
        self.on_blocked = on_blocked
        self.policy = policy or Policy()
        # checked just before a notification goes out: a reason to skip it (consent withdrawn), or None
        self.gate = gate
        self._recipients = KeyedLocks()
        self._done: list[Outcome] = []
        self._flush_lock = asyncio.Lock()
        self._backlog: set[str] = set()  # recipients with older messages waiting for the background loop
        self._flush_task: asyncio.Task[None] | None = None
        self.sent = 0
        self._lookouts = 0  # quick looks left after a wake
        self._renewed = -math.inf  # when this sender last renewed its lease (monotonic)

    # --- sending ----------------------------------------------------------------------------------

    async def deliver(self, envelopes: Sequence[Envelope], *, backlog: bool = False) -> list[Outcome]:
        """Send claimed envelopes now (in order for each recipient) and record what happened.

        ``backlog`` marks envelopes claimed by the background loop, which may send a recipient's
        older waiting messages; new replies for such a recipient wait behind them instead.
        """
        ordered = sorted(envelopes, key=lambda e: (e.recipient, e.id))
        groups = [list(g) for _, g in groupby(ordered, key=lambda e: e.recipient)]
        results = await asyncio.gather(*(self._deliver_to(group, backlog) for group in groups))
        self._schedule_flush()
        return [o for group in results for o in group]

    async def _deliver_to(self, group: list[Envelope], from_backlog: bool) -> list[Outcome]:
        recipient = group[0].recipient
        outcomes: list[Outcome] = []
        waits = False
        async with self._recipients.hold(recipient):
            held = recipient in self._backlog and not from_backlog
            blocked = False
            for envelope in group:
                now = self.clock.now()
                if blocked:
                    outcome = Outcome(envelope.id, outbox.UNREACHABLE, envelope.attempts, now)
                elif held:  # keep the order: older messages of this person are still waiting
                    outcome = Outcome(envelope.id, outbox.PENDING, envelope.attempts, now, None, now)
                    waits = True
                else:
                    outcome = await self._send_one(envelope)
                    if outcome.status == outbox.UNREACHABLE:
                        blocked = True
                        if self.on_blocked is not None:
                            await self.on_blocked(envelope)
                    elif outcome.status == outbox.PENDING:
                        held = True
                        self._backlog.add(recipient)
                outcomes.append(outcome)
                if envelope.kind == outbox.NOTIFICATION:
                    # recorded at once: a crash mid-broadcast re-sends at most the messages in flight
                    await self.db.run_in_transaction(outbox.record_outcomes, [outcome])
                else:
                    self._done.append(outcome)
                    self._schedule_flush()
            if waits:  # handed to the background loop, behind the older ones: let it see them now
                await self.flush()
                self.wake()
        return outcomes

    async def _refused(self, envelope: Envelope) -> str | None:
        if self.gate is None or envelope.kind != outbox.NOTIFICATION:
            return None
        return await self.gate(envelope)

    async def _send_one(self, envelope: Envelope) -> Outcome:
        # the common case first: one attempt, no retry machinery (it costs more than a send)
        async with self.limiter.slot(envelope.recipient):
            refused = await self._refused(envelope)
            if refused is not None:
                return Outcome(envelope.id, outbox.SKIPPED, envelope.attempts, self.clock.now(), refused)
            first = await self.transport.send(envelope)
        if first.status == Status.SENT:
            self.sent += 1
            return Outcome(envelope.id, outbox.SENT, envelope.attempts + 1, self.clock.now())
        return await self._send_with_retries(envelope, first)

    async def _send_with_retries(self, envelope: Envelope, first: SendResult) -> Outcome:
        policy = self.policy
        attempts = envelope.attempts + 1
        last: SendResult | None = first
        if first.status in (Status.BLOCKED, Status.FAILED):
            return self._outcome(envelope, last, attempts)
        if first.status == Status.RETRY_AFTER:
            if first.retry_after > policy.max_retry_after:
                return self._outcome(envelope, last, attempts)
            log.info("Platform asked to wait %.1f s before sending", first.retry_after)
            await asyncio.sleep(first.retry_after)
        elif first.status == Status.TRANSIENT:
            await asyncio.sleep(policy.backoff_first)  # the platform is unwell: not again at once
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(policy.attempts),
            wait=wait_exponential(multiplier=policy.backoff_first, max=policy.backoff_max),
            reraise=False,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    while True:
                        async with self.limiter.slot(envelope.recipient):
                            # the last check, after any wait for the rate limit: consent withdrawn?
                            refused = await self._refused(envelope)
                            if refused is not None:
                                return Outcome(envelope.id, outbox.SKIPPED, attempts, self.clock.now(), refused)
                            last = await self.transport.send(envelope)
                        attempts += 1
                        if last.status != Status.RETRY_AFTER:
                            break
                        if last.retry_after > policy.max_retry_after:
                            raise _Transient(last.error)
                        log.info("Platform asked to wait %.1f s before sending", last.retry_after)
                        await asyncio.sleep(last.retry_after)
                    if last.status == Status.TRANSIENT:
                        raise _Transient(last.error)
        except RetryError:
            pass
        assert last is not None
        return self._outcome(envelope, last, attempts)

    def _outcome(self, envelope: Envelope, last: SendResult, attempts: int) -> Outcome:
        policy = self.policy
        now = self.clock.now()
        if last.status == Status.SENT:
            self.sent += 1
            return Outcome(envelope.id, outbox.SENT, attempts, now)
        if last.status == Status.BLOCKED:
            return Outcome(envelope.id, outbox.UNREACHABLE, attempts, now, last.error)
        if last.status == Status.FAILED or attempts >= policy.give_up_after:
            log.warning("Message %s could not be delivered: %s", envelope.id, last.error)
            return Outcome(envelope.id, outbox.FAILED, attempts, now, last.error)
        # the platform is unwell or asked for a long pause: leave the message for the background loop
        pause = max(policy.later, timedelta(seconds=last.retry_after))
        return Outcome(envelope.id, outbox.PENDING, attempts, now, last.error, now + pause)

    # --- bookkeeping ------------------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        """Record outcomes shortly, many at once (a crash in between re-sends at most those)."""
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        # Outcomes that arrive while a flush is writing find this task still running and do not
        # schedule another: loop until none are left (otherwise their rows stay "sending" until the
        # next delivery, and are sent again once they look abandoned).
        while True:
            await asyncio.sleep(FLUSH_DELAY)
            try:
                await self.flush()
            except Exception:
                log.exception("Could not record delivery outcomes; will try again")
                await asyncio.sleep(1.0)
                continue
            if not self._done:
                return

    async def flush(self) -> None:
        """Write the outcomes recorded so far (many at once)."""
        async with self._flush_lock:
            done, self._done = self._done, []
            if done:
                try:
                    await self.db.run_in_transaction(outbox.record_outcomes, done)
                except BaseException:
                    self._done[:0] = done  # tried again with the next flush
                    raise

    async def pump(self, limit: int = 200) -> int:
        """Claim what is due (and what a dead process left behind) and send it; how many were sent."""
        async with self.db.transaction() as conn:
            if time.monotonic() - self._renewed >= self.lease_time.total_seconds() / 3:
                await lease.renew(conn, self.instance, self.clock.now())  # a pumping sender is alive
                self._renewed = time.monotonic()
            claimed = await outbox.claim_due(
                conn, self.transport.channel, self.instance, self.clock.now(), limit=limit, lease=self.lease_time
            )
        if not claimed:
            return 0
        outcomes = await self.deliver(claimed, backlog=True)
        await self._release_backlog({e.recipient for e in claimed})
        return sum(o.status == outbox.SENT for o in outcomes)

    async def _release_backlog(self, recipients: set[str]) -> None:
        """Recipients with nothing older waiting any more: their new replies go straight out again."""
        candidates = recipients & self._backlog
        if not candidates:
            return
        await self.flush()
        async with self.db.read() as conn:
            still = await outbox.waiting_recipients(
                conn, self.transport.channel, self.clock.now(), lease=self.lease_time, among=sorted(candidates)
            )
        self._backlog -= candidates - still

    async def recover(self) -> int:
        """At start: recipients with messages left waiting (taken back after a crash, deferred, or on
        their way from another process) get their new replies only after those; how many there are."""
        async with self.db.read() as conn:
            waiting = await outbox.waiting_recipients(
                conn, self.transport.channel, self.clock.now(), lease=self.lease_time
            )
        self._backlog |= waiting
        if waiting:
            self.wake()
        return len(waiting)

    async def run(self, interval: float = 1.0) -> None:
        """The background loop: due notifications, retries after outages, recovery after a crash."""
        while True:
            self._wake.clear()
            try:
                sent = await self.pump()
                if sent:
                    continue
                if self._backlog:  # older messages may have gone out another way (another process)
                    await self._release_backlog(set(self._backlog))
            except Exception:
                log.exception("Outbox pump failed; trying again shortly")
            wait = interval
            if self._lookouts:  # rows were queued, maybe behind a person's messages still on their way
                self._lookouts -= 1
                wait = min(interval, LOOK_AGAIN)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    def wake(self) -> None:
        """New rows were committed for this channel (operators' messages, notices): look now, and
        again shortly (a row waiting behind the person's earlier messages goes right after them)."""
        self._lookouts = LOOKOUTS
        self._wake.set()

    async def close(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()
        with contextlib.suppress(Exception):
            await self.flush()
