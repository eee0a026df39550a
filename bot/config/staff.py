"""Sections of the staff's tools: the operators' desk and its working hours, editors, reports, analytics."""

from __future__ import annotations

from datetime import date, time

from pydantic import Field, SecretStr, field_validator

from bot.config.base import Section

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _span(span: str) -> tuple[time, time]:
    """ "09:00-18:00" as two times; a clear error otherwise."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in span.split("-"))
    except ValueError:
        raise ValueError(f"{span!r} is not a time span like 09:00-18:00") from None
    if end <= start:
        raise ValueError(f"{span!r} ends before it starts")
    return start, end


class HandoffSection(Section):
    """The operators' desk: a Telegram supergroup with topics, working hours, SLA."""

    chat_id: int | None = None  # the operators' supergroup (topics on); empty: no operators' desk
    supervisor_ids: list[int] = Field(default_factory=list)  # Telegram ids alerted on SLA breaches, transfers
    sla_minutes: int = Field(120, ge=1)  # a case waiting this long for a first answer is a breach (4.6.6.2)
    max_transfers: int = Field(2, ge=0)  # a question passes between at most this many transfers
    hours: dict[str, str] = Field(
        default_factory=lambda: {"mon": "09:00-18:00", "tue": "09:00-18:00", "wed": "09:00-18:00",
                                 "thu": "09:00-18:00", "fri": "09:00-17:00"}
    )  # weekday -> "HH:MM-HH:MM" in bot.timezone; a missing day is a day off
    breaks: list[str] = Field(default_factory=lambda: ["13:00-13:45"])  # every working day
    holidays: list[date] = Field(default_factory=list)  # days off on top of the weekly schedule
    workdays: list[date] = Field(default_factory=list)  # weekend days that are worked (moved working days)
    show_operator_name: bool = True  # sign operators' replies with their first name
    templates: dict[str, str] = Field(default_factory=dict)  # saved replies: name -> text

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, span in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
            _span(span)
        return value

    @field_validator("breaks")
    @classmethod
    def _breaks(cls, value: list[str]) -> list[str]:
        for span in value:
            _span(span)
        return value


class EditorsSection(Section):
    """Content editors: who may run /kb_check, /reload, /unanswered; review period; hot reload."""

    telegram_ids: list[int] = Field(default_factory=list)  # Telegram user ids of the editors
    review_days: int = Field(180, ge=1)  # an entry with an owner is stale this long after `updated`
    watch: bool = True  # reload the knowledge base when its files change
    review_min_feedback: int = Field(5, ge=1)  # reports flag an entry after this many "helped?" answers…
    review_yes_rate: float = Field(0.5, ge=0, le=1)  # …when fewer than this share of them were "yes"


class ReportsSection(Section):
    """Reports: the standard's stars are shown only from this many ratings up (fewer make them noise)."""

    min_ratings_for_stars: int = Field(30, ge=1)


MIN_SALT_BYTES = 16


class AnalyticsSection(Section):
    salt: SecretStr | None = None  # empty: a random salt is generated and kept in data_dir
    unanswered_retention_days: int = Field(180, ge=1)

    @field_validator("salt")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None  # empty: generated
        if len(value.get_secret_value().encode()) < MIN_SALT_BYTES:
            raise ValueError(f"the salt must be at least {MIN_SALT_BYTES} bytes long (the value itself is not shown)")
        return value
