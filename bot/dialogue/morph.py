"""The grammar of single words, for the dialogue's own checks (the matcher's pymorphy3 analyser, shared)."""

from __future__ import annotations

from functools import lru_cache

from bot.matching.morphology import _morph


@lru_cache(maxsize=100_000)
def tags(word: str) -> frozenset[str]:
    """The grammemes of the most likely reading of a lower-case word («NOUN», «anim», «datv», «Name», …)."""
    if not word.isalpha():
        return frozenset()
    parsed = _morph().parse(word)
    return frozenset(str(parsed[0].tag).replace(" ", ",").split(",")) if parsed else frozenset()


def is_person_dative(word: str) -> bool:
    """«девушке», «деду», «соседу»: someone to whom something happens."""
    found = tags(word)
    return {"NOUN", "anim", "datv"} <= found
