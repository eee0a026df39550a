"""Linking a person's accounts in different channels with a one-time code.

``/link`` in one channel gives a code (8 digits, valid for 10 minutes, single use; only its hash is
stored); ``/link <code>`` in the other channel joins the two accounts under one person.

Rules when two people become one:
- the person who asked for the code stays; the other person's accounts, consents, reminders and any
  other rows that belong to a person move to them, and the other person is deleted;
- the segment of the person who asked for the code wins; when they have none, the other one's is kept;
- where both have a row that can exist once per person (the current state of a consent, notification
  settings), the newer one wins, so the latest answer a person gave in either channel counts;
- the anonymous event log is re-keyed to the remaining person, so /forget later erases both histories'
  texts;
- a person has at most one account per channel: linking is refused when the two sides would bring two
  accounts of the same channel, and a code must be entered in a channel other than the one that gave it;
- five wrong codes from one account within an hour block further attempts for the rest of that hour
  (the right code included), which makes guessing a live code hopeless.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Table, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.people import repository as people
from bot.people.repository import AccountInfo
from bot.storage.models import Base, LinkAttempt, LinkCode, Person

CODE_DIGITS = 8
CODE_TTL = timedelta(minutes=10)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
_TIME_COLUMNS = ("at", "updated_at", "created_at")

_codes = LinkCode.__table__
_attempts = LinkAttempt.__table__
_persons = Person.__table__


class LinkResult(StrEnum):
    ISSUED = "issued"  # a new code was given
    LINKED = "linked"
    ALREADY = "already"  # both accounts already belong to one person
    INVALID = "invalid"  # unknown, expired or used code (not told apart, on purpose)
    SAME_CHANNEL = "same_channel"
    CONFLICT = "conflict"  # the merged person would have two accounts in one channel
    TOO_MANY = "too_many"


@dataclass(frozen=True, slots=True)
class Linked:
    result: LinkResult
    person_id: int | None = None  # the person the account belongs to now
    segment: str | None = None
    other_person_id: int | None = None  # the person merged away


# --- pure helpers ----------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def normalize(text: str) -> str | None:
    """The code in what a person typed ("1234 5678", "1234-5678"), or None if it is not one."""
    digits = re.sub(r"[\s\-–—.]", "", text)
    return digits if len(digits) == CODE_DIGITS and digits.isdigit() else None


def display(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


def code_hash(code: str) -> str:
    return hashlib.sha256(f"link:{code}".encode()).hexdigest()


# --- storage ---------------------------------------------------------------------------------------


async def issue(conn: AsyncConnection, account: AccountInfo, now: datetime) -> str:
    """A fresh code for the account; its earlier unused codes stop working."""
    await conn.execute(delete(_codes).where(_codes.c.account_id == account.account_id, _codes.c.used_at.is_(None)))
    await conn.execute(delete(_codes).where(_codes.c.expires_at < now - timedelta(days=1)))
    while True:
        code = new_code()
        taken = await conn.scalar(select(_codes.c.id).where(_codes.c.code_hash == code_hash(code)))
        if taken is None:
            break
    await conn.execute(
        insert(_codes).values(code_hash=code_hash(code), account_id=account.account_id, created_at=now,
                              expires_at=now + CODE_TTL)
    )
    return code


async def _failures(conn: AsyncConnection, account_id: int, now: datetime) -> int:
    since = now - FAILURE_WINDOW
    return int(
        await conn.scalar(
            select(func.count()).select_from(_attempts).where(_attempts.c.account_id == account_id,
                                                              _attempts.c.at >= since)
        ) or 0
    )


async def redeem(
    conn: AsyncConnection, account: AccountInfo, text: str, now: datetime, rekey: Callable[[int], str] | None = None
) -> Linked:
    """Join ``account``'s person with the person who issued the code in ``text``."""
    if await _failures(conn, account.account_id, now) >= MAX_FAILURES:
        return Linked(LinkResult.TOO_MANY)
    code = normalize(text)
    row = None
    if code is not None:
        row = (
            await conn.execute(
                select(_codes.c.id, _codes.c.account_id).where(
                    _codes.c.code_hash == code_hash(code), _codes.c.used_at.is_(None), _codes.c.expires_at > now
                )
            )
        ).first()
    issuer = await people.account_by_id(conn, row.account_id) if row is not None else None
    if row is None or issuer is None:
        await conn.execute(insert(_attempts).values(account_id=account.account_id, at=now))
        return Linked(LinkResult.INVALID)
    if issuer.person_id == account.person_id:
        await conn.execute(update(_codes).where(_codes.c.id == row.id).values(used_at=now))
        return Linked(LinkResult.ALREADY, account.person_id, account.segment)
    if issuer.channel == account.channel:
        return Linked(LinkResult.SAME_CHANNEL)
    theirs = {a.channel for a in await people.accounts_of(conn, issuer.person_id)}
    mine = {a.channel for a in await people.accounts_of(conn, account.person_id)}
    if theirs & mine:
        return Linked(LinkResult.CONFLICT)
    await conn.execute(update(_codes).where(_codes.c.id == row.id).values(used_at=now))
    segment = issuer.segment if issuer.segment is not None else account.segment
    await merge_persons(conn, issuer.person_id, account.person_id, now, rekey)
    await people.set_segment(conn, issuer.person_id, segment, now)
    return Linked(LinkResult.LINKED, issuer.person_id, segment, account.person_id)


def _person_tables() -> list[Table]:
    """Every table with a ``person_id`` (including those other parts of the bot add later)."""
    return [t for t in Base.metadata.sorted_tables if "person_id" in t.c]


async def merge_persons(
    conn: AsyncConnection, keep: int, other: int, now: datetime, rekey: Callable[[int], str] | None = None
) -> None:
    """Move everything of person ``other`` to person ``keep`` and delete ``other``."""
    for table in _person_tables():
        key = [c for c in table.primary_key.columns if c.name != "person_id"]
        if "person_id" not in table.primary_key.columns:
            await conn.execute(update(table).where(table.c.person_id == other).values(person_id=keep))
            continue
        # one row per person and key: keep the newer of two
        stamp = next((table.c[name] for name in _TIME_COLUMNS if name in table.c), None)
        for row in (await conn.execute(select(table).where(table.c.person_id == other))).mappings().all():
            same = and_(table.c.person_id == keep, *[c == row[c.name] for c in key])
            mine = (await conn.execute(select(table).where(same))).mappings().first()
            theirs = and_(table.c.person_id == other, *[c == row[c.name] for c in key])
            if mine is None:
                await conn.execute(update(table).where(theirs).values(person_id=keep))
            elif stamp is not None and row[stamp.name] is not None and (
                mine[stamp.name] is None or row[stamp.name] > mine[stamp.name]
            ):
                await conn.execute(delete(table).where(same))
                await conn.execute(update(table).where(theirs).values(person_id=keep))
            else:
                await conn.execute(delete(table).where(theirs))
    if rekey is not None and "events" in Base.metadata.tables:
        events = Base.metadata.tables["events"]
        await conn.execute(update(events).where(events.c.person == rekey(other)).values(person=rekey(keep)))
    await conn.execute(delete(_persons).where(_persons.c.id == other))
    await conn.execute(update(_persons).where(_persons.c.id == keep).values(updated_at=now))
