"""The desk's messages into the outbox: to the operators' workspace and to a case's person, each split to
its platform's length limit. The channels' senders deliver them after the transaction commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery import outbox
from bot.dialogue.markup import split_message
from bot.dialogue.messages import Button, Outgoing
from bot.handoff.cases import Case

KIND = "operator"  # the outbox rows' kind
TEXT_LIMITS = {"telegram": 4096, "vk": 4000, "max": 4000}


@dataclass(frozen=True, slots=True)
class Workspace:
    """Where operators work: a channel and a chat in it (a Telegram supergroup with topics)."""

    channel: str
    chat: str


async def to_workspace(
    conn: AsyncConnection,
    workspace: Workspace,
    text: str,
    *,
    case: int | None = None,
    buttons: tuple[tuple[Button, ...], ...] = (),
    extra: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    """Queue ``text`` for the workspace: in a case's topic when ``case`` is given, else in its general chat."""
    extra = dict(extra or {})
    if case is not None:
        extra["case"] = case
    message = Outgoing(text, buttons)
    parts = split_message(message, TEXT_LIMITS.get(workspace.channel, 4000))
    rows = [
        r
        for part in parts
        for r in outbox.rows_for(workspace.channel, workspace.chat, [part], now, kind=KIND, extra=extra)
    ]
    await outbox.insert_rows(conn, rows)


async def to_person(
    conn: AsyncConnection, case: Case, message: Outgoing, now: datetime, extra: dict[str, Any] | None = None
) -> bool:
    """Queue ``message`` for the case's person; False when the case has no one to send to (anonymised)."""
    if case.recipient is None:
        return False
    parts = split_message(message, TEXT_LIMITS.get(case.channel, 4000))
    # files (and what to copy) go with the last part only: each part is a message of its own
    rows = outbox.rows_for(case.channel, case.recipient, parts[:-1], now, account_id=case.account_id, kind=KIND)
    rows += outbox.rows_for(case.channel, case.recipient, parts[-1:], now, account_id=case.account_id,
                            kind=KIND, extra=extra)
    await outbox.insert_rows(conn, rows)
    return True
