"""``bot run``: start every configured channel in one process; the console when no token is set."""

from __future__ import annotations

import logging
import os
import stat
import sys

from bot.commands.chat import run_chat
from bot.config import Settings

log = logging.getLogger(__name__)
EX_CONFIG = 78  # sysexits.h: a configuration error (the systemd unit does not restart on it)


def run_bot(settings: Settings) -> int:
    if settings.telegram.token is None and settings.vk.token is None:
        if not has_input():
            print(
                "Не настроен ни один мессенджер, а консоли нет (запуск в контейнере или под systemd): "
                "задайте BOT_TELEGRAM__TOKEN и/или BOT_VK__TOKEN (или token в разделах [telegram] и [vk] "
                "файла config.toml). Консольный режим работает только в терминале: bot chat.",
                file=sys.stderr,
            )
            return EX_CONFIG
        print(
            "Токены Telegram и VK не заданы — запускаю консольный режим (BOT_TELEGRAM__TOKEN, BOT_VK__TOKEN).",
            file=sys.stderr,
        )
        return run_chat(settings, None, "console")
    from bot.runner import run_channels

    return run_channels(settings)


def has_input() -> bool:
    """Whether someone can talk to the console: a terminal, or a pipe or file given as input — not
    a closed input or /dev/null (what systemd and ``docker run`` without ``-i`` give a process)."""
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return sys.stdin is not None
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISCHR(mode)  # a character device that is not a terminal: /dev/null
