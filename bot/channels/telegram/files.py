"""Operators' files in Telegram for another platform: described from a message, downloaded on demand."""

from __future__ import annotations

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Message

from bot.dialogue.messages import Attachment
from bot.handoff.files import FileRef, FileUnavailable

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API gives bots files of up to 20 MB


def passable_files(message: Message) -> tuple[FileRef, ...]:
    """The message's photo or document, if the bot can download it (other kinds are not described)."""
    if message.photo:
        largest = message.photo[-1]
        if (largest.file_size or 0) <= MAX_DOWNLOAD:
            return (FileRef(Attachment.PHOTO, largest.file_id, None, largest.file_size),)
    document = message.document
    if document is not None and (document.file_size or 0) <= MAX_DOWNLOAD:
        return (FileRef(Attachment.DOCUMENT, document.file_id, document.file_name, document.file_size),)
    return ()


class TelegramFiles:
    """Downloads files by their Telegram id through the bot's own session (and API server)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def fetch(self, file_id: str) -> bytes:
        try:
            buffer = await self.bot.download(file_id)
        except TelegramBadRequest as exc:  # unknown id, or too big for the Bot API
            raise FileUnavailable(f"Telegram: {exc}") from None
        except aiohttp.ClientResponseError as exc:  # the download itself
            raise FileUnavailable(f"Telegram file: HTTP {exc.status}", retry=exc.status >= 500) from None
        except (TimeoutError, TelegramNetworkError, TelegramServerError, TelegramRetryAfter,
                aiohttp.ClientError) as exc:
            raise FileUnavailable(f"Telegram: {type(exc).__name__}: {exc}", retry=True) from None
        assert buffer is not None
        return buffer.read()
