"""Durable delivery: the outbox of messages to send, and the updates already processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class OutboxRow(Base):
    """One message to deliver. Replies are claimed by the process that wrote them; notifications
    wait until ``due_at`` and are claimed by whichever sender gets them first."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "channel", "due_at"),
        Index("ix_outbox_recipient", "channel", "recipient", "id"),
        Index("ix_outbox_person", "person_id", "created_at"),
        UniqueConstraint("account_id", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))  # chat id in the channel
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reply | notification | operator | system
    priority: Mapped[int] = mapped_column(Integer, default=0)  # lower is sent first
    payload: Mapped[str] = mapped_column(Text)  # the channel-neutral message, JSON
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | failed | skipped | unreachable
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # notifications only: whom it is for, the consent it relies on (checked again just before
    # sending), and a key that makes queueing it twice impossible (e.g. "broadcast:12")
    person_id: Mapped[int | None] = mapped_column(Integer)
    consent: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(64))


class ProcessedUpdate(Base):
    """An update (Telegram update id, VK event id) whose effects are stored: never handled twice."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DeadLetter(Base):
    """An update (Telegram update, VK event) whose handling failed again and again: set aside with its
    error so the updates after it can go on; listed and replayed by ``bot updates dead`` / ``replay``."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        UniqueConstraint("channel", "update_key"),
        Index("ix_dead_letters_status", "status", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(64))
    chat: Mapped[str | None] = mapped_column(String(64))  # whom the apology went to, if anyone
    payload: Mapped[str] = mapped_column(Text)  # the update as the platform sent it, JSON
    error: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # dead | replay (asked for) | replayed
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryInstance(Base):
    """A running bot process and its lease: outbox rows it claimed stay its own while it renews
    ``renewed_at``; once the lease runs out (the process died) others may take them."""

    __tablename__ = "delivery_instances"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(128), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    renewed_at: Mapped[datetime] = mapped_column(default=utcnow)
