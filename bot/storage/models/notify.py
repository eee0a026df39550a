"""Consents (an append-only audit trail plus the current state), notification settings, reminders,
broadcasts, digest items and rating invitations. Everything is per person, not per account: a person
with a Telegram and a VK account has one set of consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class ConsentRow(Base):
    """One act of giving or withdrawing a consent. Rows are only ever added, never changed."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_person_subject", "person_id", "subject", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(64))  # personal_data | notify:<category> | topic:<id> | …
    granted: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(16))  # where it was given: telegram | vk | console | cli
    wording_version: Mapped[str] = mapped_column(String(32))  # the version of the text the person saw
    source: Mapped[str] = mapped_column(String(32))  # settings | button | stop | unsubscribe | reminder | …
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ConsentState(Base):
    """The latest consent per person and subject (kept in step with ``consents`` by the same write)."""

    __tablename__ = "consent_state"
    __table_args__ = (Index("ix_consent_state_subject", "subject", "granted"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    consent_id: Mapped[int] = mapped_column(Integer)  # the audit row that set this state
    at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationSettings(Base):
    """How a person wants notifications: content frequency, quiet hours, time zone (None: defaults)."""

    __tablename__ = "notification_settings"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(16), default="immediate")  # immediate | daily | weekly
    quiet_from: Mapped[int | None] = mapped_column(Integer)  # minutes after local midnight
    quiet_to: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderRow(Base):
    """A reminder a person asked for; its message waits in the outbox until ``send_at``."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_person_status", "person_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    entry_id: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]  # the moment the person asked for
    send_at: Mapped[datetime]  # due_at moved out of quiet hours
    status: Mapped[str] = mapped_column(String(16))  # scheduled | cancelled
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BroadcastRow(Base):
    """A message from editors to everybody with a category (and optionally a topic) switched on."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    entries: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of KB entry ids shown as buttons
    category: Mapped[str] = mapped_column(String(16))  # content | transactional | trigger
    segment: Mapped[str | None] = mapped_column(String(16))  # citizen | business | None: everybody
    topic: Mapped[str | None] = mapped_column(String(128))  # a KB topic: only people subscribed to it
    send_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft | scheduled | sending | done | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]  # when a process began queueing it (another may take over later)
    queued: Mapped[int | None] = mapped_column(Integer)  # messages put in the outbox
    digested: Mapped[int | None] = mapped_column(Integer)  # items held for digests
    capped: Mapped[int | None] = mapped_column(Integer)  # people over the daily cap


class DigestItem(Base):
    """A content message held for a person's daily or weekly digest."""

    __tablename__ = "digest_items"
    __table_args__ = (UniqueConstraint("person_id", "broadcast_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    consent: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class RatingInvitation(Base):
    """One gentle invitation to rate a closed case, sent a while after it closed without a rating."""

    __tablename__ = "rating_invitations"
    __table_args__ = (UniqueConstraint("person_id", "case_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    case_ref: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16))  # scheduled | queued | skipped | rated
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    rated_value: Mapped[str | None] = mapped_column(String(8))
