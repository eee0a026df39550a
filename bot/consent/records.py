"""Consent records: every give and every withdrawal is a new row of ``consents`` (never changed), and
``consent_state`` keeps the latest answer per person and subject for quick checks.

Subjects:
- ``personal_data`` — processing of personal data for notifications and settings;
- ``notify:content`` / ``notify:transactional`` / ``notify:trigger`` — the standard's categories (4.6.4.5);
- ``topic:<topic_id>`` — news on a life situation, a topic of the knowledge base (4.5.4.1);
- ``messages:vk`` — VK's message_allow / message_deny.

Consents belong to a person, not to a messenger account: linked accounts share them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import ConsentRow, ConsentState

PERSONAL_DATA = "personal_data"
CONTENT = "notify:content"
TRANSACTIONAL = "notify:transactional"
TRIGGER = "notify:trigger"
CATEGORIES = (CONTENT, TRANSACTIONAL, TRIGGER)
VK_MESSAGES = "messages:vk"
TOPIC_PREFIX = "topic:"
MAX_SUBJECT = 64

_log = ConsentRow.__table__
_state = ConsentState.__table__


def topic_subject(topic_id: str) -> str:
    return (TOPIC_PREFIX + topic_id)[:MAX_SUBJECT]


async def record(
    conn: AsyncConnection,
    *,
    person_id: int,
    subject: str,
    granted: bool,
    channel: str,
    wording_version: str,
    at: datetime,
    source: str,
) -> None:
    """Log one give (``granted=True``) or withdrawal and make it the current state, in the caller's
    transaction. A repeated answer is logged too: the trail shows every tap."""
    if not subject or len(subject) > MAX_SUBJECT:
        raise ValueError(f"consent subject must be 1..{MAX_SUBJECT} characters: {subject!r}")
    consent_id = (
        await conn.execute(
            insert(_log)
            .values(
                person_id=person_id, subject=subject, granted=granted, channel=channel[:16],
                wording_version=wording_version[:32], source=source[:32], at=at,
            )
            .returning(_log.c.id)
        )
    ).scalar_one()
    values = {"person_id": person_id, "subject": subject, "granted": granted, "consent_id": consent_id, "at": at}
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        make = sqlite_insert if dialect == "sqlite" else pg_insert
        stmt = make(_state).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_state.c.person_id, _state.c.subject],
            set_={"granted": granted, "consent_id": consent_id, "at": at},
        )
        await conn.execute(stmt)
        return
    updated = await conn.execute(
        _state.update()
        .where(_state.c.person_id == person_id, _state.c.subject == subject)
        .values(granted=granted, consent_id=consent_id, at=at)
    )
    if not updated.rowcount:
        await conn.execute(insert(_state).values(**values))


async def current(conn: AsyncConnection, person_id: int) -> dict[str, bool]:
    """The latest answer per subject (subjects never answered are absent: that means no consent)."""
    rows = await conn.execute(select(_state.c.subject, _state.c.granted).where(_state.c.person_id == person_id))
    return {subject: bool(granted) for subject, granted in rows}


async def has(conn: AsyncConnection, person_id: int, subject: str) -> bool:
    """Whether the person's latest answer on ``subject`` is a yes."""
    granted = await conn.scalar(
        select(_state.c.granted).where(_state.c.person_id == person_id, _state.c.subject == subject)
    )
    return bool(granted)


async def history(conn: AsyncConnection, person_id: int) -> list[ConsentRow]:
    """The person's whole trail, oldest first (for /settings' "история" and audits)."""
    rows = await conn.execute(select(_log).where(_log.c.person_id == person_id).order_by(_log.c.id))
    return [ConsentRow(**row._mapping) for row in rows]


def granted_subjects(state: dict[str, bool], prefix: str = "") -> list[str]:
    return sorted(s for s, ok in state.items() if ok and s.startswith(prefix))
