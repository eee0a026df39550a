"""Short set phrases recognised in a whole message («спасибо большое», «да, это»), the way people type
them: any case and punctuation, ё or е, the wrong keyboard layout, filler words between them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

from bot.matching.analyzer import is_russian_word
from bot.matching.text import clean, fix_layout, words

MAX_WORDS = 8  # longer messages are never only set phrases
K = TypeVar("K")


def tokens(text: str) -> list[str]:
    """The words of a message as the phrase sets compare them."""
    return words(fix_layout(clean(text), is_russian_word))


class PhraseSet(Generic[K]):
    """Phrases of several kinds; tells which kinds a message is made of, if it is made of nothing else."""

    def __init__(self, phrases: Mapping[K, Iterable[str]], fillers: Iterable[str] = ()) -> None:
        self.fillers = frozenset(fillers)
        self._by_first: dict[str, list[tuple[tuple[str, ...], K]]] = {}
        for kind, items in phrases.items():
            for phrase in items:
                words_of = tuple(words(clean(phrase)))  # written as meant: no layout to fix
                self._by_first.setdefault(words_of[0], []).append((words_of, kind))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))  # the longest phrase first

    def kinds(self, message_tokens: list[str]) -> set[K] | None:
        """The kinds of the phrases the words make up; None when a word belongs to none, or no phrase is there."""
        if not message_tokens or len(message_tokens) > MAX_WORDS:
            return None
        found: set[K] = set()
        index = 0
        while index < len(message_tokens):
            for phrase, kind in self._by_first.get(message_tokens[index], ()):
                if tuple(message_tokens[index:index + len(phrase)]) == phrase:
                    found.add(kind)
                    index += len(phrase)
                    break
            else:
                if message_tokens[index] not in self.fillers:
                    return None
                index += 1
        return found or None
