"""The search index of a knowledge base, built once at load: terms, postings, and a typo vocabulary."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.kb.model import KnowledgeBase
from bot.matching import morphology
from bot.matching.analyzer import Analyzer
from bot.matching.text import clean, words

# A word found only in an entry's answer (or its topic's title) counts this much of a word in its question,
# paraphrases or keywords (0.45 before; chosen by leave-one-set-out on the five labelled sets, docs/matching.md).
ANSWER_FIELD_WEIGHT = 0.6
RELATED_FORM_WEIGHT = 0.8
ANSWER_DF_SHARE = 0.5
# A clipped word («серт», «поликл») matches the base words it begins, if there are few of them.
CLIPPED_FORM_WEIGHT = 0.7
_MIN_CLIP = 4
_MAX_CLIPPED = 3
_MIN_STEM_PREFIX = 5
# Adverbs and predicatives ("самостоятельно", "срочно", "можно") and bare numbers modify a question
# more than they name its topic.
_MODIFIER_FACTOR = 0.5
_MODIFIER_POS = frozenset({"ADVB", "PRED", "PRCL", "INTJ", "CONJ", "PREP", "NPRO"})


def specificity(term: str) -> float:
    """How much a term can say about a topic, from its form alone (1.0 for nouns, verbs, adjectives)."""
    if term.isdigit():
        return _MODIFIER_FACTOR
    return _MODIFIER_FACTOR if morphology.part_of_speech(term) in _MODIFIER_POS else 1.0


@dataclass(frozen=True, slots=True)
class Posting:
    entries: np.ndarray  # int32 entry numbers
    weights: np.ndarray  # float32: 1.0 when the term is in a question/paraphrase/keyword, less in answers


def _stems_related(a: str, b: str) -> bool:
    """Derivatives with a shared stem: «оформ» ~ «оформлен», «прописа» ~ «прописк»."""
    shorter = min(len(a), len(b))
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= _MIN_STEM_PREFIX and common >= shorter - 1


_UNSTRESSED_ALTERNATES = {"а": "о", "о": "а", "е": "и", "и": "е"}
_SPOKEN_ENDINGS = (("цца", ("ться",)), ("ца", ("тся", "ться")), ("тса", ("тся",)))


def spoken_spellings(word: str) -> list[str]:
    """A verb's «-тся»/«-ться» written as it sounds («лечица», «учицца») put back; others: none."""
    for ending, written in _SPOKEN_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return [word[: -len(ending)] + w for w in written]
    return []


def _allowed_edits(length: int) -> int:
    """Typos tolerated in a stem of this length (an adjacent swap counts as one)."""
    if length < 4:
        return 0
    return 1 if length < 8 else 2


def clipped_terms(clipped: str, vocabulary: Sequence[str]) -> list[str]:
    """Words of a sorted vocabulary that ``clipped`` begins (at least two letters longer); none when there
    are more than a few, since a clipping that short names nothing in particular."""
    out: list[str] = []
    for other in vocabulary[bisect.bisect_left(vocabulary, clipped) :]:
        if not other.startswith(clipped):
            break
        if len(other) >= len(clipped) + 2:
            out.append(other)
    return out if len(out) <= _MAX_CLIPPED else []


class SearchIndex:
    """Terms of every entry, split into match texts (question, paraphrases, keywords) and answers."""

    def __init__(self, base: KnowledgeBase, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.ids: list[str] = list(base.entries)
        self.texts: list[tuple[tuple[str, ...], ...]] = []
        core_sets: list[set[str]] = []
        answer_sets: list[set[str]] = []
        surfaces: dict[str, None] = {}
        cache: dict[str, tuple[str, ...]] = {}

        def analyse(text: str) -> tuple[str, ...]:
            found = cache.get(text)
            if found is None:
                tokens = words(clean(text))
                found = tuple(dict.fromkeys(analyzer.lemmas_of_words(tokens)))
                cache[text] = found
                surfaces.update(dict.fromkeys(tokens))
            return found

        titles = {t.id: t.title for t in base.topics}
        for entry in base.entries.values():
            texts = tuple(t for t in (analyse(x) for x in entry.match_texts()) if t)
            self.texts.append(texts)
            core = {term for text in texts for term in text}
            core_sets.append(core)
            extra: set[str] = set()
            for text in (entry.answer, *entry.answer_for.values(), titles.get(entry.topic_id, "")):
                extra.update(analyse(text))
            answer_sets.append(extra - core)

        self.size = len(self.ids)
        # Rarity is counted among the texts people type (questions, paraphrases, keywords): a word an
        # editor chose to describe one entry is telling even if many answers mention it in passing.
        core_df: dict[str, int] = defaultdict(int)
        any_df: dict[str, int] = defaultdict(int)
        for core, extra in zip(core_sets, answer_sets, strict=True):
            for term in core:
                core_df[term] += 1
                any_df[term] += 1
            for term in extra:
                any_df[term] += 1
        self.idf: dict[str, float] = {}
        for term, n in any_df.items():
            core = core_df.get(term, 0)
            rarity = core + ANSWER_DF_SHARE * (n - core) if core else n
            self.idf[term] = math.log(1.0 + self.size / rarity) * specificity(term)
        self.unknown_idf = math.log(1.0 + self.size)
        self.postings: dict[str, Posting] = self._postings(core_sets, answer_sets)
        self.text_mass = [tuple(sum(self.idf[t] for t in text) for text in texts) for texts in self.texts]
        self._stem_buckets: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for term in self.idf:
            if term.isalpha():
                st = morphology.stem(term)
                if len(st) >= _MIN_STEM_PREFIX:
                    self._stem_buckets[st[:_MIN_STEM_PREFIX]].append((term, st))
        self._build_typo_vocabulary(surfaces)

    def _postings(self, core_sets: list[set[str]], answer_sets: list[set[str]]) -> dict[str, Posting]:
        lists: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for number, (core, extra) in enumerate(zip(core_sets, answer_sets, strict=True)):
            for term in core:
                entries, weights = lists[term]
                entries.append(number)
                weights.append(1.0)
            for term in extra:
                entries, weights = lists[term]
                entries.append(number)
                weights.append(ANSWER_FIELD_WEIGHT)
        return {
            term: Posting(np.asarray(e, dtype=np.int32), np.asarray(w, dtype=np.float32))
            for term, (e, w) in lists.items()
        }

    # --- the compact cache (bot.matching.index_cache) -------------------------------------------

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k not in ("analyzer", "correct", "spell")}

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)
        self.correct = lru_cache(maxsize=50_000)(self._correct)
        self.spell = lru_cache(maxsize=50_000)(self._spell)

    # --- typo correction -------------------------------------------------------------------------

    def _build_typo_vocabulary(self, surfaces: dict[str, None]) -> None:
        """Stems of every word form in the base and the lexicon, mapped to their lemmas."""
        forms = {w for w in surfaces if len(w) > 3 and w.isalpha()}
        forms.update(w for w in self.analyzer.lexicon.phrase_words() if len(w) > 3 and w.isalpha())
        self._stem_to_lemma: dict[str, str] = {}
        by_letter: dict[str, list[str]] = defaultdict(list)
        for form in sorted(forms):
            st = morphology.stem(form)
            if st not in self._stem_to_lemma:
                self._stem_to_lemma[st] = morphology.lemma(form)
                by_letter[st[0]].append(st)
        self._stems_by_letter = dict(by_letter)
        self.correct = lru_cache(maxsize=50_000)(self._correct)
        self.spell = lru_cache(maxsize=50_000)(self._spell)

    def _known_lemma(self, lemma: str) -> bool:
        return lemma in self.idf or self.analyzer.lexicon.knows(lemma)

    def _correct(self, word: str) -> str | None:
        """The lemma a misspelt, glued or unknown word most likely stands for, or None."""
        return self._spell(word) or self._split_compound(word)

    def _spell(self, word: str) -> str | None:
        """The lemma of the base's word closest in spelling to ``word``, or None."""
        lemma = morphology.lemma(word)
        if self._known_lemma(lemma):
            return lemma
        if not word.isalpha() or len(word) < 4:
            return None
        st = morphology.stem(word)
        if st in self._stem_to_lemma:
            return self._stem_to_lemma[st]
        for spoken in spoken_spellings(word):
            if morphology.is_known(spoken) and self._known_lemma(morphology.lemma(spoken)):
                return morphology.lemma(spoken)
        edits = _allowed_edits(len(st))
        if not edits:
            return None
        pool = self._stems_by_letter.get(st[0], [])
        alternate = _UNSTRESSED_ALTERNATES.get(st[0])
        if alternate:  # «аплата», «абращение»: an unstressed first vowel written as it sounds
            pool = pool + self._stems_by_letter.get(alternate, [])
        best = process.extractOne(st, pool, scorer=OSA.distance, score_cutoff=edits)
        return self._stem_to_lemma[best[0]] if best is not None else None

    def _split_compound(self, word: str) -> str | None:
        """Two words typed without a space («транспортнуюкарту»): keep the rarer known half."""
        if len(word) < 8:
            return None
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if morphology.is_known(left) and morphology.is_known(right):
                halves = [morphology.lemma(left), morphology.lemma(right)]
                known = [h for h in halves if h in self.idf]
                if known:
                    return max(known, key=lambda h: self.idf[h])
        return None

    # --- query-time term expansion ---------------------------------------------------------------

    @lru_cache(maxsize=50_000)  # noqa: B019 - the index lives as long as its cache should
    def expansions(self, term: str) -> tuple[tuple[str, float], ...]:
        """Base terms a query term matches: itself, and derivatives sharing its stem."""
        found: list[tuple[str, float]] = []
        if term in self.idf:
            found.append((term, 1.0))
        if term.isalpha():
            st = morphology.stem(term)
            if len(st) >= _MIN_STEM_PREFIX:
                for other, other_stem in self._stem_buckets.get(st[:_MIN_STEM_PREFIX], ()):
                    if other != term and _stems_related(st, other_stem):
                        found.append((other, RELATED_FORM_WEIGHT))
            if not found:
                found += [(other, CLIPPED_FORM_WEIGHT) for other in self._clipped(term)]
        return tuple(found)

    def _clipped(self, term: str) -> list[str]:
        """Base terms a clipped word unknown to the dictionary stands for: «серт» → «сертификат»."""
        if len(term) < _MIN_CLIP or morphology.is_known(term):
            return []
        terms = self.__dict__.get("_sorted_terms")
        if terms is None:  # built on first need: most bases never see a clipped word
            terms = self._sorted_terms = sorted(t for t in self.idf if t.isalpha())
        return clipped_terms(term, terms)

    def term_weight(self, term: str) -> float:
        """A query term's weight: the rarity of what it matches, or of an unseen word."""
        expansions = self.expansions(term)
        if not expansions:
            return self.unknown_idf * specificity(term)
        return max(self.idf[t] * s for t, s in expansions)

    def vocabulary(self) -> Iterable[str]:
        return self.idf.keys()
