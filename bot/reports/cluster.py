"""Grouping similar short texts: the matcher's own normalisation, then rapidfuzz similarity.

Texts become lemma strings (slang folded, fillers dropped, typos corrected against the base); two
texts are neighbours when a blend of rapidfuzz's token-set ratio (shared words, order ignored) and
token-sort ratio (the rest of the words count too) reaches a threshold.
Clusters grow around the densest text and take only its direct neighbours, so unrelated questions do
not chain together through a run of slightly similar ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching.analyzer import Analyzer

THRESHOLD = 65.0  # tuned on tests/data/unanswered_clusters.tsv: exact from 62 to 68
SET_WEIGHT = 0.75
_BLOCK = 512

Corrector = Callable[[str], str | None]


def normalise(text: str, analyzer: Analyzer, correct: Corrector | None = None) -> str:
    """Distinct lemmas of a text in order, as one string (empty when nothing meaningful is left)."""
    return " ".join(dict.fromkeys(analyzer.lemmas(text, correct)))


def similarity(a: str, b: str) -> float:
    """0–100: how alike two normalised texts are."""
    return SET_WEIGHT * fuzz.token_set_ratio(a, b) + (1 - SET_WEIGHT) * fuzz.token_sort_ratio(a, b)


def _neighbours(keys: list[str], threshold: float) -> list[np.ndarray]:
    found: list[np.ndarray] = []
    for start in range(0, len(keys), _BLOCK):
        block = keys[start : start + _BLOCK]
        set_ratio = process.cdist(block, keys, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=1)
        sort_ratio = process.cdist(block, keys, scorer=fuzz.token_sort_ratio, dtype=np.float32, workers=1)
        blend = SET_WEIGHT * set_ratio + (1 - SET_WEIGHT) * sort_ratio
        found.extend(np.flatnonzero(row >= threshold) for row in blend)
    return found


def group(keys: Sequence[str], weights: Sequence[float] | None = None, threshold: float = THRESHOLD) -> list[list[int]]:
    """Indexes of ``keys`` in groups, the heaviest group first; each group starts with its centre.

    ``weights`` (say, how many people asked) make popular texts the centres. Empty keys stay alone.
    """
    weights = list(weights) if weights is not None else [1.0] * len(keys)
    unique: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        unique.setdefault(key, []).append(index)
    texts = [k for k in unique if k]
    mass = [sum(weights[i] for i in unique[k]) for k in texts]
    near = _neighbours(texts, threshold) if texts else []
    density = [sum(mass[j] for j in n) for n in near]
    order = sorted(range(len(texts)), key=lambda i: (-density[i], -mass[i], texts[i]))
    taken = [False] * len(texts)
    groups: list[tuple[float, list[int]]] = []
    for centre in order:
        if taken[centre]:
            continue
        members = [centre] + [int(j) for j in near[centre] if not taken[j] and j != centre]
        for j in members:
            taken[j] = True
        indexes = [i for m in members for i in unique[texts[m]]]
        groups.append((sum(mass[m] for m in members), indexes))
    groups.extend((weights[i], [i]) for i in unique.get("", []))
    groups.sort(key=lambda g: -g[0])
    return [g for _, g in groups]
