"""Sending outbox envelopes through the Telegram Bot API, mapping its errors to what the sender does."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

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
from aiogram.methods import TelegramMethod

from bot.channels.telegram.inbound import CHANNEL
from bot.channels.telegram.render import TelegramMessage, render
from bot.delivery.outbox import Envelope
from bot.delivery.sender import SendResult, Status
from bot.dialogue.markup import to_plain, to_telegram_html
from bot.dialogue.messages import Outgoing

if TYPE_CHECKING:
    from bot.channels.telegram.desk import TelegramDesk

log = logging.getLogger(__name__)
_NO_PREVIEW = {"is_disabled": True}


def is_group(chat_id: str) -> bool:
    """Group and supergroup ids are negative in Telegram."""
    return chat_id.startswith("-")


class TelegramTransport:
    channel = CHANNEL

    def __init__(self, bot: Bot, desk: TelegramDesk | None = None) -> None:
        self.bot = bot
        self.desk = desk

    async def send(self, envelope: Envelope) -> SendResult:
        message = render(envelope.message)
        thread_id = envelope.extra.get("thread_id")
        to_desk = self.desk is not None and envelope.recipient == str(self.desk.chat_id)
        try:
            if to_desk:
                assert self.desk is not None
                try:
                    thread_id = await self.desk.thread_for(envelope)
                except TelegramBadRequest as exc:  # no rights to create topics: wait for the administrator
                    return SendResult(Status.TRANSIENT, error=f"topic: {exc}")
            if "copy_from" in envelope.extra:
                await self._copy(envelope, thread_id)
            else:
                await self._send_text(envelope, message, thread_id)
            if to_desk:
                assert self.desk is not None
                await self.desk.after_send(envelope, thread_id)
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

    async def _copy(self, envelope: Envelope, thread_id: int | None) -> None:
        """A photo or document passed on between a person and the operators: copied, never downloaded."""
        source = envelope.extra["copy_from"]
        text = envelope.message.text
        captionable = bool(source.get("captionable", True))
        if text and not captionable:
            await self._send_text(envelope, render(Outgoing(text)), thread_id)
        caption = to_telegram_html(text) if text and captionable else None
        await self.bot.copy_message(
            chat_id=int(envelope.recipient),
            from_chat_id=int(source["chat"]),
            message_id=int(source["message"]),
            message_thread_id=thread_id,
            caption=caption[:1024] if caption else None,
            parse_mode=ParseMode.HTML if caption else None,
        )

    async def _send_text(self, envelope: Envelope, message: TelegramMessage, thread_id: int | None) -> None:
        chat_id = int(envelope.recipient)
        try:
            await self.bot(SendReply(
                chat_id=chat_id, text=message.html, parse_mode=ParseMode.HTML, reply_markup=message.keyboard,
                link_preview_options=_NO_PREVIEW, message_thread_id=thread_id,
            ))
        except TelegramBadRequest as exc:
            if "parse entities" not in str(exc).lower():
                raise
            # should never happen (every text is escaped), but a reply must not be lost over markup
            log.warning("Telegram refused the HTML of a message; sending it as plain text")
            await self.bot(SendReply(
                chat_id=chat_id, text=to_plain(envelope.message.text), reply_markup=message.keyboard,
                link_preview_options=_NO_PREVIEW, message_thread_id=thread_id,
            ))


class SendReply(TelegramMethod[dict]):  # type: ignore[type-var]
    """``sendMessage`` with a rendered keyboard (the Bot API's JSON, see ``render``) and without parsing
    the sent message Telegram echoes back (the bot never uses it)."""

    __returning__ = dict
    __api_method__ = "sendMessage"

    chat_id: int
    text: str
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    link_preview_options: dict[str, Any] | None = None
    message_thread_id: int | None = None
