"""A ranked entry and what the ranking measured about it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    score: float
    # The largest share of the query's weight that one question, paraphrase or keyword explains.
    coverage: float = field(default=1.0, compare=False)
    # The share of the query's weight found anywhere in the entry (answers count less).
    matched: float = field(default=1.0, compare=False)
    # Cosine similarity with the query from the sentence encoder (0 when it is off).
    semantic: float = field(default=0.0, compare=False)
    # The entry's place among all entries by that similarity (0 = nearest; -1 = not measured).
    semantic_rank: int = field(default=-1, compare=False)
    # Its cosine minus the query's mean cosine with the base's entries (how far it stands out).
    semantic_lift: float = field(default=0.0, compare=False)
