"""The calibrated decision: fitting, the stored model, its cut-offs and the decision it drives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from bot.matching.calibration import DEFAULT_FILE, CalibrationError, Model, read_calibration
from bot.matching.candidates import Candidate
from bot.matching.features import LEXICAL, SEMANTIC, QueryFacts, features
from bot.matching.fit import fit_logistic
from bot.matching.matcher import Decision, Thresholds, calibrated_decision


def test_the_shipped_calibration_loads_and_says_what_it_was_fitted_on() -> None:
    calibration = read_calibration(DEFAULT_FILE)
    assert calibration.lexical.features == LEXICAL
    assert calibration.fitted_on  # the sets named in docs/matching.md
    assert calibration.semantic is None or calibration.semantic.features == LEXICAL + SEMANTIC
    for model in (calibration.lexical, calibration.semantic):
        if model is not None:
            assert 0 < model.suggest <= model.confirm <= model.answer < 1


def test_a_broken_calibration_file_is_a_clear_error(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_FILE.read_text("utf-8"))
    data["lexical"]["weights"] = data["lexical"]["weights"][:-1]
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(CalibrationError, match="feature list"):
        read_calibration(path)
    path.write_text("{", "utf-8")
    with pytest.raises(CalibrationError):
        read_calibration(path)


def test_logistic_fit_separates_what_is_separable() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 0.5 * x[:, 1] > 0).astype(float)
    mean, scale, weights, bias = fit_logistic(x, y)
    model = Model(("a", "b", "c"), mean, scale, weights, bias, 0.9, 0.5, 0.1)
    predicted = np.array([model.confidence(row) for row in x]) > 0.5
    assert (predicted == y.astype(bool)).mean() > 0.95
    assert weights[0] > 0 > weights[1] and abs(weights[2]) < abs(weights[1])


def _model(answer: float = 0.9, confirm: float = 0.6, suggest: float = 0.3) -> Model:
    n = len(LEXICAL)
    return Model(LEXICAL, np.zeros(n), np.ones(n), np.zeros(n), 0.0, answer, confirm, suggest)


def test_decision_follows_the_cutoffs_and_the_guards() -> None:
    th = Thresholds()
    facts = QueryFacts(term_count=3, unknown_share=0.0)
    ranked = [Candidate("a", 90, 1.0, 1.0), Candidate("b", 40)]
    model = _model()
    assert calibrated_decision(ranked, facts, 0.95, model, th) == Decision.ANSWER
    assert calibrated_decision(ranked, facts, 0.7, model, th) == Decision.CONFIRM
    assert calibrated_decision(ranked, facts, 0.4, model, th) == Decision.SUGGEST
    assert calibrated_decision(ranked, facts, 0.1, model, th) == Decision.NONE
    # two entries neck and neck: offer both, never answer one
    close = [Candidate("a", 90, 1.0), Candidate("b", 88)]
    assert calibrated_decision(close, facts, 0.99, model, th) == Decision.SUGGEST
    # a bare word several entries name: options
    bare = QueryFacts(term_count=1, unknown_share=0.0, named_by=3, mentioned_by=5)
    assert bare.ambiguous
    assert calibrated_decision(ranked, bare, 0.99, model, th) == Decision.SUGGEST
    # half the query unknown to the base: asked, not answered
    unknown = QueryFacts(term_count=2, unknown_share=0.5)
    assert calibrated_decision(ranked, unknown, 0.99, model, th) == Decision.CONFIRM
    # nothing near-zero is offered
    assert calibrated_decision([Candidate("a", 10)], facts, 0.99, model, th) == Decision.NONE
    assert calibrated_decision([], facts, 0.99, model, th) == Decision.NONE
    # ... except in a message of several sentences, whose story dilutes every entry's score
    story = QueryFacts(term_count=15, unknown_share=0.1, sentences=4)
    assert calibrated_decision([Candidate("a", 18), Candidate("b", 9)], story, 0.7, model, th) == Decision.CONFIRM
    assert calibrated_decision([Candidate("a", 18), Candidate("b", 9)], story, 0.1, model, th) == Decision.NONE


def test_features_are_in_the_order_of_their_names() -> None:
    ranked = [Candidate("a", 80, 0.9, 0.8, 0.9, 0), Candidate("b", 50, 0.5, 0.5, 0.85, 1)]
    facts = QueryFacts(term_count=4, unknown_share=0.25)
    lexical = features(ranked, facts, semantic=False)
    assert len(lexical) == len(LEXICAL)
    named = dict(zip(LEXICAL, lexical, strict=True))
    assert named["score"] == pytest.approx(0.8) and named["margin"] == pytest.approx(0.3)
    assert named["unknown"] == pytest.approx(0.25)
    both = dict(zip(LEXICAL + SEMANTIC, features(ranked, facts, semantic=True), strict=True))
    assert both["semantic_margin"] == pytest.approx(0.05) and both["semantic_agrees"] == 1.0


def test_the_fusion_weight_is_read_and_an_outdated_semantic_model_is_not_used(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_FILE.read_text("utf-8"))
    assert read_calibration(DEFAULT_FILE).semantic is not None  # the encoder is on by default: it must be there
    path = tmp_path / "calibration.json"
    data["fusion"] = {"weight": 500.0}
    path.write_text(json.dumps(data), "utf-8")
    assert read_calibration(path).fusion_weight == 500.0
    data["fusion"] = {"weight": -1}
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(CalibrationError, match="fusion weight"):
        read_calibration(path)
    # a semantic model of an older feature list (three semantic features): the lexical model decides
    old = dict(data["semantic"], features=list(LEXICAL + SEMANTIC[:3]))
    for key in ("mean", "scale", "weights"):
        old[key] = data["semantic"][key][:-1]
    data.update(semantic=old, fusion={"weight": 500.0})
    path.write_text(json.dumps(data), "utf-8")
    calibration = read_calibration(path)
    assert calibration.model(True) is calibration.lexical


def test_the_fusion_fit_recovers_the_weight_that_ranks_right() -> None:
    from bot.matching.evaluation import Labelled
    from bot.matching.fit import Raw, fit_fusion

    rng = np.random.default_rng(3)

    class Index:
        ids: ClassVar[list[str]] = [f"e{n}" for n in range(8)]

    raw = []
    for q in range(300):
        lexical = rng.uniform(20, 80, 8)
        sims = rng.uniform(0.80, 0.90, 8).astype(np.float32)
        # the truth follows lexical + 500·cosine, with noise
        utility = lexical / 100 + 5.0 * sims + rng.gumbel(0, 0.15, 8)
        expected = Index.ids[int(np.argmax(utility))]
        ranked = tuple(sorted((Candidate(i, round(float(s), 1)) for i, s in zip(Index.ids, lexical, strict=True)),
                              key=lambda c: -c.score))
        raw.append(Raw(Labelled(f"q{q}", expected), ranked, QueryFacts(3, 0.0), sims, Index()))  # type: ignore[arg-type]
    assert 350 < fit_fusion(raw) < 700
