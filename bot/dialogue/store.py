"""Saving conversation state, with a version number so concurrent writers never clobber each other."""

from __future__ import annotations

from datetime import datetime

import orjson
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dialogue.state import Conversation
from bot.storage.models import ConversationRow

_table = ConversationRow.__table__


class StaleConversation(Exception):
    """Someone else saved the conversation in between; handle the message again."""


def decode(data: str | None, segment: str | None) -> Conversation:
    if data is None:
        return Conversation(segment=segment)
    try:
        return Conversation.from_json(orjson.loads(data), segment)
    except (ValueError, TypeError, KeyError):
        return Conversation(segment=segment)  # a damaged row starts over rather than breaking the chat


def encode(conv: Conversation) -> str:
    return orjson.dumps(conv.to_json()).decode()


async def save(conn: AsyncConnection, account_id: int, conv: Conversation, version: int | None, now: datetime) -> None:
    data = encode(conv)
    if version is None:
        await conn.execute(
            insert(_table).values(account_id=account_id, step=conv.step.value, data=data, version=1, updated_at=now)
        )
        return
    result = await conn.execute(
        update(_table)
        .where(_table.c.account_id == account_id, _table.c.version == version)
        .values(step=conv.step.value, data=data, version=version + 1, updated_at=now)
    )
    if result.rowcount != 1:
        raise StaleConversation(account_id)
