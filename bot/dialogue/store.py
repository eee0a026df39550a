"""Loading and saving conversation state, with a version number so concurrent writers never clobber."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogue.state import Conversation
from bot.storage.models import ConversationRow


class StaleConversation(Exception):
    """Someone else saved the conversation in between; handle the message again."""


async def load(session: AsyncSession, account_id: int, segment: str | None) -> tuple[Conversation, int | None]:
    row = (
        await session.execute(
            select(ConversationRow.data, ConversationRow.version).where(ConversationRow.account_id == account_id)
        )
    ).first()
    if row is None:
        return Conversation(segment=segment), None
    try:
        data = json.loads(row.data)
    except ValueError:
        data = None  # a damaged row starts over rather than breaking the person's chat
    return Conversation.from_json(data, segment), row.version


async def save(
    session: AsyncSession, account_id: int, conv: Conversation, version: int | None, now: datetime
) -> None:
    data = json.dumps(conv.to_json(), ensure_ascii=False, separators=(",", ":"))
    if version is None:
        await session.execute(
            insert(ConversationRow).values(
                account_id=account_id, step=conv.step.value, data=data, version=1, updated_at=now
            )
        )
        return
    result = await session.execute(
        update(ConversationRow)
        .where(ConversationRow.account_id == account_id, ConversationRow.version == version)
        .values(step=conv.step.value, data=data, version=version + 1, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleConversation(account_id)
