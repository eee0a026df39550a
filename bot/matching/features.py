"""What the ranking knows about its best entry, as numbers a calibrated model turns into a confidence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.candidates import Candidate

LEXICAL = ("score", "margin", "coverage", "matched", "unknown", "terms", "single")
SEMANTIC = ("semantic", "semantic_margin", "semantic_agrees", "semantic_lift")


@dataclass(frozen=True, slots=True)
class QueryFacts:
    """Facts about the query itself, found while ranking."""

    term_count: int
    # Share of the query's weight carried by words the base does not know at all.
    unknown_share: float
    # For a one-word query: how many entries name the word in their own texts, and mention it at all.
    named_by: int = 0
    mentioned_by: int = 0
    # Sentences in the message: a story around a question dilutes its words' score (see calibrated_decision).
    sentences: int = 1

    @property
    def ambiguous(self) -> bool:
        """A bare word several entries share («паспорт», «справка»): a choice for the person."""
        return self.term_count == 1 and self.named_by >= 2


def feature_names(semantic: bool) -> tuple[str, ...]:
    return LEXICAL + SEMANTIC if semantic else LEXICAL


def features(ranked: Sequence[Candidate], facts: QueryFacts, semantic: bool) -> np.ndarray:
    """The feature vector of a ranked list (best first), in the order of ``feature_names``."""
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    values = [
        best.score / 100.0,
        (best.score - (second.score if second else 0.0)) / 100.0,
        best.coverage,
        best.matched,
        facts.unknown_share,
        math.log1p(facts.term_count),
        1.0 if facts.term_count <= 1 else 0.0,
    ]
    if semantic:
        others = [c.semantic for c in ranked[1:]]
        values += [
            best.semantic,
            best.semantic - (max(others) if others else 0.0),
            1.0 if best.semantic_rank == 0 else 0.0,
            best.semantic_lift,
        ]
    return np.asarray(values, dtype=np.float64)
