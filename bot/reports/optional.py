"""Report sections that depend on tables other features own: operators' cases and consents.

Operators' cases come from the handoff's table, consents from the notifications' own trail. Only counts
and durations are read — never who the people are.
"""

from __future__ import annotations

import logging
import statistics
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.reports.data import Period
from bot.reports.metrics import ConsentKind, Consents, FirstResponses
from bot.storage.models import CaseRow

log = logging.getLogger(__name__)

NORM_MINUTES = 120
_cases = CaseRow.__table__


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def first_responses(conn: AsyncConnection, period: Period) -> FirstResponses:
    """Operators' first answers to the cases opened in the period, against the 2-hour norm (wall clock,
    as the person experiences it)."""
    rows = (
        await conn.execute(
            select(_cases.c.opened_at, _cases.c.first_response_at).where(
                _cases.c.opened_at >= period.since, _cases.c.opened_at < period.until
            )
        )
    ).all()
    minutes = sorted((r - o).total_seconds() / 60 for o, r in rows if r is not None)
    within = sum(1 for m in minutes if m <= NORM_MINUTES)
    p90 = minutes[min(len(minutes) - 1, int(0.9 * len(minutes)))] if minutes else None
    return FirstResponses(len(rows), len(minutes), within, statistics.median(minutes) if minutes else None, p90)


KIND_NAMES = {
    "notify:content": "Новые услуги и меры поддержки",
    "notify:transactional": "Статус обращений",
    "notify:trigger": "Напоминания и приглашения оценить",
    "topic": "Подписки на темы",
}


async def consents(conn: AsyncConnection, period: Period, people: int) -> Consents | None:
    """Opt-ins and opt-outs of notifications from the consents trail (``bot/consent/records.py``),
    counted in people; None («нет данных») when nobody has ever answered about notifications."""
    from bot.storage.models import ConsentRow

    table = ConsentRow.__table__
    try:
        rows = (
            await conn.execute(
                select(table.c.person_id, table.c.subject, table.c.granted, table.c.at)
                .where(or_(table.c.subject.like("notify:%"), table.c.subject.like("topic:%")),
                       table.c.at < period.until)
                .order_by(table.c.id)
            )
        ).all()
    except Exception:
        log.warning("Could not read consents for the report", exc_info=True)
        return None
    if not rows:
        return None
    since = period.since
    state: dict[tuple[int, str], bool] = {}
    before: dict[tuple[int, str], bool] = {}
    given: dict[str, set[int]] = {}
    revoked: dict[str, set[int]] = {}
    for person, subject, granted, at in rows:
        kind = "topic" if subject.startswith("topic:") else subject
        key = (person, subject)
        was = state.get(key, False)
        if _aware(at) < since:
            before[key] = bool(granted)
        elif granted and not was:
            given.setdefault(kind, set()).add(person)
        elif not granted and was:
            revoked.setdefault(kind, set()).add(person)
        state[key] = bool(granted)
    active_before = {person for (person, _), on in before.items() if on}
    kinds = []
    for kind, name in KIND_NAMES.items():
        at_end = {p for (p, s), on in state.items() if on and ("topic" if s.startswith("topic:") else s) == kind}
        kinds.append(ConsentKind(name, len(given.get(kind, ())), len(revoked.get(kind, ())), len(at_end)))
    all_given = set().union(*given.values()) if given else set()
    all_revoked = set().union(*revoked.values()) if revoked else set()
    return Consents(len(all_given), len(all_revoked), len(active_before), people, tuple(kinds))
