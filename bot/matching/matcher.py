"""FAQ matching: score entries against a query and decide answer / confirm / suggest / none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer, Term, asking_sentences
from bot.matching.calibration import Calibration, Model, load_calibration
from bot.matching.candidates import Candidate
from bot.matching.features import QueryFacts, features
from bot.matching.index import CLIPPED_FORM_WEIGHT, RELATED_FORM_WEIGHT, SearchIndex
from bot.matching.lexicon import load_lexicon
from bot.matching.semantic import DEFAULT_WEIGHT, LEXICAL_CANDIDATES, SemanticSignal

WEAK_TERM_FACTOR = 0.5
COVERAGE_SHARE = 0.6
# Words next to each other in the query and in one text of the entry («свидетельство о браке», «смена
# поликлиники») add this share of the text part of the score: a phrase says more than its words apart.
PHRASE_WEIGHT = 0.1
_LOWEST_SIMILARITY = min(CLIPPED_FORM_WEIGHT, RELATED_FORM_WEIGHT)
CANDIDATES = 50
# F-beta of a match text: beta < 1 values explaining the whole query over using the whole text.
_BETA2 = 1.0
TOP = 3
# Candidates kept for re-ranking (segment, semantic signal) before the top is cut.
RERANKED = 6
# The share of a query's weight in words unknown to the base from which it is never answered outright.
UNKNOWN_ANSWER_LIMIT = 0.5
# An entry written for the other segment (business vs citizen) keeps this share of its score.
OTHER_SEGMENT_FACTOR = 0.85


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
class MatchResult:
    query: str
    decision: Decision
    top: tuple[Candidate, ...] = ()
    terms: tuple[str, ...] = field(default=(), compare=False)
    # The calibrated probability that the best entry is the right one (None under the fixed rule).
    confidence: float | None = field(default=None, compare=False)

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


def calibrated_decision(
    ranked: Sequence[Candidate], facts: QueryFacts, confidence: float, model: Model, thresholds: Thresholds
) -> Decision:
    """The decision from the calibrated confidence of the best entry and the model's cut-offs."""
    if not ranked or ranked[0].score < thresholds.suggest_score:
        return Decision.NONE  # no near-zero options padding a list
    best = ranked[0].score
    second = ranked[1].score if len(ranked) > 1 else 0.0
    ambiguous = facts.ambiguous
    clear = best - second >= thresholds.confirm_margin and not ambiguous
    # Half the query in words the base does not know («курс доллара»): ask, never answer outright.
    if confidence >= model.answer and clear and facts.unknown_share < UNKNOWN_ANSWER_LIMIT:
        return Decision.ANSWER
    if confidence >= model.confirm and clear:
        return Decision.CONFIRM
    if confidence >= model.suggest or (ambiguous and confidence >= model.suggest / 2):
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
    """Matches queries against one knowledge base. Build once; ``match`` does no I/O.

    With a ``calibration`` (the default) the decision comes from a fitted confidence and its cut-offs;
    ``calibration=None`` keeps the fixed score/margin/coverage rule of ``thresholds``. With a
    ``semantic`` signal (once its index is ready) the encoder's nearest entries join the lexical
    candidates, its similarity re-ranks them and feeds the semantic model.
    """

    def __init__(
        self,
        base: KnowledgeBase,
        thresholds: Thresholds | None = None,
        analyzer: Analyzer | None = None,
        calibration: Calibration | bool | None = True,
        semantic: SemanticSignal | None = None,
        index: SearchIndex | None = None,
    ) -> None:
        self.base = base
        self.thresholds = thresholds or Thresholds()
        self.analyzer = analyzer or Analyzer(load_lexicon())
        self.index = index if index is not None else SearchIndex(base, self.analyzer)
        self.calibration = load_calibration() if calibration is True else calibration or None
        self.semantic = semantic
        self.fusion_weight = self.calibration.fusion_weight if self.calibration else DEFAULT_WEIGHT
        self._audience = {entry.id: entry.audience for entry in base.entries.values()}

    @property
    def encoder_ready(self) -> bool:
        """Whether matching uses the sentence encoder now (False without it and while its index warms up)."""
        return self.semantic is not None and self.semantic.current() is not None

    def match(self, query: str, limit: int = TOP, segment: str | None = None) -> MatchResult:
        """Rank the entries for a message and decide; ``segment`` is the person's (citizen/business)."""
        result = self._match_one(query, limit, segment)
        if result.decision in (Decision.ANSWER, Decision.CONFIRM, Decision.SUGGEST):
            several = self._several_questions(query, result, limit, segment)
            if several is not None:
                return several
        return result

    def observe(
        self, query: str, limit: int = TOP, segment: str | None = None
    ) -> tuple[list[Term], list[Candidate], QueryFacts]:
        """The query's terms, the ranked candidates (re-ranked by segment and encoder) and its facts."""
        encoder = self.semantic.current() if self.semantic is not None else None  # None while warming up
        terms = self.analyzer.query_terms(query, self.index.correct, self.index.spell)
        ranked, facts = self._ranked(terms, max(limit, RERANKED if encoder is None else LEXICAL_CANDIDATES))
        if encoder is not None:
            ranked = encoder.fuse(query, ranked, self.fusion_weight)
        if segment in ("citizen", "business") and ranked:
            ranked = self._for_segment(ranked, segment)
        return terms, ranked, facts

    def _match_one(self, query: str, limit: int, segment: str | None) -> MatchResult:
        terms, ranked, facts = self.observe(query, limit, segment)
        decision, confidence = self._decide(ranked, facts)
        if decision in (Decision.ANSWER, Decision.CONFIRM) and self._for_other(ranked[0].id, segment):
            decision = Decision.SUGGEST  # never answer a citizen with a business-only entry, or back
        return MatchResult(query, decision, tuple(ranked[:limit]), tuple(t.text for t in terms), confidence)

    def _decide(self, ranked: list[Candidate], facts: QueryFacts) -> tuple[Decision, float | None]:
        if not ranked:
            return Decision.NONE, None
        if self.calibration is None:
            return decide(ranked, self.thresholds), None
        model = self.calibration.model(ranked[0].semantic_rank >= 0)  # fused by the encoder: the semantic model
        semantic = model is self.calibration.semantic
        confidence = model.confidence(features(ranked, facts, semantic))
        return calibrated_decision(ranked, facts, confidence, model, self.thresholds), confidence

    def _for_other(self, entry_id: str, segment: str | None) -> bool:
        """Whether an entry is meant only for the other segment than the person's."""
        if segment not in ("citizen", "business"):
            return False
        return self._audience.get(entry_id) == ("business" if segment == "citizen" else "citizen")

    def _for_segment(self, ranked: list[Candidate], segment: str) -> list[Candidate]:
        """Entries meant for the other segment rank below those meant for the person's (4.6.5.7)."""
        adjusted = [
            replace(c, score=round(c.score * OTHER_SEGMENT_FACTOR, 1)) if self._for_other(c.id, segment) else c
            for c in ranked
        ]
        adjusted.sort(key=lambda c: (-c.score, c.id))
        return adjusted

    def _several_questions(
        self, query: str, whole: MatchResult, limit: int, segment: str | None
    ) -> MatchResult | None:
        """Two questions in one message, each clearly about a different entry: offer both."""
        asking = asking_sentences(query)
        if len(asking) < 2:
            return None
        found: list[Candidate] = []
        for sentence in asking[:3]:
            part = self._match_one(sentence, TOP, segment)
            if part.decision not in (Decision.ANSWER, Decision.CONFIRM) or part.best is None:
                return None
            if all(part.best.id != c.id for c in found):
                found.append(part.best)
        if len(found) < 2:
            return None
        found.sort(key=lambda c: (-c.score, c.id))  # still best first
        rest = [c for c in whole.top if all(c.id != f.id for f in found)]
        top = tuple([*found, *rest][: max(limit, len(found))])
        return MatchResult(query, Decision.SUGGEST, top, whole.terms, whole.confidence)

    def rank(self, terms: Sequence[Term], limit: int = TOP) -> list[Candidate]:
        """Entries by score, best first (at most ``max(limit, 3)``)."""
        return self._ranked(terms, limit)[0]

    def _ranked(self, terms: Sequence[Term], limit: int) -> tuple[list[Candidate], QueryFacts]:
        index = self.index
        facts = QueryFacts(len(terms), 1.0)
        if not terms or index.size == 0:
            return [], facts
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
            return [], facts
        unknown = sum(w for w, found in zip(weights, expansions, strict=True) if not found)
        facts = QueryFacts(len(terms), unknown / total, *self._spread(expansions))

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
            return [], facts
        k = min(CANDIDATES, count)
        picked = np.argpartition(-coverage, k - 1)[:k] if count > k else np.flatnonzero(coverage)
        order = picked[np.argsort(-coverage[picked], kind="stable")].tolist()

        shares = [w / total for w in weights]
        pairs = adjacent_pairs(shares)
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
            text_bound = _f_bound(cov) + _phrase_bound(cov, pairs)
            if 100.0 * (COVERAGE_SHARE * cov + (1 - COVERAGE_SHARE) * text_bound) < floor:
                break
            best_text, explained, own, phrase = self._texts_match(number, shares, hits_by_term, pairs)
            text_part = best_text + PHRASE_WEIGHT * phrase
            score = min(100.0, 100.0 * (COVERAGE_SHARE * cov + (1 - COVERAGE_SHARE) * text_part))
            scored.append(
                Candidate(index.ids[number], round(score, 1), round((own + explained) / 2, 3), round(cov, 3))
            )
            if len(scored) >= keep:
                scored.sort(key=lambda c: (-c.score, c.id))
                del scored[keep:]
                floor = scored[-1].score
        scored.sort(key=lambda c: (-c.score, c.id))
        return scored[:keep], facts

    def _spread(self, expansions: list[tuple[tuple[str, float], ...]]) -> tuple[int, int]:
        """Entries naming / mentioning the one word of a one-word query (0, 0 for longer queries)."""
        if len(expansions) != 1:
            return 0, 0
        named: set[int] = set()
        mentioned: set[int] = set()
        for base_term, _ in expansions[0]:
            posting = self.index.postings[base_term]
            mentioned.update(posting.entries.tolist())
            named.update(posting.entries[posting.weights >= 1.0].tolist())
        return len(named), len(mentioned)

    def _texts_match(
        self,
        number: int,
        shares: list[float],
        hits_by_term: dict[str, list[tuple[int, float]]],
        pairs: Sequence[tuple[int, int, float]] = (),
    ) -> tuple[float, float, float, float]:
        """Compare the query with each match text of an entry.

        Returns the best F-measure of one text, the largest share of the query one text explains, the
        share explained by all the entry's texts together, and the best ``phrase_share`` of one text.
        """
        idf = self.index.idf
        best_f = 0.0
        explained = 0.0
        phrase = 0.0
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
            if pairs and len(hit) > 1 and any(x in hit and y in hit for x, y, _ in pairs):
                where: dict[int, int] = {}
                for position, term in enumerate(text):
                    for q, _ in hits_by_term.get(term, ()):
                        where.setdefault(q, position)
                phrase = max(phrase, phrase_share(where, pairs))
            recall = covered / mass if mass else 0.0
            if recall:
                f = (1 + _BETA2) * precision * recall / (_BETA2 * precision + recall)
                if f > best_f:
                    best_f = f
        own = sum(shares[q] * similarity for q, similarity in union.items())
        return best_f, explained, own, phrase


def _phrase_bound(coverage: float, pairs: Sequence[tuple[int, int, float]]) -> float:
    """The most the phrase bonus can add for an entry of this coverage.

    Each query term is in at most two pairs and all pairs together weigh at least the whole query, so
    the pairs an entry holds weigh at most twice the query share it matches (a clipped word's similarity
    is the lowest, hence the division).
    """
    if not pairs:
        return 0.0
    return PHRASE_WEIGHT * min(1.0, 2.0 * coverage / _LOWEST_SIMILARITY)


def adjacent_pairs(shares: Sequence[float]) -> list[tuple[int, int, float]]:
    """Neighbouring query terms (by their order in the message) and each pair's share of all pairs."""
    pairs = [(q, q + 1, shares[q] + shares[q + 1]) for q in range(len(shares) - 1)]
    total = sum(weight for _, _, weight in pairs)
    return [(a, b, weight / total) for a, b, weight in pairs] if total > 0 else []


def phrase_share(positions: dict[int, int], pairs: Sequence[tuple[int, int, float]]) -> float:
    """The share of the query's neighbouring pairs that also stand side by side in one text.

    ``positions`` maps a query term to its place among the text's terms (stopwords already dropped).
    """
    share = 0.0
    for a, b, weight in pairs:
        pa, pb = positions.get(a), positions.get(b)
        if pa is not None and pb is not None and abs(pa - pb) == 1:
            share += weight
    return share


