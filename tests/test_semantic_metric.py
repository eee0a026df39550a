"""The base's own metric for the encoder's vectors (within-entry whitening), on made-up vectors."""

from __future__ import annotations

import numpy as np
import pytest

from bot.matching.semantic_metric import within_entry_metric


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_it_is_the_cosine_after_shrinking_the_directions_an_entrys_own_texts_vary_in() -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng.normal(size=(12, 6)).tolist())
    groups = np.repeat(np.arange(4), 3)
    metric = within_entry_metric(vectors, groups, shrink=2.0)
    # the same figure computed the long way: T = (S_w + floor·I)^-1/2, cosines of T·v and T·q
    data = vectors.astype(np.float64)
    means = np.vstack([data[groups == g].mean(axis=0) for g in range(4)])
    centred = data - means[groups]
    values, basis = np.linalg.eigh(centred.T @ centred / len(data))
    t = (basis / np.sqrt(values + 2.0 * values.mean())) @ basis.T
    query = _unit([rng.normal(size=6).tolist()])[0]
    a, b = data @ t, t @ query
    expected = (a @ b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b))
    assert metric.cosines(vectors, query) == pytest.approx(expected, abs=1e-5)


def test_a_query_worded_differently_still_finds_the_entry_the_base_sets_apart() -> None:
    # two entries told apart by axis 0; each entry's own texts differ along axis 1 (wording)
    vectors = _unit([[1, 0.5, 0], [1, -0.5, 0], [-0.3, 1, 0], [-0.3, -1, 0]])
    groups = np.asarray([0, 0, 1, 1])
    query = _unit([[0.3, 1, 0]])[0]  # on entry 0's side, worded much like entry 1's first text
    plain = vectors @ query
    assert int(np.argmax(plain)) == 2  # the plain cosine is carried off by the wording
    metric = within_entry_metric(vectors, groups, shrink=0.05)
    assert int(np.argmax(metric.cosines(vectors, query))) in (0, 1)


def test_nothing_to_learn_from_keeps_the_plain_cosine() -> None:
    vectors = _unit([[1, 0, 0], [0, 1, 0]])
    query = _unit([[1, 1, 0]])[0]
    one_text_each = within_entry_metric(vectors, np.asarray([0, 1]))
    assert one_text_each.matrix is None
    assert one_text_each.cosines(vectors, query) == pytest.approx(vectors @ query)
    assert within_entry_metric(np.zeros((0, 3), np.float32), np.zeros(0, int)).matrix is None
    assert within_entry_metric(vectors, np.asarray([0, 0]), shrink=0).matrix is None


def test_a_mild_shrink_stays_close_to_the_plain_cosine() -> None:
    rng = np.random.default_rng(2)
    vectors = _unit(rng.normal(size=(30, 8)).tolist())
    groups = np.repeat(np.arange(10), 3)
    query = _unit([rng.normal(size=8).tolist()])[0]
    far = within_entry_metric(vectors, groups, shrink=1e6).cosines(vectors, query)
    assert far == pytest.approx(vectors @ query, abs=1e-4)
