"""``bot run``: start every configured channel in one process; the console when no token is set."""

from __future__ import annotations

import logging
import os
import stat
import sys

from bot.commands.chat import run_chat
from bot.config import PLACEHOLDER_ORGANISATION, PLACEHOLDER_PRIVACY_URL, Settings

log = logging.getLogger(__name__)
EX_CONFIG = 78  # sysexits.h: a configuration error (the systemd unit does not restart on it)


def run_bot(settings: Settings) -> int:
    if settings.telegram.token is None and settings.vk.token is None and settings.max.token is None:
        if not has_input():
            print(
                "Не настроен ни один мессенджер, а консоли нет (запуск в контейнере или под systemd): "
                "задайте BOT_TELEGRAM__TOKEN, BOT_VK__TOKEN и/или BOT_MAX__TOKEN (или token в разделах "
                "[telegram], [vk], [max] файла config.toml). Консольный режим работает только в терминале: "
                "bot chat.",
                file=sys.stderr,
            )
            return EX_CONFIG
        print(
            "Токены Telegram, VK и MAX не заданы — запускаю консольный режим "
            "(BOT_TELEGRAM__TOKEN, BOT_VK__TOKEN, BOT_MAX__TOKEN).",
            file=sys.stderr,
        )
        print(zone_line(settings), file=sys.stderr)
        if settings.web.enabled:  # the web console beside the terminal dialogue
            return run_chat(settings, None, "console", web=True)
        return run_chat(settings, None, "console")
    problem = placeholder_problem(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    log.info(zone_line(settings))
    if settings.bot.organisation == PLACEHOLDER_ORGANISATION:
        log.warning("bot.organisation is still the placeholder %r: the greeting says the bot answers on behalf "
                    "of it; set your organisation's name (BOT_BOT__ORGANISATION)", PLACEHOLDER_ORGANISATION)
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


def zone_line(settings: Settings) -> str:
    """Which time zone reminders, quiet hours, operators' hours and reports follow."""
    return (f"Часовой пояс: {settings.bot.timezone} (bot.timezone) — по нему напоминания, тихие часы, "
            "часы работы операторов, SLA и дни в отчётах.")


def placeholder_problem(settings: Settings) -> str:
    """Why a messenger channel must not start with this configuration, or ''."""
    if settings.bot.privacy_policy_url == PLACEHOLDER_PRIVACY_URL:
        return (
            "bot.privacy_policy_url is still the placeholder https://example.org/privacy: people would get it as "
            "the link to your personal-data policy. Set your policy's address in config.toml "
            "([bot] privacy_policy_url) or BOT_BOT__PRIVACY_POLICY_URL; the console channel runs without it."
        )
    return ""
