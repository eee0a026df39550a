"""The base's own metric for the encoder's vectors: within-entry whitening.

An entry's question, paraphrases, keywords and answer say one thing in several ways; the directions in
which they differ from each other are the directions in which wording varies without changing the
question. The metric shrinks those directions a little (relative to the others) before cosines are
taken, so that what tells one entry of the base from another weighs more than how it is put. It is
computed from the base alone, with no labelled queries, whenever a semantic index is set up:

    M = (S_w + shrink · mean eigenvalue · I)⁻¹, where S_w is the covariance of every text's vector
    around its entry's mean vector, and the similarity is qᵀ M v / (√(qᵀ M q) · √(vᵀ M v)).

``shrink`` (``WITHIN_ENTRY_SHRINK``) keeps the transform mild: at 0 it would be a full whitening (noisy
on a base of a few hundred texts), as it grows the metric tends to the plain cosine. It was chosen by
leave-one-set-out on the seven development sets (docs/matching.md, fourth round).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WITHIN_ENTRY_SHRINK = 300.0


@dataclass(frozen=True, slots=True)
class Metric:
    """``matrix`` is M (None: the plain cosine); ``norms`` are √(vᵀ M v) of the base's text vectors."""

    matrix: np.ndarray | None
    norms: np.ndarray

    def cosines(self, vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
        """The query's similarity with every text vector under the metric."""
        if self.matrix is None:
            return vectors @ query
        mq = self.matrix @ query
        length = float(np.sqrt(max(float(query @ mq), 1e-12)))
        return (vectors @ mq) / (self.norms * length)


def within_entry_metric(
    vectors: np.ndarray, groups: np.ndarray, shrink: float = WITHIN_ENTRY_SHRINK
) -> Metric:
    """The metric of a base whose text ``vectors`` belong to entries numbered by ``groups``.

    A base where no entry has two texts (nothing varies within an entry) keeps the plain cosine.
    """
    plain = Metric(None, np.ones(len(vectors), dtype=np.float32))
    if len(vectors) == 0 or shrink <= 0:
        return plain
    data = np.asarray(vectors, dtype=np.float32)
    order = np.argsort(groups, kind="stable")
    ordered = data[order]  # the scatter does not depend on the order of the texts
    kinds = np.asarray(groups)[order]
    starts = np.flatnonzero(np.r_[True, kinds[1:] != kinds[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    means = np.add.reduceat(ordered, starts, axis=0) / counts[:, None].astype(np.float32)
    centred = ordered - means[np.repeat(np.arange(len(counts)), counts)]
    scatter = (centred.T @ centred).astype(np.float64) / len(data)
    eigenvalues, basis = np.linalg.eigh(scatter)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    floor = shrink * float(eigenvalues.mean())
    if floor <= 1e-12:
        return plain
    matrix = ((basis / (eigenvalues + floor)) @ basis.T).astype(np.float32)
    norms = np.sqrt(np.maximum(((data @ matrix) * data).sum(axis=1), 1e-12))
    return Metric(matrix, norms.astype(np.float32))
