"""The SLA check: cases waiting too long for a first answer remind the operators, then alert supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.handoff import cases
from bot.handoff.cases import Case
from bot.handoff.hours import Schedule, format_wait

if TYPE_CHECKING:
    from bot.handoff.service import HandoffService


def waited(schedule: Schedule, case: Case, now: datetime) -> timedelta:
    """Working time the person waited for the first answer (so far, if there is none yet)."""
    return schedule.working_time(case.opened_at, case.first_response_at or now)


async def check_sla(desk: HandoffService) -> int:
    """Remind operators of cases waiting longer than the SLA, alert supervisors at twice that.

    Each reminder and alert is claimed by a conditional update first, so with several instances one of
    them posts it. Returns how many were posted.
    """
    t = desk.t
    now = desk.clock.now()
    sla = timedelta(minutes=desk.section.sla_minutes)
    sent = 0
    async with desk.db.transaction() as conn:
        for case in await cases.open_cases(conn):
            if case.first_response_at is not None:
                continue
            so_far = waited(desk.schedule, case, now)
            if so_far >= 2 * sla and case.escalated_at is None:
                if not await cases.mark_once(conn, case.id, "escalated_at", escalated_at=now,
                                             reminded_at=case.reminded_at or now):
                    continue
                text = t.format(t.sla_escalation, supervisors=desk.supervisors(), case=case.id,
                                waited=format_wait(so_far))
                await desk.post_to_workspace(conn, text, case=case.id, now=now)
                await desk.post_to_workspace(conn, text, now=now)
                sent += 1
            elif so_far >= sla and case.reminded_at is None:
                if not await cases.mark_once(conn, case.id, "reminded_at", reminded_at=now):
                    continue
                text = t.format(t.sla_reminder, case=case.id, waited=format_wait(so_far), sla=format_wait(sla))
                await desk.post_to_workspace(conn, text, case=case.id, now=now)
                sent += 1
    if sent:
        desk.wake()
    return sent
