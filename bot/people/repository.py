"""Reading and changing people and accounts inside a caller's transaction (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dialogue.messages import UserRef
from bot.people import ids
from bot.storage.models import Account, ConversationRow, Person

LAST_SEEN_PRECISION = timedelta(minutes=10)

_accounts = Account.__table__
_persons = Person.__table__
_conversations = ConversationRow.__table__


@dataclass(frozen=True, slots=True)
class AccountInfo:
    account_id: int
    person_id: int
    channel: str
    external_id: str
    segment: str | None
    unreachable: bool = False

    @property
    def user(self) -> UserRef:
        return UserRef(self.channel, self.external_id)


@dataclass(frozen=True, slots=True)
class AccountState:
    """An account with its stored conversation, read in one query."""

    account: AccountInfo
    last_seen_at: datetime
    conversation: str | None  # JSON
    version: int | None


_STATE = (
    select(
        _accounts.c.id, _accounts.c.person_id, _accounts.c.channel, _accounts.c.external_id,
        _accounts.c.unreachable_at, _accounts.c.last_seen_at, _persons.c.segment,
        _conversations.c.data, _conversations.c.version,
    )
    .join(_persons, _persons.c.id == _accounts.c.person_id)
    .outerjoin(_conversations, _conversations.c.account_id == _accounts.c.id)
)


def _info(row: Row[Any]) -> AccountInfo:
    return AccountInfo(
        row.id, row.person_id, row.channel, row.external_id, row.segment, row.unreachable_at is not None
    )


# Built once: constructing and keying a statement costs more than running it on SQLite.
_STATE_BY_USER = _STATE.where(
    _accounts.c.channel == bindparam("channel"), _accounts.c.external_id == bindparam("external_id")
)


async def load_state(conn: AsyncConnection, user: UserRef) -> AccountState | None:
    row = (await conn.execute(_STATE_BY_USER, {"channel": user.channel, "external_id": user.user_id})).first()
    if row is None:
        return None
    return AccountState(_info(row), row.last_seen_at, row.data, row.version)


async def find_account(conn: AsyncConnection, user: UserRef) -> AccountInfo | None:
    state = await load_state(conn, user)
    return state.account if state else None


async def account_by_id(conn: AsyncConnection, account_id: int) -> AccountInfo | None:
    row = (await conn.execute(_STATE.where(_accounts.c.id == account_id))).first()
    return _info(row) if row is not None else None


async def accounts_of(conn: AsyncConnection, person_id: int) -> list[AccountInfo]:
    rows = (await conn.execute(_STATE.where(_accounts.c.person_id == person_id))).all()
    return [_info(row) for row in rows]


async def create_account(conn: AsyncConnection, user: UserRef, now: datetime) -> AccountInfo:
    """A new person with their first account. Raises IntegrityError if another process created the
    account a moment ago (the caller's transaction is then spoilt: read the account afresh)."""
    given = await conn.run_sync(ids.allocate, 1)  # never a deleted person's id (SQLite)
    values = {"created_at": now, "updated_at": now, **({"id": given[0]} if given else {})}
    person_id = (await conn.execute(insert(_persons).values(**values).returning(_persons.c.id))).scalar_one()
    account_id = (
        await conn.execute(
            insert(_accounts)
            .values(person_id=person_id, channel=user.channel, external_id=user.user_id,
                    created_at=now, last_seen_at=now)
            .returning(_accounts.c.id)
        )
    ).scalar_one()
    return AccountInfo(account_id, person_id, user.channel, user.user_id, None)


def needs_touch(state: AccountState, now: datetime) -> bool:
    """Whether the account's last-seen time (or reachability) is worth a write now."""
    return state.account.unreachable or now - state.last_seen_at > LAST_SEEN_PRECISION


async def touch(conn: AsyncConnection, state: AccountState, now: datetime) -> None:
    """Note that the person was here; a person who writes after blocking the bot is reachable again."""
    if needs_touch(state, now):
        await conn.execute(
            update(_accounts)
            .where(_accounts.c.id == state.account.account_id)
            .values(last_seen_at=now, unreachable_at=None)
        )


async def set_segment(conn: AsyncConnection, person_id: int, segment: str | None, now: datetime) -> None:
    await conn.execute(update(_persons).where(_persons.c.id == person_id).values(segment=segment, updated_at=now))


async def mark_unreachable(conn: AsyncConnection, user: UserRef, now: datetime) -> None:
    """The person blocked the bot or closed messages: send nothing more until they write again."""
    await conn.execute(
        update(_accounts)
        .where(_accounts.c.channel == user.channel, _accounts.c.external_id == user.user_id)
        .values(unreachable_at=now)
    )


async def mark_reachable(conn: AsyncConnection, user: UserRef, now: datetime) -> None:
    """The person allowed messages again (VK's message_allow)."""
    await conn.execute(
        update(_accounts)
        .where(_accounts.c.channel == user.channel, _accounts.c.external_id == user.user_id)
        .values(unreachable_at=None)
    )


async def forget_person(conn: AsyncConnection, person_id: int) -> None:
    """Delete a person with everything that refers to them (accounts, conversations, …, by cascade)."""
    await conn.execute(delete(_accounts).where(_accounts.c.person_id == person_id))
    await conn.execute(delete(_persons).where(_persons.c.id == person_id))
