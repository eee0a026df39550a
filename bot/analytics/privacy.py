"""Pseudonyms for people and scrubbing of obvious personal data from texts kept for editors."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # e-mail
    re.compile(r"(?:\+7|\b8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b"),  # phone
    re.compile(r"\b\d{3}-\d{3}-\d{3}[\s-]?\d{2}\b"),  # СНИЛС
    re.compile(r"\b\d{2}\s?\d{2}\s?\d{6}\b"),  # passport series and number
    re.compile(r"\b\d{6,}\b"),  # other long numbers: ИНН, card, account, order numbers
]
HIDDEN = "[скрыто]"


def scrub(text: str) -> str:
    """Hide e-mails, phone numbers and long digit runs before a text is stored for editors."""
    for pattern in _PATTERNS:
        text = pattern.sub(HIDDEN, text)
    return text


class Pseudonyms:
    """Stable pseudonyms: HMAC-SHA256 of the person's internal id with a secret salt."""

    def __init__(self, salt: bytes) -> None:
        if len(salt) < 16:
            raise ValueError("the analytics salt must be at least 16 bytes")
        self._salt = salt
        self.person = lru_cache(maxsize=50_000)(self._person)

    def _person(self, person_id: int) -> str:
        return hmac.new(self._salt, f"person:{person_id}".encode(), hashlib.sha256).hexdigest()[:24]


def load_salt(configured: str | None, data_dir: Path) -> bytes:
    """The salt from the configuration, or one generated once and kept in ``data_dir``.

    Several machines sharing one database must share the salt: set BOT_ANALYTICS__SALT on each.
    """
    if configured:
        return configured.encode()
    path = data_dir / "analytics.salt"
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    except ValueError:
        log.warning("%s is damaged; generating a new analytics salt", path)
    salt = secrets.token_bytes(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(salt.hex())
    return salt
