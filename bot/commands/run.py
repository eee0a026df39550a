"""``bot run``: start every configured channel in one process; the console when no token is set."""

from __future__ import annotations

import logging
import sys

from bot.commands.chat import run_chat
from bot.config import Settings

log = logging.getLogger(__name__)


def run_bot(settings: Settings) -> int:
    if settings.telegram.token is None and settings.vk.token is None:
        print(
            "Токены Telegram и VK не заданы — запускаю консольный режим (BOT_TELEGRAM__TOKEN, BOT_VK__TOKEN).",
            file=sys.stderr,
        )
        return run_chat(settings, None, "console", web=settings.web.enabled)
    from bot.runner import run_channels

    return run_channels(settings)
