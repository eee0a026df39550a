"""Loose word matching for the safety checks: people in distress do not spell carefully.

Words are reduced to a *skeleton* (unstressed vowels that people confuse merged, the hard sign as the soft one,
doubled letters as one, «-тся/-ться» → «-ца»), then compared by prefix; a stem of six letters or more
also matches, as written, with one typo (a letter missed, added, swapped or a neighbouring key) — unless the
word is itself in the dictionary (then it is another word, not a typo).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.matching.analyzer import is_russian_word

_VOWELS = str.maketrans("оыэеяйю", "аииииау")
_REFLEXIVE = re.compile(r"ть?ся$")
_DOUBLE = re.compile(r"(.)\1+")
FUZZY_FROM = 6  # stems this long or longer tolerate one typo (compared as written)


@lru_cache(maxsize=20_000)
def skeleton(word: str) -> str:
    """The word as the checks compare it («памагите» and «помогите» are the same)."""
    word = _REFLEXIVE.sub("ца", word.lower().replace("ё", "е"))
    word = word.replace("ъ", "ь").translate(_VOWELS)
    return _DOUBLE.sub(r"\1", word)


_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


def _neighbours() -> dict[str, set[str]]:
    """Keys next to each other on the Russian ЙЦУКЕН keyboard (a finger slips to them)."""
    near: dict[str, set[str]] = {}

    def link(a: str, b: str) -> None:
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)

    for row in _ROWS:
        for left, right in itertools.pairwise(row):
            link(left, right)
    for upper, lower in itertools.pairwise(_ROWS):
        for i, key in enumerate(lower):
            for j in (i, i + 1):
                if j < len(upper):
                    link(key, upper[j])
    return near


_NEAR = _neighbours()


def _slip(a: str, b: str) -> bool:
    return b in _NEAR.get(a, ())


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one typo: a letter missed or added, two swapped, or a
    neighbouring key hit instead (any other substitution makes another word too often: «умирает» —
    «убирают»)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return _slip(a[diff[0]], b[diff[0]])
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


SHORT = 2  # words this short are compared exactly, as written («в», «не», «ей»)


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a message: as written (lower case, ё→е) and its skeleton."""

    raw: str
    skel: str
    known: bool = False  # a dictionary word: not a typo of another one («отправили» is not «отравили»)

    @classmethod
    def of(cls, token: str) -> Word:
        raw = token.lower().replace("ё", "е")
        return cls(raw, skeleton(raw), is_russian_word(raw))


def words_of(tokens: Iterable[str]) -> list[Word]:
    return [Word.of(token) for token in tokens]


@dataclass(frozen=True, slots=True)
class Stem:
    """One way a word may begin («дыш» for дышит, дышать); ``whole`` for a word that must match entirely."""

    raw: str
    text: str
    whole: bool = False

    @classmethod
    def parse(cls, written: str) -> Stem:
        raw = written.removeprefix("=").lower().replace("ё", "е")
        return cls(raw, skeleton(raw), written.startswith("=") or len(raw) <= SHORT)

    def matches(self, word: Word) -> bool:
        raw = self.raw
        if len(raw) <= SHORT:
            return word.raw == raw
        if self.whole:  # a typo, but not another ending («инсульт», not «инсульта»)
            return word.skel == self.text or (len(raw) >= FUZZY_FROM and len(word.raw) == len(raw)
                                              and _one_edit(word.raw, raw))
        if word.raw.startswith(raw) or word.skel.startswith(self.text):
            return True
        text = word.raw
        if len(raw) < FUZZY_FROM or len(text) < len(raw) - 1 or text[0] != raw[0] or word.known:
            return False
        # the word's beginning with a letter missed, wrong, swapped or added — not merely the stem cut short
        # («передо» is the beginning of «передоз» and of «передовать» alike)
        short = text[: len(raw) - 1]
        if short != raw[:-1] and _one_edit(short, raw):
            return True
        return any(_one_edit(text[:n], raw) for n in (len(raw), len(raw) + 1) if n <= len(text))


class Slot:
    """Alternatives for one word of a phrase: «пахнет|воняет»."""

    def __init__(self, written: str) -> None:
        self.stems = frozenset(Stem.parse(part) for part in written.split("|") if part)

    def matches(self, word: Word) -> bool:
        return any(stem.matches(word) for stem in self.stems)

    def any_of(self, words: Iterable[Word]) -> bool:
        return any(self.matches(word) for word in words)


class Phrase:
    """Words in order, at most ``gap`` other words between neighbours: «пахнет газом», «не дышит»."""

    def __init__(self, written: str, gap: int = 2) -> None:
        self.written = written
        body, _, wider = written.partition("~")  # «авария ранен~4»: up to four words between
        self.slots = tuple(Slot(part) for part in body.split())
        self.gap = int(wider) if wider else gap

    def found_in(self, matched: list[frozenset[Stem]], present: frozenset[Stem] | None = None) -> bool:
        """``matched``: for each word of the message, the stems it matches (``StemIndex.matched``);
        ``present``: all of them together, when the caller checks many phrases (most fail at once)."""
        if present is not None and any(slot.stems.isdisjoint(present) for slot in self.slots):
            return False
        return any(self._from(matched, 0, start) for start in range(len(matched)))

    def _from(self, matched: list[frozenset[Stem]], slot: int, at: int) -> bool:
        if self.slots[slot].stems.isdisjoint(matched[at]):
            return False
        if slot + 1 == len(self.slots):
            return True
        return any(
            self._from(matched, slot + 1, nxt) for nxt in range(at + 1, min(len(matched), at + 2 + self.gap))
        )


class StemIndex:
    """Every stem of a lexicon by its first letter, so a word is compared only with stems it may match."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self._by_first: dict[str, set[Stem]] = {}
        for phrase in phrases:
            for slot in phrase.slots:
                for stem in slot.stems:
                    self._by_first.setdefault(stem.raw[0], set()).add(stem)
                    self._by_first.setdefault(stem.text[0], set()).add(stem)

        self.stems_of = lru_cache(maxsize=50_000)(self._stems_of)

    def matched(self, words: list[Word]) -> list[frozenset[Stem]]:
        return [self.stems_of(word) for word in words]

    def _stems_of(self, word: Word) -> frozenset[Stem]:
        options = self._by_first.get(word.raw[0], set()) | self._by_first.get(word.skel[0], set())
        return frozenset(stem for stem in options if stem.matches(word))
