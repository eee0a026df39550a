"""Fit the calibrated decision on labelled sets and report it on the others.

    python -m bot.matching.fit --fit SET [SET ...] --report SET [SET ...] [--write] [--semantic]

A SET is a folder laid out like shared/eval/ (kb/, queries.tsv, categories.tsv) or a ``queries.tsv``
file matched against the demo base. Only the ``--fit`` sets shape the coefficients and the cut-offs;
the ``--report`` sets are scored with the result and never looked at while fitting.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.kb import load_knowledge_base
from bot.matching.calibration import DEFAULT_FILE, Calibration, Model
from bot.matching.candidates import Candidate
from bot.matching.evaluation import OUT_OF_SCOPE, Labelled, read_labelled, score, summary
from bot.matching.features import QueryFacts, feature_names, features
from bot.matching.matcher import Decision, Matcher, MatchResult, Thresholds, calibrated_decision
from bot.matching.semantic import LEXICAL_CANDIDATES, Encoder, SemanticIndex, fuse, shared_encoder

DEMO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"
# Held-back margins: the cut-offs are chosen to be stricter on the fit sets than the goal.
WRONG_ANSWERS_ON_FIT = 0.015  # in-scope answers with the wrong entry (the goal: at most 2 %)
OOS_ANSWERS_ON_FIT = 0.025  # out-of-scope questions answered (the goal: at most 3 %)
WRONG_CONFIRMS_ON_FIT = 0.25
L2 = 1.0


@dataclass(frozen=True, slots=True)
class LabelledSet:
    name: str
    kb: Path
    items: tuple[Labelled, ...]


def labelled_set(path: Path) -> LabelledSet:
    """A set folder (kb/ + queries.tsv [+ categories.tsv]), or a queries file for the demo base."""
    if path.is_dir():
        items = read_labelled(path / "queries.tsv", path / "categories.tsv")
        return LabelledSet(path.name, path / "kb", tuple(items))
    return LabelledSet(path.stem, DEMO_KB, tuple(read_labelled(path)))


@dataclass(frozen=True, slots=True)
class Observed:
    """One labelled query as the ranking saw it."""

    item: Labelled
    ranked: tuple[Candidate, ...]
    facts: QueryFacts
    x: np.ndarray | None  # None when nothing was ranked

    @property
    def right(self) -> bool:
        return bool(self.ranked) and self.ranked[0].id == self.item.expected


def observe(matcher: Matcher, items: Sequence[Labelled]) -> list[Observed]:
    semantic = matcher.semantic is not None
    out = []
    for item in items:
        _, ranked, facts = matcher.observe(item.query)
        x = features(ranked, facts, semantic) if ranked else None
        out.append(Observed(item, tuple(ranked), facts, x))
    return out


@dataclass(frozen=True, slots=True)
class Raw:
    """One labelled query before fusion: the lexical candidates and the cosine with every entry."""

    item: Labelled
    lexical: tuple[Candidate, ...]
    facts: QueryFacts
    sims: np.ndarray
    index: SemanticIndex

    def fused(self, weight: float) -> list[Candidate]:
        positions = {entry_id: n for n, entry_id in enumerate(self.index.ids)}
        return fuse(self.lexical, self.sims, self.index.ids, positions, weight)


def observe_raw(base_matcher: Matcher, index: SemanticIndex, items: Sequence[Labelled]) -> list[Raw]:
    out = []
    for item in items:
        _, ranked, facts = base_matcher.observe(item.query, limit=LEXICAL_CANDIDATES)
        out.append(Raw(item, tuple(ranked), facts, index.similarities(item.query), index))
    return out


def fit_fusion(raw: Sequence[Raw], l2: float = 1e-3) -> float:
    """The fusion weight: a conditional logit (softmax over each query's candidates) of "this candidate is
    the right entry" on (lexical score / 100, cosine − nearest cosine); the weight is their ratio · 100."""
    groups = []
    for r in raw:
        pool = r.fused(0.0)  # lexical scores, with the cosines
        if r.item.expected == OUT_OF_SCOPE or all(c.id != r.item.expected for c in pool):
            continue
        top = float(np.max(r.sims))
        z = np.asarray([[c.score / 100.0, c.semantic - top] for c in pool])
        y = np.asarray([1.0 if c.id == r.item.expected else 0.0 for c in pool])
        groups.append((z, y))
    w = np.zeros(2)
    for _ in range(100):
        grad = l2 * w
        hess = l2 * np.eye(2)
        for z, y in groups:
            u = z @ w
            p = np.exp(u - u.max())
            p /= p.sum()
            grad = grad + z.T @ (p - y)
            m = z.T @ p
            hess = hess + (z * p[:, None]).T @ z - np.outer(m, m)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    if w[0] <= 0:
        raise ValueError("the lexical score came out without weight: too few labelled queries to fit")
    return round(float(max(0.0, 100.0 * w[1] / w[0])), 1)


def observe_fused(raw: Sequence[Raw], weight: float) -> list[Observed]:
    out = []
    for r in raw:
        ranked = r.fused(weight)
        x = features(ranked, r.facts, True) if ranked else None
        out.append(Observed(r.item, tuple(ranked), r.facts, x))
    return out


class _Remembering:
    """An encoder that embeds each query once (the fit and the report ask for it several times)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self._queries: dict[str, np.ndarray] = {}

    def query(self, text: str) -> np.ndarray:
        if text not in self._queries:
            self._queries[text] = self.encoder.query(text)
        return self._queries[text]

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.passages(texts)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardise, then Newton's method on the L2-penalised log-loss. Returns mean, scale, weights, bias."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -40, 40)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return mean, scale, w[:-1], float(w[-1])


def _decisions(obs: Sequence[Observed], model: Model, thresholds: Thresholds) -> list[Decision]:
    out = []
    for o in obs:
        if o.x is None:
            out.append(Decision.NONE)
            continue
        out.append(calibrated_decision(o.ranked, o.facts, model.confidence(o.x), model, thresholds))
    return out


def choose_cutoffs(obs: Sequence[Observed], model: Model, thresholds: Thresholds) -> Model:
    """Cut-offs on the fit sets: answers almost never wrong, confirms mostly right, options only
    when they help more in-scope people than they bother out-of-scope ones."""
    grid = [round(v, 3) for v in np.arange(0.02, 0.995, 0.005)]
    in_scope = [o for o in obs if o.item.expected != OUT_OF_SCOPE]
    oos = [o for o in obs if o.item.expected == OUT_OF_SCOPE]
    conf = {id(o): model.confidence(o.x) if o.x is not None else 0.0 for o in obs}

    def wrong_share(cut: float, pool: Sequence[Observed]) -> float:
        over = [o for o in pool if conf[id(o)] >= cut]
        wrong = sum(1 for o in over if not o.right)
        return wrong / max(1, len(in_scope)) if pool is in_scope else wrong / max(1, len(pool))

    answer = next(c for c in [*grid, 1.0] if wrong_share(c, in_scope) <= WRONG_ANSWERS_ON_FIT
                  and wrong_share(c, oos) <= OOS_ANSWERS_ON_FIT)

    def confirm_ok(cut: float) -> bool:
        band = [o for o in obs if cut <= conf[id(o)] < answer]
        return not band or sum(1 for o in band if not o.right) / len(band) <= WRONG_CONFIRMS_ON_FIT

    confirm = next((c for c in grid if c <= answer and confirm_ok(c)), answer)

    def balance(cut: float) -> float:
        trial = Model(model.features, model.mean, model.scale, model.weights, model.bias, answer, confirm, cut)
        decisions = _decisions(obs, trial, thresholds)
        helped = rejected = 0
        for o, d in zip(obs, decisions, strict=True):
            if o.item.expected == OUT_OF_SCOPE:
                rejected += d == Decision.NONE
            elif d != Decision.NONE and o.item.expected in [c.id for c in o.ranked[:3]]:
                helped += 1
        return helped / max(1, len(in_scope)) + rejected / max(1, len(oos))

    suggest = max((c for c in grid if c <= confirm), key=lambda c: (balance(c), -c))
    return Model(model.features, model.mean, model.scale, model.weights, model.bias, answer, confirm, suggest)


def fit(obs: Sequence[Observed], semantic: bool, thresholds: Thresholds) -> Model:
    usable = [o for o in obs if o.x is not None]
    x = np.vstack([o.x for o in usable])
    y = np.asarray([1.0 if o.right else 0.0 for o in usable])
    mean, scale, weights, bias = fit_logistic(x, y)
    model = Model(feature_names(semantic), mean, scale, weights, bias, 1.0, 1.0, 0.0)
    return choose_cutoffs(obs, model, thresholds)


def evaluate(matcher: Matcher, items: Sequence[Labelled]) -> list[MatchResult]:
    return [matcher.match(item.query) for item in items]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", type=Path, nargs="+", required=True)
    parser.add_argument("--report", type=Path, nargs="*", default=[])
    parser.add_argument("--write", action="store_true", help=f"store the result in {DEFAULT_FILE.name}")
    parser.add_argument("--semantic", action="store_true", help="also fit the model with the encoder")
    parser.add_argument("--cache", type=Path, default=Path(".cache/semantic"), help="entry vectors kept here")
    args = parser.parse_args(argv)
    if args.write and not args.semantic:
        parser.error("--write needs --semantic: the encoder is on by default, so the file must carry its model")
    thresholds = Thresholds()
    fit_sets = [labelled_set(p) for p in args.fit]
    report_sets = [labelled_set(p) for p in args.report]
    bases = {s.name: load_knowledge_base(s.kb) for s in fit_sets + report_sets}
    encoder = _Remembering(shared_encoder()) if args.semantic else None
    indexes = {name: SemanticIndex(base, encoder, args.cache / name) for name, base in bases.items()} if encoder else {}
    models: dict[str, Model] = {}
    obs: list[Observed] = []
    for s in fit_sets:
        obs += observe(Matcher(bases[s.name], calibration=None), s.items)
    models["lexical"] = fit(obs, False, thresholds)
    weight = Calibration(models["lexical"], None).fusion_weight
    if args.semantic:
        raw: list[Raw] = []
        for s in fit_sets:
            raw += observe_raw(Matcher(bases[s.name], calibration=None), indexes[s.name], s.items)
        weight = fit_fusion(raw)
        models["semantic"] = fit(observe_fused(raw, weight), True, thresholds)
    calibration = Calibration(models["lexical"], models.get("semantic"), tuple(s.name for s in fit_sets), weight)
    for kind, model in models.items():
        print(f"{kind}: " + json.dumps(model.as_json(), ensure_ascii=False), file=sys.stderr)
    if args.semantic:
        print(f"fusion weight: {weight}", file=sys.stderr)
    rows = []
    for semantic in [False, True] if args.semantic else [False]:
        for s in fit_sets + report_sets:
            matcher = Matcher(bases[s.name], calibration=calibration, semantic=indexes[s.name] if semantic else None)
            report = score(s.items, [r.as_json() for r in evaluate(matcher, s.items)])
            role = "fit" if s in fit_sets else "report"
            rows.append((f"{s.name} ({role}{', semantic' if semantic else ''})", report))
            print(f"## {rows[-1][0]}\n\n{report.table()}\n")
    print(summary(rows))
    if args.write:
        data = {"fitted_on": list(calibration.fitted_on), "lexical": models["lexical"].as_json(),
                "semantic": models["semantic"].as_json() if "semantic" in models else None,
                "fusion": {"weight": weight}}
        DEFAULT_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"written to {DEFAULT_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
