"""Derivational families: a word and its prefixed, aspectual and noun/verb relatives share a key.

«хоронить», «похороны», «похоронный» → «хорон»; «забросить», «бросить» → «брос»; «спиливать», «спилить» →
«спил»; «роспись», «расписаться» → «распис». The key is coarse (one prefix off, the thematic vowel and an
imperfective suffix dropped), so links through it count less than a word itself.
"""

from __future__ import annotations

from bot.matching import morphology

# Verbal and nominal prefixes, longest first; «роз-/рос-» are the stressed «раз-/рас-».
_PREFIXES = tuple(sorted((
    "без", "бес", "в", "во", "вз", "вс", "вы", "до", "за", "из", "ис", "на", "над", "недо", "о", "об", "обо",
    "от", "ото", "пере", "перед", "по", "под", "пред", "пре", "при", "про", "раз", "рас", "с", "со", "у",
), key=len, reverse=True))
_VOWELS = "аеиоуыэюяьй"
_VERB_ENDINGS = ("ться", "тись", "чься", "ть", "ти", "чь")
_IMPERFECTIVE = ("ыва", "ива")
MIN_ROOT = 4


def _root(stem: str) -> str | None:
    if stem.startswith(("роз", "рос")):
        stem = "ра" + stem[2:]
    for suffix in _IMPERFECTIVE:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= MIN_ROOT:
            stem = stem[: -len(suffix)]
            break
    stem = stem.rstrip(_VOWELS)
    prefix = next((p for p in _PREFIXES if stem.startswith(p)), "")
    if prefix and len(stem) - len(prefix) >= MIN_ROOT:
        return stem[len(prefix) :]  # the longest prefix only: «вывоз» is not «в» + «ывоз»
    return stem if len(stem) >= MIN_ROOT else None


def _without_verb_ending(lemma: str) -> str:
    """An infinitive without its ending (and «-ся»); other words as they are."""
    for ending in _VERB_ENDINGS:
        if lemma.endswith(ending) and len(lemma) > len(ending) + 2:
            return lemma[: -len(ending)]
    return lemma


def family_keys(lemma: str) -> frozenset[str]:
    """The keys of a lemma's derivational family (from its Snowball stem and from the lemma itself)."""
    if not lemma.isalpha() or len(lemma) < MIN_ROOT:
        return frozenset()
    roots = {_root(morphology.stem(lemma)), _root(_without_verb_ending(lemma))}
    roots.discard(None)
    return frozenset(roots)  # type: ignore[arg-type]
