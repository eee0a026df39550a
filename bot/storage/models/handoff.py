"""Operators' cases: one per escalated conversation, from the request to its closing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class CaseRow(Base):
    """A case's lifecycle: new → taken → (transferred → taken …) → closed.

    ``person_id``/``account_id``/``recipient`` are cleared when the person deletes their data; the
    timings stay for the statistics.
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_opened", "status", "opened_at"),
        Index("ix_cases_thread", "workspace", "thread_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # the case number people and operators see
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))  # where the person wrote from
    recipient: Mapped[str | None] = mapped_column(String(64))  # their chat id there
    segment: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(128))  # the knowledge-base topic of the question
    reason: Mapped[str] = mapped_column(String(16))  # command | button | failures | words
    status: Mapped[str] = mapped_column(String(16))  # new | taken | closed
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column()
    operator_id: Mapped[str | None] = mapped_column(String(32))
    operator_name: Mapped[str | None] = mapped_column(String(64))
    first_response_at: Mapped[datetime | None] = mapped_column()
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by: Mapped[str | None] = mapped_column(String(16))  # operator | person | deleted
    workspace: Mapped[str] = mapped_column(String(32))  # the operators' chat
    thread_id: Mapped[int | None] = mapped_column(Integer)  # its topic for this case, once created
    reminded_at: Mapped[datetime | None] = mapped_column()  # SLA reminder sent
    escalated_at: Mapped[datetime | None] = mapped_column()  # supervisors alerted (2 × SLA)
