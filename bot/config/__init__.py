"""Settings: built-in defaults < TOML file < environment variables, validated by pydantic.

Environment variables use the prefix ``BOT_`` and ``__`` between nested keys, for example
``BOT_TELEGRAM__TOKEN`` or ``BOT_DATABASE__URL``.

The sections live in modules by subject (``core``, ``channels``, ``staff``, ``people``); ``settings`` joins
them. Import from ``bot.config``: every public name is here.
"""

from __future__ import annotations

from bot.config.base import PROJECT_ROOT, Section
from bot.config.channels import (
    TELEGRAM_TOKEN,
    VK_TOKEN,
    WEBHOOK_SECRET,
    MaxRateLimitsSection,
    MaxSection,
    MaxWebhookSection,
    RateLimitsSection,
    TelegramSection,
    VKCallbackSection,
    VKRateLimitsSection,
    VKSection,
    WebhookSection,
)
from bot.config.core import (
    PLACEHOLDER_ORGANISATION,
    PLACEHOLDER_PRIVACY_URL,
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
    REMINDER_WORDS,
    AboutSection,
    ContactsSection,
    NotificationsSection,
    PrivacySection,
    RatingsSection,
    SafetySection,
)
from bot.config.settings import DEFAULT_CONFIG_PATH, ConfigError, Settings, load_settings
from bot.config.staff import (
    MIN_SALT_BYTES,
    WEEKDAYS,
    AnalyticsSection,
    EditorsSection,
    HandoffSection,
    ReportsSection,
)

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "MIN_SALT_BYTES",
    "PLACEHOLDER_ORGANISATION",
    "PLACEHOLDER_PRIVACY_URL",
    "PROJECT_ROOT",
    "REMINDER_WORDS",
    "TELEGRAM_TOKEN",
    "VK_TOKEN",
    "WEBHOOK_SECRET",
    "WEEKDAYS",
    "AboutSection",
    "AnalyticsSection",
    "BotSection",
    "ConfigError",
    "ContactsSection",
    "DatabaseSection",
    "DeliverySection",
    "EditorsSection",
    "HandoffSection",
    "HealthSection",
    "KnowledgeBaseSection",
    "LoggingSection",
    "MatcherSection",
    "MaxRateLimitsSection",
    "MaxSection",
    "MaxWebhookSection",
    "NotificationsSection",
    "PrivacySection",
    "RateLimitsSection",
    "RatingsSection",
    "ReportsSection",
    "SafetySection",
    "Section",
    "Settings",
    "TelegramSection",
    "VKCallbackSection",
    "VKRateLimitsSection",
    "VKSection",
    "WebSection",
    "WebhookSection",
    "load_settings",
]
