"""People and their messenger accounts. One person may have several accounts once they link them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str | None] = mapped_column(String(16))  # citizen | business | None (universal)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Account(Base):
    """A person's identity in one channel: the id the bot replies to."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    unreachable_at: Mapped[datetime | None]  # the person blocked the bot; nothing is sent until they return


class ConversationRow(Base):
    """The dialogue state of one account (JSON), with a version for optimistic locking."""

    __tablename__ = "conversations"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdCounter(Base):
    """The highest id ever given in a table (SQLite gives a deleted newest row's id again; a deleted person's
    id — and with it their analytics pseudonym — must never pass to a newcomer)."""

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
