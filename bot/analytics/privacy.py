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

_STREET = (
    r"(?:ул|улиц[аеуы]|пр-т|пр-кт|просп|проспект[аеу]?|пер|переул(?:ок|ке|ка)|ш|шоссе|б-р|бульвар[аеу]?|пл|"
    r"площад[ьи]|наб|набережн(?:ая|ой|ую)|мкр|микрорайон[аеу]?|проезд[аеу]?|тупик[аеу]?|алле[яию]|тракт[аеу]?|"
    r"кв-л|квартал[аеу]?|линия|линии)"
)
_HOUSE = r"(?:[\s,]*(?:д|дом)?\.?\s*\d+\s*[а-я]?(?:\s*[/-]\s*\d+)?(?:[\s,]*(?:к|корп|корпус|стр|строение)\.?\s*\d+)?)"
_FLAT = r"(?:[\s,]*(?:кв|квартира|оф|офис)\.?\s*\d+)"
_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # e-mail
    # an address: the street word, the street's name (one or two words), the house, the flat
    # (the street's name starts with a capital letter or a number: «на улице» or «проезд в автобусе» is no address)
    re.compile(rf"\b(?i:{_STREET})\b\.?\s+(?:[А-ЯЁ0-9][\w-]*\s+)?[А-ЯЁ0-9][\w-]*(?i:{_HOUSE}?{_FLAT}?)"),
    re.compile(rf"\b(?i:(?:д|дом)\.?\s*\d+\s*[а-я]?{_FLAT})"),  # «д. 5, кв. 12» without a street
    re.compile(r"\b\d{2}\s?\d{2}\s*(?:№|N|No|номер)\s*\d{6}\b", re.IGNORECASE),  # passport «45 10 № 123456»
    re.compile(r"\b(?:\d{4}[\s-]){3}\d{4}(?:[\s-]?\d{1,3})?\b"),  # a card in groups of four
    re.compile(r"\b\d{3}[\s-]\d{3}[\s-]\d{3}[\s-]?\d{2}\b"),  # СНИЛС, with dashes or spaces
    re.compile(r"\b\d{2}\s\d{2}\s\d{6}(?:\s?\d{2})?\b"),  # passport series and number, ИНН with spaces
    re.compile(r"\b\d{4}\s\d{6}\b"),  # passport «4510 123456»
    # a phone: +7 / 8 or none, a code of 3–5 digits, the rest in groups («912-345-67-89», «8 (4152) 12-34-56»)
    re.compile(r"(?:(?:\+7|\b[78])[\s(-]*)?(?:\(\d{3,5}\)|\b\d{3,5})[\s)-]*\d{1,3}[\s-]?\d{2}[\s-]?\d{2}\b"),
    re.compile(r"\b\d{6,}\b"),  # other long numbers: ИНН, card, account, order numbers
]
HIDDEN = "[скрыто]"
NAME = "[имя]"
_WORD = re.compile(r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)?")
_PERSON_TAGS = frozenset({"Name", "Surn", "Patr"})


def scrub(text: str) -> str:
    """Hide e-mails, addresses, phone, passport, card, СНИЛС and ИНН numbers, long digit runs and
    people's names before a text is stored."""
    for pattern in _PATTERNS:
        text = pattern.sub(HIDDEN, text)
    return _WORD.sub(_hide_name, text)


def _hide_name(match: re.Match[str]) -> str:
    """A personal name, surname or patronymic («Иванов», «Мария», «Петровна»): written with a capital
    letter and read so by pymorphy3 (a patronymic in any case); «вера» or «надежда» written small stay."""
    word = match.group()
    if len(word) > 1 and word.isupper():
        return word  # an abbreviation: ИНН, ОКВЭД
    tags = _name_tags(word.lower())
    if "Patr" in tags or (word[0].isupper() and tags & _PERSON_TAGS):
        return NAME
    return word


@lru_cache(maxsize=100_000)
def _name_tags(word: str) -> frozenset[str]:
    from bot.dialogue.morph import tags  # the shared analyser; imported late (loads the dictionary)

    return tags(word) if len(word) > 2 else frozenset()


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
