"""Report sections that depend on tables other features own: operators' cases and consents.

The report must work before those tables exist, so each reader looks the table up by reflection and
returns None («нет данных») when it is absent or has none of the expected columns. The names below are
the ones the operators' workspace and the notifications are expected to use; adjust them here if the
final schema differs. Only counts and durations are read — never who the people are.
"""

from __future__ import annotations

import logging
import statistics
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.reports.data import Period
from bot.reports.metrics import Consents, FirstResponses

log = logging.getLogger(__name__)

CASE_TABLES = ("handoff_cases", "operator_cases", "cases")
CASE_OPENED = ("opened_at", "created_at")
CASE_FIRST_REPLY = ("first_response_at", "first_reply_at", "first_answer_at")
CONSENT_TABLES = ("consents", "notification_consents", "subscriptions")
CONSENT_GIVEN = ("given_at", "granted_at", "created_at")
CONSENT_REVOKED = ("revoked_at", "withdrawn_at")
NORM_MINUTES = 120


async def _table(conn: AsyncConnection, names: tuple[str, ...]) -> Table | None:
    def reflect(sync_conn: Any) -> Table | None:
        existing = set(inspect(sync_conn).get_table_names())
        for name in names:
            if name in existing:
                return Table(name, MetaData(), autoload_with=sync_conn)
        return None

    return await conn.run_sync(reflect)


def _column(table: Table, names: tuple[str, ...]) -> Any:
    return next((table.c[n] for n in names if n in table.c), None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def first_responses(conn: AsyncConnection, period: Period) -> FirstResponses | None:
    try:
        table = await _table(conn, CASE_TABLES)
        if table is None:
            return None
        opened, replied = _column(table, CASE_OPENED), _column(table, CASE_FIRST_REPLY)
        if opened is None or replied is None:
            return None
        rows = [
            (_aware(o), _aware(r) if r is not None else None)
            for o, r in (await conn.execute(select(opened, replied))).all()
            if o is not None and period.since <= _aware(o) < period.until
        ]
    except Exception:  # a table in an unexpected shape must not break the whole report
        log.warning("Could not read operators' cases for the report", exc_info=True)
        return None
    minutes = sorted(
        (r - o).total_seconds() / 60 for o, r in rows if r is not None
    )
    within = sum(1 for m in minutes if m <= NORM_MINUTES)
    p90 = minutes[min(len(minutes) - 1, int(0.9 * len(minutes)))] if minutes else None
    return FirstResponses(len(rows), len(minutes), within, statistics.median(minutes) if minutes else None, p90)


async def consents(conn: AsyncConnection, period: Period, people: int) -> Consents | None:
    try:
        table = await _table(conn, CONSENT_TABLES)
        if table is None:
            return None
        given, revoked = _column(table, CONSENT_GIVEN), _column(table, CONSENT_REVOKED)
        if given is None or revoked is None:
            return None
        rows = (await conn.execute(select(given, revoked))).all()
    except Exception:
        log.warning("Could not read consents for the report", exc_info=True)
        return None
    since, until = period.since, period.until
    given_now = revoked_now = active_before = 0
    for g, r in rows:
        g = _aware(g) if g is not None else None
        r = _aware(r) if r is not None else None
        if g is not None and since <= g < until:
            given_now += 1
        if g is not None and g < since and (r is None or r >= since):
            active_before += 1
        if r is not None and since <= r < until:
            revoked_now += 1
    return Consents(given_now, revoked_now, active_before, people)
