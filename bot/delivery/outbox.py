"""The outbox: messages written in the same transaction as the state that produced them, then sent.

A process claims rows before sending them and keeps them while its lease lives (``bot.delivery.lease``);
rows claimed by a process that died are claimed again once its lease ran out (at once by the same
process restarted), so a crash never loses a message (at worst one is sent twice, if the crash fell
between the platform accepting it and the row being marked). One recipient's messages go in order:
a row is not claimed while an earlier row of the same recipient is on its way or deferred after a
failure (a notification scheduled for later does not hold anything up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dialogue.messages import Button, Outgoing
from bot.storage.models import DeliveryInstance, OutboxRow

_outbox = OutboxRow.__table__
_instances = DeliveryInstance.__table__
LEASE = timedelta(seconds=30)

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
UNREACHABLE = "unreachable"
NOTIFICATION = "notification"  # the kind of proactive messages: sent only with their consent
NO_CONSENT = "no consent"  # ``error`` of a notification skipped because its consent was withdrawn

_INSERT = insert(_outbox).returning(_outbox.c.id, sort_by_parameter_order=True)
_FINISH = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("oid"))
    .values(
        status=bindparam("st"),
        sent_at=bindparam("sent"),
        attempts=bindparam("tries"),
        error=bindparam("err"),
        due_at=bindparam("due"),
        claimed_by=bindparam("by"),
    )
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """An outbox row in memory: one message for one recipient in one channel."""

    id: int
    channel: str
    recipient: str
    message: Outgoing
    account_id: int | None = None
    kind: str = "reply"
    extra: dict[str, Any] = field(default_factory=dict)  # channel specifics, e.g. a forum topic id
    attempts: int = 0


def encode(message: Outgoing, extra: dict[str, Any] | None = None) -> str:
    return orjson.dumps({
        "text": message.text,
        "buttons": [[[b.text, b.payload, b.url] for b in row] for row in message.buttons],
        "remove": message.remove_buttons,
        "extra": extra or {},
    }).decode()


def decode(payload: str) -> tuple[Outgoing, dict[str, Any]]:
    data = orjson.loads(payload)
    rows = tuple(tuple(Button(text, p, url) for text, p, url in row) for row in data.get("buttons", []))
    return Outgoing(data["text"], rows, bool(data.get("remove"))), dict(data.get("extra") or {})


def rows_for(
    channel: str,
    recipient: str,
    messages: Sequence[Outgoing],
    now: datetime,
    *,
    account_id: int | None = None,
    kind: str = "reply",
    claimed_by: str | None = None,
    priority: int = 0,
    due_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
    person_id: int | None = None,
    consent: str | None = None,
    ref: str | None = None,
) -> list[dict[str, Any]]:
    """Insert parameters for messages; claimed by ``claimed_by`` (it will send them right away).

    Notifications carry ``person_id``, the ``consent`` subject they rely on (checked again just
    before sending) and a ``ref`` unique per account, so the same notification is never queued twice."""
    status = SENDING if claimed_by else PENDING
    return [
        {
            "channel": channel,
            "recipient": recipient,
            "account_id": account_id,
            "kind": kind,
            "priority": priority,
            "payload": encode(message, extra),
            "status": status,
            "due_at": due_at or now,
            "created_at": now,
            "claimed_by": claimed_by,
            "claimed_at": now if claimed_by else None,
            "attempts": 0,
            "person_id": person_id,
            "consent": consent,
            "ref": ref,
        }
        for message in messages
    ]


def store_rows(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert outbox rows; their ids, in order (``insert_rows`` for a synchronous connection)."""
    if not rows:
        return []
    return list(conn.execute(_INSERT, rows).scalars().all())


async def insert_rows(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[int]:
    return await conn.run_sync(store_rows, rows) if rows else []


def envelopes(ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> list[Envelope]:
    result = []
    for oid, row in zip(ids, rows, strict=True):
        message, extra = decode(row["payload"])
        result.append(Envelope(oid, row["channel"], row["recipient"], message, row["account_id"], row["kind"], extra))
    return result


def _alive(now: datetime, lease: timedelta) -> Any:
    """The instances whose lease still runs."""
    return select(_instances.c.id).where(_instances.c.renewed_at >= now - lease).scalar_subquery()


def _claimable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Due pending rows, and rows claimed by a process whose lease ran out."""
    return or_(
        and_(_outbox.c.status == PENDING, _outbox.c.due_at <= now),
        and_(_outbox.c.status == SENDING, _outbox.c.claimed_by.not_in(_alive(now, lease))),
    )


def _holding_up(table: Any, now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Rows later messages of their recipient wait behind: on their way (claimed by a live process),
    or deferred after a failed attempt."""
    return or_(
        and_(table.c.status == SENDING, table.c.claimed_by.in_(_alive(now, lease))),
        and_(table.c.status == PENDING, table.c.due_at > now, table.c.attempts > 0),
    )


def _first_in_line(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    earlier = _outbox.alias("earlier")
    return ~exists(
        select(earlier.c.id).where(
            earlier.c.channel == _outbox.c.channel,
            earlier.c.recipient == _outbox.c.recipient,
            earlier.c.id < _outbox.c.id,
            _holding_up(earlier, now, lease),
        )
    )


async def claim_due(
    conn: AsyncConnection,
    channel: str,
    instance: str,
    now: datetime,
    *,
    limit: int = 200,
    lease: timedelta = LEASE,
) -> list[Envelope]:
    """Claim due pending rows and rows of dead processes; oldest and most urgent first, and never a
    row whose recipient has an earlier one on its way or deferred."""
    claimable = and_(_outbox.c.channel == channel, _claimable(now, lease), _first_in_line(now, lease))
    ids = (
        await conn.execute(
            select(_outbox.c.id).where(claimable).order_by(_outbox.c.priority, _outbox.c.id).limit(limit)
        )
    ).scalars().all()
    if not ids:
        return []
    claimed = (
        await conn.execute(
            update(_outbox)
            .where(_outbox.c.id.in_(ids), claimable)
            .values(status=SENDING, claimed_by=instance, claimed_at=now)
            .returning(
                _outbox.c.id, _outbox.c.channel, _outbox.c.recipient, _outbox.c.payload,
                _outbox.c.account_id, _outbox.c.kind, _outbox.c.attempts,
            )
        )
    ).all()
    result = []
    for row in sorted(claimed, key=lambda r: r.id):
        message, extra = decode(row.payload)
        result.append(
            Envelope(row.id, row.channel, row.recipient, message, row.account_id, row.kind, extra, row.attempts)
        )
    return result


async def waiting_recipients(
    conn: AsyncConnection, channel: str, now: datetime, *, lease: timedelta = LEASE,
    among: Sequence[str] | None = None,
) -> set[str]:
    """Recipients with messages due, on their way or deferred (``among`` these, if given): their
    new replies must wait behind them."""
    waiting = or_(
        and_(_outbox.c.status == PENDING, _outbox.c.due_at <= now),
        _outbox.c.status == SENDING,
        and_(_outbox.c.status == PENDING, _outbox.c.attempts > 0),
    )
    query = select(_outbox.c.recipient).where(_outbox.c.channel == channel, waiting).distinct()
    if among is not None:
        query = query.where(_outbox.c.recipient.in_(list(among)))
    return set((await conn.execute(query)).scalars().all())


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one envelope."""

    id: int
    status: str
    attempts: int
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None  # for status PENDING: when to try again


def record_outcomes(conn: Connection, outcomes: Sequence[Outcome]) -> None:
    """Store what happened to sent envelopes."""
    if not outcomes:
        return
    conn.execute(
        _FINISH,
        [
            {
                "oid": o.id,
                "st": o.status,
                "sent": o.at if o.status == SENT else None,
                "tries": o.attempts,
                "err": (o.error or "")[:500] or None,
                "due": o.retry_at or o.at,
                "by": None if o.status == PENDING else "done",
            }
            for o in outcomes
        ],
    )
