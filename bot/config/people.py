"""Sections of what a person meets: notifications, emergencies, contacts, ratings, the bot's self-description,
and how long their data is kept."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.config.base import Section
from bot.config.core import BotSection

REMINDER_WORDS = [  # stems looked for in an entry's question and keywords: appointments and deadlines
    "запис", "прием", "приём", "срок", "продл", "истека", "не позднее", "ежегодно", "декларац", "уплат",
    "очеред", "визит", "когда сдавать", "когда платить",
]


class NotificationsSection(Section):
    """Proactive messages: defaults of people's settings, caps, digests, reminders, rating follow-ups."""

    timezone: str = ""  # a person's default time zone; empty: bot.timezone
    quiet_from: str = "22:00"  # default quiet hours, local time; equal values: none
    quiet_to: str = "08:00"
    digest_hour: int = Field(10, ge=0, le=23)  # daily and weekly digests go out at this local hour…
    digest_weekday: int = Field(0, ge=0, le=6)  # …weekly ones on this day (0 = Monday)
    daily_cap: int = Field(3, ge=1)  # broadcasts one person may get in 24 hours
    max_reminders: int = Field(20, ge=1)  # scheduled reminders per person
    reminder_hour: int = Field(10, ge=0, le=23)  # the hour of a reminder given as a date only
    rating_delay_hours: float = Field(24.0, gt=0)  # invitation to rate a case this long after it closed
    reminder_entries: list[str] = Field(default_factory=list)  # KB entries that always offer "Напомнить?"
    reminder_words: list[str] = Field(default_factory=lambda: list(REMINDER_WORDS))  # …or whose question has these
    wording_version: str = "notify-2026-11"  # bump when the consent texts change

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return BotSection._known_zone(value) if value else value

    @field_validator("quiet_from", "quiet_to")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise ValueError(f"{value!r} is not a time like 22:00")
        return value


class SafetySection(Section):
    """Emergencies: numbers named when a message signals danger to life or health (before any matching).

    Defaults are statutory: 112 — the single emergency number; 101–104 — fire, police, ambulance, gas.
    """

    emergency_number: str = "112"
    fire_number: str = "101"
    police_number: str = "102"
    ambulance_number: str = "103"
    gas_number: str = "104"
    crisis_helplines: list[str] = Field(default_factory=list)  # for suicide: «8-800-… — кто отвечает»
    violence_helplines: list[str] = Field(default_factory=list)  # for domestic violence
    children_helplines: list[str] = Field(  # for a child in danger, suicide and violence
        default_factory=lambda: [
            "8-800-2000-122 — детский телефон доверия (бесплатно, анонимно; для детей, подростков и родителей)"
        ]
    )


class ContactsSection(Section):
    """The administration's contacts, shown wherever an operator would be when there is no operators' desk."""

    phone: str = ""
    email: str = ""
    hours: str = ""  # reception hours as people read them: «пн–чт 9:00–18:00, пт 9:00–16:45»
    address: str = ""
    online_reception: str = ""  # a link to the online reception


class RatingsSection(Section):
    """The satisfaction survey after a finished question (helped, not helped, handed to an operator)."""

    min_interval_hours: float = Field(0.0, ge=0)  # ask one person at most this often; 0: after every thread


class AboutSection(Section):
    """Answers to questions about the bot («ты робот?», «что ты умеешь», «как тебя зовут»); empty: the
    built-in text. Placeholders: {name}, {organisation}, {topics}, {fallback}."""

    who: str = ""
    abilities: str = ""
    name: str = ""


class PrivacySection(Section):
    """Personal data: the last questions kept in a conversation (masked, for an operator's context) and
    delivered messages in the outbox."""

    conversation_retention_days: int = Field(30, ge=1)  # questions kept in a conversation this long
    outbox_retention_hours: int = Field(24, ge=1)  # delivered messages (texts, chat ids) kept this long
