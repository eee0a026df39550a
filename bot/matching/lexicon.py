"""The matcher's lexicon: fillers and stopwords to drop, synonyms to fold, compiled into lemma rules."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, compress, pairwise
from pathlib import Path

from bot.matching import morphology
from bot.matching.text import clean, words

DEFAULT_LEXICON = Path(__file__).with_name("lexicon.toml")


class LexiconError(Exception):
    """A lexicon file that cannot be used."""


def lemmatize_phrase(phrase: str) -> tuple[str, ...]:
    return tuple(morphology.lemma(w) for w in words(clean(phrase)))


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: tuple[str, ...]
    replacement: tuple[str, ...]


@dataclass(slots=True)
class Lexicon:
    """Lemma-sequence rewriting rules (the longest pattern wins) and the set of weak words."""

    single: dict[str, tuple[str, ...]] = field(default_factory=dict)
    multi: dict[str, dict[str, list[Rule]]] = field(default_factory=dict)
    canonical: set[str] = field(default_factory=set)
    weak: set[str] = field(default_factory=set)
    _output: _Output | None = field(default=None, repr=False)
    _pairs: frozenset[tuple[str, str]] | None = field(default=None, repr=False)

    def add(self, pattern: Sequence[str], replacement: Sequence[str]) -> None:
        """Add a rule; the first definition of a pattern wins."""
        pattern, replacement = tuple(pattern), tuple(replacement)
        if not pattern:
            return
        self._output = self._pairs = None
        if len(pattern) == 1:
            self.single.setdefault(pattern[0], replacement)
            return
        bucket = self.multi.setdefault(pattern[0], {}).setdefault(pattern[1], [])
        if any(r.pattern == pattern for r in bucket):
            return
        bucket.append(Rule(pattern, replacement))
        bucket.sort(key=lambda r: -len(r.pattern))

    def knows(self, lemma: str) -> bool:
        """Whether the lemma starts any rule (so it means something to the matcher)."""
        return lemma in self.single or lemma in self.multi

    def phrase_words(self) -> set[str]:
        """Every word the rules mention (for typo correction)."""
        found = set(self.single)
        for seconds in self.multi.values():
            for bucket in seconds.values():
                for rule in bucket:
                    found.update(rule.pattern)
        return found

    def rewrite(self, lemmas: Sequence[str]) -> list[str]:
        """Apply the rules left to right; replaced words are not rewritten again."""
        one_word = (self._output or self._out).__getitem__
        pairs = self._pairs if self._pairs is not None else self._pair_starts
        # Only two lemmas that start a phrase rule can change what the one-word rules give; the loops over
        # every lemma run in C (a base's long answers and every match text go through here at load).
        if pairs.isdisjoint(pairwise(lemmas)):
            return list(chain.from_iterable(map(one_word, lemmas)))
        multi = self.multi
        result: list[str] = []
        position = 0  # lemmas before it are in ``result``
        for i in compress(range(len(lemmas)), map(pairs.__contains__, pairwise(lemmas))):
            if i < position:
                continue
            for rule in multi[lemmas[i]][lemmas[i + 1]]:
                size = len(rule.pattern)
                if tuple(lemmas[i : i + size]) == rule.pattern:
                    result.extend(chain.from_iterable(map(one_word, lemmas[position:i])))
                    result.extend(rule.replacement)
                    position = i + size
                    break
        result.extend(chain.from_iterable(map(one_word, lemmas[position:])))
        return result

    @property
    def _pair_starts(self) -> frozenset[tuple[str, str]]:
        """The first two lemmas of every phrase rule."""
        if self._pairs is None:
            self._pairs = frozenset((first, second) for first, seconds in self.multi.items() for second in seconds)
        return self._pairs

    @property
    def _out(self) -> _Output:
        if self._output is None:
            self._output = _Output(self.single)
        return self._output


class _Output(dict[str, tuple[str, ...]]):
    """What a lemma becomes through the one-word rules; unknown lemmas stay as they are."""

    def __init__(self, single: dict[str, tuple[str, ...]]) -> None:
        super().__init__(single)

    def __missing__(self, lemma: str) -> tuple[str, ...]:
        result = (lemma,)
        self[lemma] = result
        return result


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"cannot read lexicon {path}: {exc}") from exc
    unknown = set(data) - {"fillers", "stopwords", "weak", "synonyms"}
    if unknown:
        raise LexiconError(f"lexicon {path}: unknown keys {sorted(unknown)}")
    return data


def _strings(value: object, where: str) -> Iterable[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where} must be a list of strings")
    return value


def build_lexicon(paths: Sequence[Path]) -> Lexicon:
    lexicon = Lexicon()
    removals: list[tuple[str, ...]] = []
    for path in paths:
        data = _read(path)
        synonyms = data.get("synonyms", {})
        if not isinstance(synonyms, dict):
            raise LexiconError(f"lexicon {path}: [synonyms] must be a table")
        for canonical, variants in synonyms.items():
            target = lemmatize_phrase(canonical)
            if not target:
                raise LexiconError(f"lexicon {path}: empty synonym key {canonical!r}")
            lexicon.canonical.update(target)
            if len(target) > 1:
                lexicon.add(target, target)  # keep the phrase whole
            for variant in _strings(variants, f"{path}: synonyms.{canonical}"):
                # The written form too: pymorphy guesses the lemma of a word it does not know from its
                # ending, so «ипшник» may lemmatise to «ипшникнуть» while «ипшнику» gives «ипшник».
                for pattern in dict.fromkeys((lemmatize_phrase(variant), tuple(words(clean(variant))))):
                    if pattern and pattern != target:
                        lexicon.add(pattern, target)
        for phrase in _strings(data.get("weak", []), f"{path}: weak"):
            lexicon.weak.update(lemmatize_phrase(phrase))
        for key in ("fillers", "stopwords"):
            for phrase in _strings(data.get(key, []), f"{path}: {key}"):
                pattern = lemmatize_phrase(phrase)
                if pattern:
                    removals.append(pattern)
                # the surface form too: a stopword must go even if its lemma differs
                surface = tuple(words(clean(phrase)))
                if surface and surface != pattern:
                    removals.append(surface)
    for pattern in removals:
        if len(pattern) > 1 or pattern[0] not in lexicon.canonical:
            lexicon.add(pattern, ())
    return lexicon


@lru_cache(maxsize=8)
def load_lexicon(extra: Path | None = None) -> Lexicon:
    """The built-in lexicon, extended by an optional file of the same format."""
    paths = [DEFAULT_LEXICON] if extra is None else [extra, DEFAULT_LEXICON]
    return build_lexicon(paths)
