"""Leave-one-set-out with the encoder: fit the fusion weight and the semantic model on all sets but one,
score the one left out with the real matcher, for every set in turn.

    python bench/loso.py [--failures OUT.tsv] [SET ...]      # default: the seven development sets

Prints one line per held-out set (top-1, top-3, answered right, confidently wrong, helpful, out of scope
answered, out of scope "nothing found") and the mean; ``--failures`` writes every held-out query that was
not answered right (with its rank, decision and confidence) for reading. ``LOSO_ROOT=<older checkout>``
scores that checkout's matcher (give it its own ``--cache``: the vector cache keeps one base's texts).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("LOSO_ROOT", HERE))  # the checkout whose matcher is scored
sys.path.insert(0, str(ROOT))

from bot.kb import load_knowledge_base  # noqa: E402
from bot.matching.calibration import Calibration  # noqa: E402
from bot.matching.evaluation import OUT_OF_SCOPE, score  # noqa: E402
from bot.matching.features import features  # noqa: E402
from bot.matching.fit import (  # noqa: E402
    Observed,
    _Remembering,
    fit,
    fit_fusion,
    labelled_set,
    observe_fused,
    observe_raw,
)
from bot.matching.matcher import Matcher, Thresholds  # noqa: E402
from bot.matching.semantic import SemanticIndex, shared_encoder  # noqa: E402

SETS = (
    Path("/work/shared/eval"),
    HERE / "tests/data/demo_queries.tsv",
    *(HERE / "tests/data/sets" / name for name in ("health", "civil-jobs", "education", "civil-registry",
                                                   "environment")),
)
QUERY_CACHE = HERE / ".cache" / "loso-queries.pickle"


def _encoder() -> _Remembering:
    encoder = _Remembering(shared_encoder())
    if QUERY_CACHE.exists():
        encoder._queries.update(pickle.loads(QUERY_CACHE.read_bytes()))
    return encoder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", type=Path, nargs="*", default=list(SETS))
    parser.add_argument("--failures", type=Path)
    parser.add_argument("--kinds", action="store_true", help="also top-1 / answered right per kind of query")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache/semantic")
    args = parser.parse_args(argv)
    thresholds = Thresholds()
    encoder = _encoder()
    sets = [labelled_set(p) for p in args.sets]
    bases = {s.name: load_knowledge_base(s.kb) for s in sets}
    indexes = {s.name: SemanticIndex(bases[s.name], encoder, args.cache / s.name) for s in sets}
    raw = {s.name: observe_raw(Matcher(bases[s.name], calibration=None), indexes[s.name], s.items) for s in sets}
    QUERY_CACHE.parent.mkdir(exist_ok=True)
    QUERY_CACHE.write_bytes(pickle.dumps(encoder._queries))
    rows = []
    failures = []
    for held in sets:
        rest = [r for s in sets if s is not held for r in raw[s.name]]
        lexical_obs = [Observed(r.item, r.lexical, r.facts, features(r.lexical, r.facts, False) if r.lexical else None)
                       for r in rest]
        lexical = fit(lexical_obs, False, thresholds)
        weight = fit_fusion(rest)
        semantic = fit(observe_fused(rest, weight), True, thresholds)
        calibration = Calibration(lexical, semantic, (), weight)
        matcher = Matcher(bases[held.name], calibration=calibration, semantic=indexes[held.name])
        results = [matcher.match(item.query) for item in held.items]
        report = score(held.items, [r.as_json() for r in results])
        rows.append((held.name, weight, report))
        for item, result in zip(held.items, results, strict=True):
            ids = [c.id for c in result.top]
            right = item.expected != OUT_OF_SCOPE and ids[:1] == [item.expected]
            if (result.decision.value == "answer" and right) or (
                item.expected == OUT_OF_SCOPE and result.decision.value == "none"
            ):
                continue
            rank = ids.index(item.expected) + 1 if item.expected in ids else 0
            failures.append((held.name, item.category, item.expected, rank, result.decision.value,
                             f"{result.confidence or 0:.2f}", " ".join(ids), item.query.replace("\n", " ")))
    print("| set | w | top-1 | top-3 | answered right | conf. wrong | helpful | OOS answered | OOS nothing found |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    figures = []
    for name, weight, r in rows:
        f = [r.top1_rate, r.top3_rate, r.answered_right_rate, r.confidently_wrong_rate, r.helpful_rate,
             r.oos_answer_rate, r.oos_rejected_rate]
        figures.append(f)
        print(f"| {name} | {weight:.0f} | " + " | ".join(f"{100 * v:.1f}" for v in f) + " |")
    mean = np.mean(np.asarray(figures), axis=0)
    print("| **mean** | | " + " | ".join(f"{100 * v:.1f}" for v in mean) + " |")
    if args.kinds:
        print("\n| set | kind | n | top-1 | answered right |\n|---|---|---:|---:|---:|")
        for name, _, r in rows:
            for kind, (n, top1, _, answered) in sorted(r.by_category.items()):
                print(f"| {name} | {kind} | {n} | {100 * top1 / n:.1f} | {100 * answered / n:.1f} |")
    if args.failures:
        args.failures.write_text("\n".join("\t".join(map(str, f)) for f in failures) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
