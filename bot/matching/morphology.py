"""Russian morphology: lemmas from pymorphy3 and stems from Snowball, cached per word form."""

from __future__ import annotations

import threading
from functools import lru_cache

import pymorphy3
import snowballstemmer

_lock = threading.Lock()
_analyzer: pymorphy3.MorphAnalyzer | None = None
_stemmer = snowballstemmer.stemmer("russian")


def _morph() -> pymorphy3.MorphAnalyzer:
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = pymorphy3.MorphAnalyzer()
    return _analyzer


@lru_cache(maxsize=200_000)
def _best_reading(word: str) -> tuple[str, str | None] | None:
    """The normal form and part of speech of pymorphy's most likely reading (one parse for both)."""
    parsed = _morph().parse(word)
    if not parsed:
        return None
    return parsed[0].normal_form, str(parsed[0].tag.POS) if parsed[0].tag.POS else None


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Dictionary form of a lower-case word (ё folded to е); unknown words get a predicted form."""
    if not word.isalpha() or len(word) < 3:
        return word
    best = _best_reading(word)
    return word if best is None else best[0].replace("ё", "е")


@lru_cache(maxsize=200_000)
def is_known(word: str) -> bool:
    """Whether the word form is in the Russian dictionary (not merely predicted)."""
    if not word.isalpha():
        return False
    return bool(_morph().word_is_known(word))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem, used to relate derivatives like «пересчет» and «пересчитать»."""
    return _stemmer.stemWord(word)


@lru_cache(maxsize=200_000)
def part_of_speech(word: str) -> str | None:
    """pymorphy's part of speech of the most likely reading (None for numbers and unknown tokens)."""
    if not word.isalpha():
        return None
    best = _best_reading(word)
    return None if best is None else best[1]
