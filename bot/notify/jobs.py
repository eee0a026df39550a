"""Scheduler jobs of notifications (APScheduler 3). The database is the source of truth: every job
claims or de-duplicates its work there, so two running instances never queue or send one item twice;
the outbox senders of each channel deliver what these jobs queue when it falls due."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.outbox import Envelope
from bot.notify import broadcasts, digests, prefs, queue, rating
from bot.notify.texts import NotifyTexts

if TYPE_CHECKING:
    from bot.app import App
    from bot.storage import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickResult:
    broadcasts: int = 0
    digests: int = 0
    invitations: int = 0


def defaults_of(app: App) -> prefs.Defaults:
    return prefs.Defaults.from_config(app.settings.notifications, app.settings.bot.timezone)


async def dispatch_broadcasts(app: App, texts: NotifyTexts | None = None) -> int:
    results = await broadcasts.dispatch_due(
        app.db, app.clock.now(), defaults_of(app), texts or NotifyTexts(), app.knowledge.current.base,
        app.settings.notifications.daily_cap,
    )
    for broadcast_id, done in results:
        log.info("Broadcast %s queued: %d messages, %d for digests, %d over the daily cap, %d unreachable",
                 broadcast_id, done.queued, done.digested, done.capped, done.unreachable)
    return len(results)


async def send_digests(app: App, texts: NotifyTexts | None = None) -> int:
    async with app.db.transaction() as conn:
        count = await digests.compose_due(conn, app.clock.now(), defaults_of(app), texts or NotifyTexts(),
                                          app.knowledge.current.base)
    if count:
        log.info("Queued %d digests", count)
    return count


async def invite_to_rate(app: App, texts: NotifyTexts | None = None) -> int:
    async with app.db.transaction() as conn:
        queued, skipped = await rating.queue_due(conn, app.clock.now(), defaults_of(app), texts or NotifyTexts(),
                                                 app.texts)
    if queued or skipped:
        log.info("Rating invitations: %d queued, %d skipped (no trigger consent or unreachable)", queued, skipped)
    return queued


async def tick(app: App) -> TickResult:
    """Everything the jobs do, once (tests and ``bot broadcast run-due`` call it directly)."""
    return TickResult(await dispatch_broadcasts(app), await send_digests(app), await invite_to_rate(app))


def add_jobs(scheduler: AsyncIOScheduler, app: App) -> None:
    common = {"coalesce": True, "max_instances": 1}
    scheduler.add_job(dispatch_broadcasts, "interval", seconds=20, args=[app], id="notify-broadcasts", **common)
    scheduler.add_job(send_digests, "interval", minutes=5, args=[app], id="notify-digests", **common)
    scheduler.add_job(invite_to_rate, "interval", minutes=1, args=[app], id="notify-rating", **common)


def consent_gate(db: Database) -> Callable[[Envelope], Awaitable[str | None]]:
    """The senders' last check before a notification goes out (see ``Sender.gate``)."""

    async def gate(envelope: Envelope) -> str | None:
        async with db.read() as conn:
            return await queue.consent_gate(conn, envelope.id)

    return gate
