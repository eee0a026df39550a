"""Periodic jobs of the bot process (APScheduler 3): housekeeping, broadcasts, digests and rating invitations.

Every instance on a database runs the same scheduler; each job's period is claimed in the database,
so a job runs once per period whichever instances are alive (see ``bot.instances.jobs``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import delete

from bot.app import App
from bot.instances.jobs import nearest_slot, once_per_period, period_slot
from bot.notify.jobs import add_jobs
from bot.storage.models import ProcessedUpdate

log = logging.getLogger(__name__)
UPDATES_KEPT = timedelta(days=7)
CRON_SLOT = 600.0  # seconds: runs of a cron job this close to one another are one run


async def prune_processed_updates(app: App) -> int:
    """Forget update ids older than a week (platforms re-send for a day at most)."""
    cutoff = app.clock.now() - UPDATES_KEPT
    async with app.db.transaction() as conn:
        result = await conn.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff))
    return int(result.rowcount or 0)


def build_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(app.purge_expired, "interval", hours=1, id="purge-expired-texts", coalesce=True)
    scheduler.add_job(
        prune_processed_updates, "interval", hours=6, args=[app], id="prune-processed-updates", coalesce=True
    )
    add_jobs(scheduler, app)
    scheduler.add_job(app.refresh_popular, "interval", hours=6, id="refresh-popular-entries", coalesce=True)
    if app.handoff is not None:
        scheduler.add_job(
            app.handoff.check_sla, "interval", minutes=1, id="handoff-sla", coalesce=True, max_instances=1
        )
        scheduler.add_job(
            remind_stale_entries, "cron", day_of_week="mon", hour=10, timezone=app.settings.bot.timezone,
            args=[app], id="stale-entries", coalesce=True,
        )
    claim_each_period(scheduler, app)
    return scheduler


def claim_each_period(scheduler: AsyncIOScheduler, app: App) -> None:
    """Wrap every job so that one instance runs it per period (interval jobs: their interval; cron
    jobs: the moment they fire, within ``CRON_SLOT``)."""
    for job in scheduler.get_jobs():
        trigger = job.trigger
        if isinstance(trigger, IntervalTrigger):
            seconds = trigger.interval.total_seconds()
            slot = partial(period_slot, seconds=seconds)
        else:
            slot = partial(nearest_slot, seconds=CRON_SLOT)
        job.modify(func=once_per_period(app.db, job.id, job.func, slot, app.dialogue.instance, app.clock.now))


async def remind_stale_entries(app: App) -> bool:
    """Once a week, tell the editors in the operators' group which entries are due for review (with
    their owners); nothing when none is."""
    from bot.editors.commands import EditorCommands

    desk = app.handoff
    text = EditorCommands.for_app(app).stale_reminder()
    if desk is None or text is None:
        return False
    async with app.db.transaction() as conn:
        await desk.post_to_workspace(conn, text, now=app.clock.now())
    desk.wake()
    return True
