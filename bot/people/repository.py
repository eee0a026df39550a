"""Reading and changing people and accounts inside a caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogue.messages import UserRef
from bot.storage.models import Account, Person


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


async def find_account(session: AsyncSession, user: UserRef) -> AccountInfo | None:
    row = (
        await session.execute(
            select(Account.id, Account.person_id, Account.unreachable_at, Person.segment)
            .join(Person, Person.id == Account.person_id)
            .where(Account.channel == user.channel, Account.external_id == user.user_id)
        )
    ).first()
    if row is None:
        return None
    return AccountInfo(row.id, row.person_id, user.channel, user.user_id, row.segment, row.unreachable_at is not None)


async def account_by_id(session: AsyncSession, account_id: int) -> AccountInfo | None:
    row = (
        await session.execute(
            select(Account.id, Account.person_id, Account.channel, Account.external_id, Account.unreachable_at,
                   Person.segment)
            .join(Person, Person.id == Account.person_id)
            .where(Account.id == account_id)
        )
    ).first()
    if row is None:
        return None
    return AccountInfo(row.id, row.person_id, row.channel, row.external_id, row.segment, row.unreachable_at is not None)


async def get_or_create_account(session: AsyncSession, user: UserRef, now: datetime) -> AccountInfo:
    """The account of a user, created with a new person on first contact. A person who writes
    again after blocking the bot is reachable again."""
    found = await find_account(session, user)
    if found is not None:
        values: dict[str, object] = {"last_seen_at": now}
        if found.unreachable:
            values["unreachable_at"] = None
        await session.execute(update(Account).where(Account.id == found.account_id).values(**values))
        return AccountInfo(found.account_id, found.person_id, found.channel, found.external_id, found.segment)
    person = Person(created_at=now, updated_at=now)
    session.add(person)
    await session.flush()
    account = Account(
        person_id=person.id, channel=user.channel, external_id=user.user_id, created_at=now, last_seen_at=now
    )
    try:
        async with session.begin_nested():
            session.add(account)
            await session.flush()
    except IntegrityError:
        # the same user arrived through another instance at the same moment
        await session.delete(person)
        found = await find_account(session, user)
        if found is None:
            raise
        return found
    return AccountInfo(account.id, person.id, user.channel, user.user_id, None)


async def set_segment(session: AsyncSession, person_id: int, segment: str | None, now: datetime) -> None:
    await session.execute(update(Person).where(Person.id == person_id).values(segment=segment, updated_at=now))


async def mark_unreachable(session: AsyncSession, user: UserRef, now: datetime) -> None:
    """The person blocked the bot or closed messages: send nothing more until they write again."""
    await session.execute(
        update(Account)
        .where(Account.channel == user.channel, Account.external_id == user.user_id)
        .values(unreachable_at=now)
    )


async def forget_person(session: AsyncSession, person_id: int) -> None:
    """Delete a person with everything that refers to them (accounts, conversations, …, by cascade)."""
    await session.execute(delete(Account).where(Account.person_id == person_id))
    await session.execute(delete(Person).where(Person.id == person_id))
