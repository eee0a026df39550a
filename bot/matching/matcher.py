"""FAQ matching: score entries against a query and decide answer / confirm / suggest / none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer, Term
from bot.matching.index import SearchIndex
from bot.matching.lexicon import load_lexicon

WEAK_TERM_FACTOR = 0.5
COVERAGE_SHARE = 0.6
CANDIDATES = 50
# F-beta of a match text: beta < 1 values explaining the whole query over using the whole text.
_BETA2 = 1.0
TOP = 3


class Decision(StrEnum):
    ANSWER = "answer"
    CONFIRM = "confirm"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Thresholds:
    answer_score: float = 65.0
    answer_margin: float = 10.0
    answer_coverage: float = 0.7
    confirm_score: float = 50.0
    confirm_margin: float = 5.0
    suggest_score: float = 25.0


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    score: float
    # The largest share of the query's weight that one question, paraphrase or keyword explains.
    coverage: float = field(default=1.0, compare=False)


@dataclass(frozen=True, slots=True)
class MatchResult:
    query: str
    decision: Decision
    top: tuple[Candidate, ...] = ()
    terms: tuple[str, ...] = field(default=(), compare=False)

    @property
    def best(self) -> Candidate | None:
        return self.top[0] if self.top else None

    def as_json(self) -> dict[str, object]:
        return {
            "query": self.query,
            "decision": self.decision.value,
            "top": [{"id": c.id, "score": c.score} for c in self.top],
        }


def _f_bound(coverage: float) -> float:
    return (1 + _BETA2) * coverage / (_BETA2 * coverage + 1) if coverage > 0 else 0.0


def decide(candidates: Sequence[Candidate], thresholds: Thresholds) -> Decision:
    """The dialogue's choice from the ranked candidates (best first).

    Answer only when the best entry is clearly ahead and its own texts explain most of the query;
    when unsure, ask (confirm) or offer the three most likely entries (suggest), as 4.6.5.5 asks.
    """
    if not candidates:
        return Decision.NONE
    best = candidates[0].score
    second = candidates[1].score if len(candidates) > 1 else 0.0
    if (
        best >= thresholds.answer_score
        and best - second >= thresholds.answer_margin
        and candidates[0].coverage >= thresholds.answer_coverage
    ):
        return Decision.ANSWER
    if best >= thresholds.confirm_score and best - second >= thresholds.confirm_margin:
        return Decision.CONFIRM  # one clear favourite: "did you mean …?"
    if best >= thresholds.confirm_score:
        return Decision.SUGGEST  # several close ones: offer them
    if best >= thresholds.suggest_score:
        return Decision.SUGGEST
    return Decision.NONE


def _unknown_factor(term_count: int) -> float:
    """How much words unknown to the base count against a match.

    In a short query every word is the question, so an unknown word is strong evidence that the base
    does not cover it; a long message carries a story around its question, so less.
    """
    if term_count <= 3:
        return 1.0
    return max(0.45, 1.0 - 0.1 * (term_count - 3))


class Matcher:
    """Matches queries against one knowledge base. Build once; ``match`` does no I/O."""

    def __init__(
        self,
        base: KnowledgeBase,
        thresholds: Thresholds | None = None,
        analyzer: Analyzer | None = None,
    ) -> None:
        self.base = base
        self.thresholds = thresholds or Thresholds()
        self.analyzer = analyzer or Analyzer(load_lexicon())
        self.index = SearchIndex(base, self.analyzer)

    def match(self, query: str, limit: int = TOP) -> MatchResult:
        terms = self.analyzer.query_terms(query, self.index.correct, self.index.spell)
        ranked = self.rank(terms, limit)
        decision = decide(ranked, self.thresholds)
        return MatchResult(query, decision, tuple(ranked[:limit]), tuple(t.text for t in terms))

    def rank(self, terms: Sequence[Term], limit: int = TOP) -> list[Candidate]:
        """Entries by score, best first (at most ``max(limit, 3)``)."""
        index = self.index
        if not terms or index.size == 0:
            return []
        weights: list[float] = []
        expansions: list[tuple[tuple[str, float], ...]] = []
        weak = self.analyzer.lexicon.weak
        unknown_factor = _unknown_factor(len(terms))
        for term in terms:
            found = index.expansions(term.text)
            expansions.append(found)
            idf = index.term_weight(term.text)
            if not found:
                idf *= unknown_factor
            if term.text in weak:
                idf *= WEAK_TERM_FACTOR
            weights.append(term.weight * idf)
        total = sum(weights)
        if total <= 0 or not any(expansions):
            return []

        coverage = np.zeros(index.size, dtype=np.float32)
        for weight, found in zip(weights, expansions, strict=True):
            if not found:
                continue
            best = np.zeros(index.size, dtype=np.float32)
            for base_term, similarity in found:
                posting = index.postings[base_term]
                np.maximum.at(best, posting.entries, posting.weights * similarity)
            coverage += best * weight
        coverage /= total

        count = int(np.count_nonzero(coverage))
        if count == 0:
            return []
        k = min(CANDIDATES, count)
        picked = np.argpartition(-coverage, k - 1)[:k] if count > k else np.flatnonzero(coverage)
        order = sorted(picked.tolist(), key=lambda n: -float(coverage[n]))

        shares = [w / total for w in weights]
        hits_by_term: dict[str, list[tuple[int, float]]] = {}
        for q, found in enumerate(expansions):
            for base_term, similarity in found:
                hits_by_term.setdefault(base_term, []).append((q, similarity))

        keep = max(limit, TOP)
        scored: list[Candidate] = []
        floor = -1.0
        for number in order:
            cov = float(coverage[number])
            # A text's precision cannot exceed the entry's coverage, so its F-measure is at most
            # 2·cov/(1 + cov): once that bound falls below the kept scores, later entries cannot rise.
            if 100.0 * (COVERAGE_SHARE * cov + (1 - COVERAGE_SHARE) * _f_bound(cov)) < floor:
                break
            best_text, explained, own = self._texts_match(number, shares, hits_by_term)
            score = 100.0 * (COVERAGE_SHARE * cov + (1 - COVERAGE_SHARE) * best_text)
            scored.append(Candidate(index.ids[number], round(score, 1), round((own + explained) / 2, 3)))
            if len(scored) >= keep:
                scored.sort(key=lambda c: (-c.score, c.id))
                del scored[keep:]
                floor = scored[-1].score
        scored.sort(key=lambda c: (-c.score, c.id))
        return scored[:keep]

    def _texts_match(
        self, number: int, shares: list[float], hits_by_term: dict[str, list[tuple[int, float]]]
    ) -> tuple[float, float, float]:
        """Compare the query with each match text of an entry.

        Returns the best F-measure of one text, the largest share of the query one text explains, and
        the share explained by all the entry's texts together.
        """
        idf = self.index.idf
        best_f = 0.0
        explained = 0.0
        union: dict[int, float] = {}
        for text, mass in zip(self.index.texts[number], self.index.text_mass[number], strict=True):
            hit: dict[int, float] = {}
            covered = 0.0
            for term in text:
                found = hits_by_term.get(term)
                if not found:
                    continue
                strongest = 0.0
                for q, similarity in found:
                    if similarity > hit.get(q, 0.0):
                        hit[q] = similarity
                    if similarity > strongest:
                        strongest = similarity
                covered += idf[term] * strongest
            if not hit:
                continue
            precision = 0.0
            for q, similarity in hit.items():
                precision += shares[q] * similarity
                if similarity > union.get(q, 0.0):
                    union[q] = similarity
            if precision > explained:
                explained = precision
            recall = covered / mass if mass else 0.0
            if recall:
                f = (1 + _BETA2) * precision * recall / (_BETA2 * precision + recall)
                if f > best_f:
                    best_f = f
        own = sum(shares[q] * similarity for q, similarity in union.items())
        return best_f, explained, own


