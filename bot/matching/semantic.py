"""The semantic signal: a small multilingual sentence encoder beside the lexical index (optional)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.matching.candidates import Candidate


class SemanticIndex:
    """Entry vectors of a base; placeholder until the encoder lands."""

    def rerank(self, query: str, ranked: Sequence[Candidate]) -> list[Candidate]:
        return list(ranked)


def load_semantic(base: object) -> SemanticIndex | None:
    return None
