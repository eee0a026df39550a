"""Sending outbox envelopes through the Telegram Bot API, mapping its errors to what the sender does."""

from __future__ import annotations

import logging

import aiohttp
from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import LinkPreviewOptions

from bot.channels.telegram.inbound import CHANNEL
from bot.channels.telegram.render import render
from bot.delivery.outbox import Envelope
from bot.delivery.sender import SendResult, Status
from bot.dialogue.markup import to_plain

log = logging.getLogger(__name__)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def is_group(chat_id: str) -> bool:
    """Group and supergroup ids are negative in Telegram."""
    return chat_id.startswith("-")


class TelegramTransport:
    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, envelope: Envelope) -> SendResult:
        message = render(envelope.message)
        thread_id = envelope.extra.get("thread_id")
        try:
            try:
                await self.bot.send_message(
                    chat_id=int(envelope.recipient),
                    text=message.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.keyboard,
                    link_preview_options=_NO_PREVIEW,
                    message_thread_id=thread_id,
                )
            except TelegramBadRequest as exc:
                if "parse entities" not in str(exc).lower():
                    raise
                # should never happen (every text is escaped), but a reply must not be lost over markup
                log.warning("Telegram refused the HTML of a message; sending it as plain text")
                await self.bot.send_message(
                    chat_id=int(envelope.recipient),
                    text=to_plain(envelope.message.text),
                    reply_markup=message.keyboard,
                    link_preview_options=_NO_PREVIEW,
                    message_thread_id=thread_id,
                )
        except TelegramRetryAfter as exc:
            return SendResult(Status.RETRY_AFTER, float(exc.retry_after), str(exc))
        except TelegramForbiddenError as exc:
            return SendResult(Status.BLOCKED, error=str(exc))
        except TelegramBadRequest as exc:
            text = str(exc).lower()
            if "chat not found" in text or "user is deactivated" in text:
                return SendResult(Status.BLOCKED, error=str(exc))
            return SendResult(Status.FAILED, error=str(exc))
        except (TelegramNotFound, TelegramUnauthorizedError) as exc:
            return SendResult(Status.FAILED, error=str(exc))
        except (TimeoutError, TelegramServerError, TelegramNetworkError, aiohttp.ClientError) as exc:
            return SendResult(Status.TRANSIENT, error=f"{type(exc).__name__}: {exc}")
        return SendResult(Status.SENT)
