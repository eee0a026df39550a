"""Sections of the channels: Telegram, VK and MAX with their webhooks and sending limits; token checks."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from bot.config.base import Section

TELEGRAM_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,200}$")  # "123456789:AAH…" as @BotFather gives it
VK_TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,512}$")  # "vk1.a.…" or 85 hex characters
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


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
