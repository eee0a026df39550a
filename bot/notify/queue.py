"""Putting notifications for a person into the outbox, addressed to their reachable account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery import outbox
from bot.dialogue.messages import Outgoing
from bot.storage.models import Account, OutboxRow

NOTIFICATION_PRIORITY = 5  # replies (0) go first
_accounts = Account.__table__
_outbox = OutboxRow.__table__


async def reachable_account(conn: AsyncConnection, person_id: int) -> tuple[int, str, str] | None:
    """(account id, channel, chat id) of the person's most recently used account that has not blocked
    the bot; a person with Telegram and VK accounts gets a notification once, where they were last."""
    row = (
        await conn.execute(
            select(_accounts.c.id, _accounts.c.channel, _accounts.c.external_id)
            .where(_accounts.c.person_id == person_id, _accounts.c.unreachable_at.is_(None))
            .order_by(_accounts.c.last_seen_at.desc(), _accounts.c.id.desc())
            .limit(1)
        )
    ).first()
    return (row.id, row.channel, row.external_id) if row is not None else None


def rows(
    account: tuple[int, str, str],
    person_id: int,
    message: Outgoing,
    *,
    now: datetime,
    due_at: datetime,
    consent: str,
    ref: str,
) -> list[dict[str, object]]:
    account_id, channel, recipient = account
    return outbox.rows_for(
        channel, recipient, [message], now, account_id=account_id, kind=outbox.NOTIFICATION,
        priority=NOTIFICATION_PRIORITY, due_at=due_at, person_id=person_id, consent=consent, ref=ref,
    )


async def enqueue(
    conn: AsyncConnection,
    person_id: int,
    message: Outgoing,
    *,
    now: datetime,
    due_at: datetime,
    consent: str,
    ref: str,
) -> int | None:
    """Queue one notification; None if the person has no reachable account or it is queued already."""
    account = await reachable_account(conn, person_id)
    if account is None:
        return None
    exists = await conn.scalar(select(_outbox.c.id).where(_outbox.c.account_id == account[0], _outbox.c.ref == ref))
    if exists is not None:
        return None
    ids = await outbox.insert_rows(conn, rows(account, person_id, message, now=now, due_at=due_at,
                                              consent=consent, ref=ref))
    return ids[0]


async def skip_pending(conn: AsyncConnection, person_id: int, subjects: list[str] | None, reason: str) -> int:
    """Mark the person's waiting notifications (relying on ``subjects``, or all) skipped at once."""
    cond = [
        _outbox.c.person_id == person_id,
        _outbox.c.kind == outbox.NOTIFICATION,
        _outbox.c.status == outbox.PENDING,
    ]
    if subjects is not None:
        cond.append(_outbox.c.consent.in_(subjects))
    result = await conn.execute(_outbox.update().where(*cond).values(status=outbox.SKIPPED, error=reason))
    return int(result.rowcount or 0)


async def consent_gate(conn: AsyncConnection, outbox_id: int) -> str | None:
    """Why a notification must not go out now (its consent is not granted), or None to send it."""
    from bot.storage.models import ConsentState

    state = ConsentState.__table__
    row = (
        await conn.execute(
            select(_outbox.c.consent, state.c.granted)
            .select_from(_outbox.outerjoin(
                state, (state.c.person_id == _outbox.c.person_id) & (state.c.subject == _outbox.c.consent)
            ))
            .where(_outbox.c.id == outbox_id)
        )
    ).first()
    if row is None or row.consent is None or not row.granted:
        return outbox.NO_CONSENT
    return None
