"""Satisfaction follow-up: one gentle invitation to rate a case that closed without a rating.

The operators' desk calls ``schedule_rating_invitation`` when a case closes unrated and
``cancel_rating_invitation`` when the person rates it anyway; a scheduler job (``queue_due``) turns due
invitations into notifications — only for people with the trigger category switched on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.consent import records
from bot.dialogue.messages import Button, Outgoing
from bot.dialogue.texts import SATISFACTION_VALUES, Texts
from bot.notify import compose, prefs, queue
from bot.notify.texts import NotifyTexts
from bot.notify.timing import out_of_quiet
from bot.storage.models import ConsentState, RatingInvitation

SCHEDULED = "scheduled"
QUEUED = "queued"
SKIPPED = "skipped"
RATED = "rated"
CONSENT = records.TRIGGER
DEFAULT_DELAY = timedelta(hours=24)

_table = RatingInvitation.__table__
_state = ConsentState.__table__


async def schedule_rating_invitation(
    conn: AsyncConnection, *, person_id: int, case_ref: str, closed_at: datetime, delay: timedelta = DEFAULT_DELAY
) -> None:
    """Plan one invitation to rate case ``case_ref`` ``delay`` after ``closed_at`` (in the caller's
    transaction). Calling it again for the same case changes nothing."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                _table.insert().values(
                    person_id=person_id, case_ref=case_ref[:64], closed_at=closed_at, due_at=closed_at + delay,
                    status=SCHEDULED,
                )
            )
    except IntegrityError:
        return


async def cancel_rating_invitation(conn: AsyncConnection, *, person_id: int, case_ref: str) -> None:
    """The case was rated after all: send no invitation."""
    await conn.execute(
        update(_table)
        .where(_table.c.person_id == person_id, _table.c.case_ref == case_ref[:64], _table.c.status == SCHEDULED)
        .values(status=RATED)
    )


def invitation_message(
    texts: NotifyTexts, dialogue: Texts, invitation_id: int, case_ref: str, consent_at: datetime
) -> Outgoing:
    scale = list(zip(dialogue.satisfaction_scale, SATISFACTION_VALUES, strict=True))
    rows = [(Button(label, f"r:{invitation_id}:{value}"),) for label, value in scale]
    return compose.notification(
        texts, texts.rating_invitation.format(case=case_ref), subject=CONSENT, consent_at=consent_at, extra_rows=rows
    )


async def queue_due(
    conn: AsyncConnection, now: datetime, defaults: prefs.Defaults, texts: NotifyTexts, dialogue: Texts,
    limit: int = 500,
) -> tuple[int, int]:
    """Turn due invitations into notifications (moved out of quiet hours); (queued, skipped)."""
    due = (
        await conn.execute(
            select(_table.c.id, _table.c.person_id, _table.c.case_ref, _state.c.granted, _state.c.at)
            .select_from(_table.outerjoin(
                _state, (_state.c.person_id == _table.c.person_id) & (_state.c.subject == CONSENT)
            ))
            .where(_table.c.status == SCHEDULED, _table.c.due_at <= now)
            .order_by(_table.c.id)
            .limit(limit)
        )
    ).all()
    queued = skipped = 0
    for row in due:
        outbox_id = None
        if row.granted:
            person = await prefs.load(conn, row.person_id, defaults)
            send_at = out_of_quiet(now, person.tz, person.quiet_from, person.quiet_to)
            message = invitation_message(texts, dialogue, row.id, row.case_ref, row.at)
            outbox_id = await queue.enqueue(
                conn, row.person_id, message, now=now, due_at=send_at, consent=CONSENT, ref=f"rating:{row.id}"
            )
        status = QUEUED if outbox_id is not None else SKIPPED
        queued += status == QUEUED
        skipped += status == SKIPPED
        await conn.execute(update(_table).where(_table.c.id == row.id).values(status=status, outbox_id=outbox_id))
    return queued, skipped


async def rate(conn: AsyncConnection, person_id: int, invitation_id: int, value: str) -> bool:
    """Record the person's answer to their own invitation; False if it is not theirs or already rated."""
    result = await conn.execute(
        update(_table)
        .where(_table.c.id == invitation_id, _table.c.person_id == person_id, _table.c.rated_value.is_(None))
        .values(rated_value=value[:8], status=RATED)
    )
    return bool(result.rowcount)
