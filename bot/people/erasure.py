"""What deleting a person (/forget) and the retention period remove beyond the person's own rows:
messages in the outbox (their texts and chat ids) and old questions kept in conversations; and the
person's id is never given again (the analytics pseudonym is derived from it)."""

from __future__ import annotations

from datetime import datetime

import orjson
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.people import ids
from bot.people.repository import AccountInfo
from bot.storage.models import ConversationRow, OutboxRow

FAREWELL_REF = "forgotten"  # the outbox ref of the last reply to a deleted person: removed once sent
FINISHED = ("sent", "failed", "skipped", "unreachable")
_outbox = OutboxRow.__table__
_conversations = ConversationRow.__table__
# what a conversation keeps about the person's questions (an operator's context), dropped when it expires
_QUESTION_FIELDS = ("query", "candidates", "shown", "log")


async def erase_outbox(conn: AsyncConnection, person_id: int, accounts: list[AccountInfo]) -> int:
    """Delete every outbox message to or about the person: by person, by account, by chat id."""
    where = [_outbox.c.person_id == person_id]
    if accounts:
        where.append(_outbox.c.account_id.in_([a.account_id for a in accounts]))
        where += [and_(_outbox.c.channel == a.channel, _outbox.c.recipient == a.external_id) for a in accounts]
    result = await conn.execute(delete(_outbox).where(or_(*where)))
    return int(result.rowcount or 0)


async def retire_id(conn: AsyncConnection, person_id: int) -> None:
    """Keep a deleted person's id from being given again (see ``bot.people.ids``)."""
    await conn.run_sync(ids.retire, person_id)


async def purge_outbox(conn: AsyncConnection, before: datetime) -> int:
    """Delete delivered (or given up) messages older than ``before``, and farewells to deleted people at once."""
    result = await conn.execute(
        delete(_outbox).where(
            _outbox.c.status.in_(FINISHED),
            or_(_outbox.c.created_at < before, _outbox.c.ref == FAREWELL_REF),
        )
    )
    return int(result.rowcount or 0)


async def purge_questions(conn: AsyncConnection, before: datetime) -> int:
    """Drop the questions kept in conversations not touched since ``before`` (their retention is over)."""
    rows = (
        await conn.execute(
            select(_conversations.c.account_id, _conversations.c.data, _conversations.c.version)
            .where(_conversations.c.updated_at < before)
        )
    ).all()
    purged = 0
    for account_id, data, version in rows:
        try:
            state = orjson.loads(data)
        except orjson.JSONDecodeError:
            state = {}
        if not isinstance(state, dict) or not any(state.get(key) for key in _QUESTION_FIELDS):
            continue
        for key in _QUESTION_FIELDS:
            state.pop(key, None)
        await conn.execute(
            update(_conversations)
            .where(_conversations.c.account_id == account_id, _conversations.c.version == version)
            .values(data=orjson.dumps(state).decode(), version=version + 1)
        )
        purged += 1
    return purged
