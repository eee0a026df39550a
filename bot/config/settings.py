"""The whole configuration: the ``Settings`` model, its sources and ``load_settings`` with readable errors.

Sources by priority: keyword overrides, then ``BOT_*`` environment variables, then the TOML file, then the
built-in defaults.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.config.channels import MaxSection, TelegramSection, VKSection
from bot.config.core import (
    BotSection,
    DatabaseSection,
    DeliverySection,
    HealthSection,
    KnowledgeBaseSection,
    LoggingSection,
    MatcherSection,
    WebSection,
)
from bot.config.people import (
    AboutSection,
    ContactsSection,
    NotificationsSection,
    PrivacySection,
    RatingsSection,
    SafetySection,
)
from bot.config.staff import AnalyticsSection, EditorsSection, HandoffSection, ReportsSection

DEFAULT_CONFIG_PATH = Path("config.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


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
