"""Logging set-up: plain lines to stderr; message texts and tokens are never logged at INFO."""

from __future__ import annotations

import logging
import re
from pathlib import Path

_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b|vk1\.a\.[A-Za-z0-9_-]{20,}")


class RedactSecrets(logging.Filter):
    """Masks anything shaped like a Telegram or VK token, whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("<token>", message)
            record.args = ()
        return True


FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(level: str = "INFO") -> None:
    _use(logging.StreamHandler())
    root = logging.getLogger()
    root.setLevel(level)
    # Libraries that log request bodies or URLs (with the token in them) stay at WARNING.
    noisy_loggers = ("pymorphy3", "aiogram.event", "aiohttp.access", "vkbottle", "apscheduler", "alembic",
                     "matplotlib")
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def log_to_file(path: Path) -> None:
    """Send the log to a file instead of the terminal (the console chat: log lines would cut into it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _use(logging.FileHandler(path, encoding="utf-8"))


def _use(handler: logging.Handler) -> None:
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    logging.getLogger().handlers[:] = [handler]
