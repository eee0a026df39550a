"""Character-level normalisation of Russian messenger text: case, ё, emoji, punctuation, keyboard layout."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Russian typed on the Latin layer of a ЙЦУКЕН keyboard.
_LATIN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_CYRILLIC_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё"
_TO_CYRILLIC = str.maketrans(_LATIN_KEYS, _CYRILLIC_KEYS)
_TO_LATIN = str.maketrans(_CYRILLIC_KEYS, _LATIN_KEYS)

_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
_LAYOUT_TOKEN = re.compile(r"[a-z\[\];',.`]+")
_WORD = re.compile(r"[а-яa-z0-9]+")
_NOT_TEXT = re.compile(r"[^а-яa-z0-9\s]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_SPACES = re.compile(r"\s+")
# Control characters (but tab and newline), zero-width and bidi marks, BOM.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")

MAX_QUERY_CHARS = 2000


def clean(text: str) -> str:
    """Lower-case, NFKC, ё→е, control and invisible characters removed, length bounded."""
    if len(text) > MAX_QUERY_CHARS * 4:
        text = text[: MAX_QUERY_CHARS * 4]
    text = _INVISIBLE.sub(" ", unicodedata.normalize("NFKC", text))
    text = text.lower().replace("ё", "е")
    return text[:MAX_QUERY_CHARS]


def words(text: str) -> list[str]:
    """Word tokens of a cleaned text; hyphens and punctuation separate words."""
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """Split a cleaned text into sentences (kept with their final punctuation)."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def strip_symbols(text: str) -> str:
    return _SPACES.sub(" ", _NOT_TEXT.sub(" ", text)).strip()


def to_cyrillic(token: str) -> str:
    return token.translate(_TO_CYRILLIC)


def to_latin(token: str) -> str:
    return token.translate(_TO_LATIN)


def fix_layout(text: str, is_russian_word: Callable[[str], bool]) -> str:
    """Re-type words written with the Latin keys of a Russian keyboard ("ghbdtn" → "привет").

    A Latin word is converted when its Cyrillic reading is a Russian word. In a message with no
    Cyrillic at all, when most Latin words convert, the rest are converted too (typos or one-letter
    prepositions typed in the wrong layout).
    """
    if not _LATIN.search(text):
        return text
    # Punctuation keys count only inside a word: "ht,tyrf" is "ребенка", a comma after a word is not.
    spans = [
        (m.start(), token)
        for m in _LAYOUT_TOKEN.finditer(text)
        if (token := m.group().rstrip(",.;'")) and _LATIN.search(token)
    ]
    votes = {
        start: is_russian_word(_letters(to_cyrillic(token))) for start, token in spans if len(token) > 1
    }
    known = sum(votes.values())
    convert_all = known > 0 and known * 2 >= len(votes) and not _CYRILLIC.search(text)
    out: list[str] = []
    last = 0
    for start, token in spans:
        if convert_all or votes.get(start, False):
            out.append(text[last:start])
            out.append(to_cyrillic(token))
            last = start + len(token)
    out.append(text[last:])
    return "".join(out)


def _letters(token: str) -> str:
    return "".join(_WORD.findall(token))
