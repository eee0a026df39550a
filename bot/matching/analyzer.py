"""Text → weighted terms: cleaning, layout, lemmas, lexicon rules; the same for base texts and queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.matching import morphology
from bot.matching.lexicon import Lexicon
from bot.matching.text import clean, fix_layout, fix_translit, sentences, split_glued_particles, words

Corrector = Callable[[str], str | None]
_HYPHENATED = re.compile(r"[а-я]+(?:-[а-я]+)+")

_QUESTION_WORDS = frozenset({
    "как", "где", "куда", "когда", "сколько", "какой", "какая", "какие", "каком", "можно", "ли",
    "нужно", "надо", "что", "почему", "зачем", "кто", "чем", "подскажите", "скажите", "положен",
    "положена", "положено", "полагается",
})
_CONTEXT_WEIGHT = 0.55
_NUMBER = re.compile(r"^\d+$")


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    weight: float = 1.0


def is_russian_word(word: str) -> bool:
    return len(word) > 1 and morphology.is_known(word)


def is_translit_word(word: str) -> bool:
    """A Russian word read from Latin letters; a soft sign we added must make an infinitive."""
    if not is_russian_word(word):
        return False
    return not word.endswith("ть") or morphology.part_of_speech(word) == "INFN"


class Analyzer:
    """Turns text into matching terms. Pure: the same input always gives the same terms."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._lemmas = _LemmaCache()

    def lemmas(self, text: str, correct: Corrector | None = None) -> list[str]:
        """Terms of a base text, in order (no sentence weights)."""
        return self.lemmas_of_words(words(clean(text)), correct)

    def lemmas_of_words(self, tokens: list[str], correct: Corrector | None = None) -> list[str]:
        if correct is None:
            return self.lexicon.rewrite(list(map(self._lemmas.__getitem__, tokens)))
        return self.lexicon.rewrite([self._lemma(w, correct) for w in tokens])

    def query_terms(
        self, text: str, correct: Corrector | None = None, spell: Corrector | None = None
    ) -> list[Term]:
        """Terms of a person's message with weights: the asking sentence counts more than context.

        ``correct`` maps an unknown word to the lemma it most likely stands for; ``spell`` does the
        same without splitting glued words, and is used to read "сам-занятый" as one word.
        """
        cleaned = fix_translit(fix_layout(clean(text), is_russian_word), is_translit_word)
        if spell is not None and "-" in cleaned:
            cleaned = _HYPHENATED.sub(lambda m: _join_if_word(m.group(), spell), cleaned)
        cleaned = split_glued_particles(cleaned)  # after the joining: «кто-то» is not one word
        parts = sentences(cleaned)
        if len(parts) > 1:
            asking = [_is_question(p) for p in parts]
            if not any(asking):
                asking = [True] * len(parts)
        else:
            asking = [True]
        weights: dict[str, float] = {}
        for part, is_asking in zip(parts or [cleaned], asking, strict=False):
            weight = 1.0 if is_asking else _CONTEXT_WEIGHT
            lemmas = self.lemmas_of_words(words(part), correct)
            for lemma in lemmas:
                if _NUMBER.match(lemma) and (len(lemma) > 4 or len(lemma) == 1):
                    continue  # digits alone, ids and phone numbers are not topics
                if weights.get(lemma, 0.0) < weight:
                    weights[lemma] = weight
        return [Term(t, w) for t, w in weights.items()]

    def _lemma(self, word: str, correct: Corrector | None) -> str:
        if correct is not None and not morphology.is_known(word):
            fixed = correct(word)
            if fixed is not None:
                return fixed
        return morphology.lemma(word)


def _join_if_word(hyphenated: str, spell: Corrector) -> str:
    joined = hyphenated.replace("-", "")
    if morphology.is_known(hyphenated) or (not morphology.is_known(joined) and spell(joined) is None):
        return hyphenated
    return joined


class _LemmaCache(dict[str, str]):
    def __missing__(self, word: str) -> str:
        lemma = morphology.lemma(word)
        if len(self) < 500_000:
            self[word] = lemma
        return lemma


def _is_question(sentence: str) -> bool:
    if sentence.rstrip().endswith("?"):
        return True
    return any(w in _QUESTION_WORDS for w in words(sentence))


def asking_sentences(text: str) -> list[str]:
    """The sentences of a message that end with a question mark and have at least two words."""
    return [p for p in sentences(clean(text)) if p.rstrip().endswith("?") and len(words(p)) >= 2]
