"""The matcher's quality per labelled set and per kind of query, as markdown, for docs/matching.md.

    python bench/quality.py run --out after.json SET [SET ...]         # score the matcher of this checkout
    python bench/quality.py table before.json after.json               # the before/after tables

A SET is a folder like shared/eval/ (kb/, queries.tsv, categories.tsv) or a queries.tsv file for the demo
base. ``run`` needs only ``Matcher(base).match`` and ``load_knowledge_base``, so it also scores an older
checkout (PYTHONPATH=<old tree>) for the "before" column.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = (
    ("top1", "top-1"), ("top3", "top-3"), ("answered_right", "answered directly and right"),
    ("confidently_wrong", "confidently wrong"), ("helpful", "helpful"), ("oos_answered", "out of scope answered"),
    ("oos_none", "out of scope \"nothing found\""),
)


def _read(path: Path) -> tuple[str, Path, list[tuple[str, str, str]]]:
    if path.is_dir():
        queries = (path / "queries.tsv").read_text("utf-8").splitlines()
        cats_file = path / "categories.tsv"
        cats = cats_file.read_text("utf-8").splitlines() if cats_file.exists() else []
        kb, name = path / "kb", path.name
    else:
        queries, cats, kb, name = path.read_text("utf-8").splitlines(), [], ROOT / "knowledge_base", path.stem
    rows = []
    for n, line in enumerate(q for q in queries if q.strip()):
        query, _, expected = line.rpartition("\t")
        category = cats[n].rsplit("\t", 1)[1] if n < len(cats) else ""
        rows.append((query, expected.strip(), category))
    return name, kb, rows


def run(sets: list[Path], out: Path, semantic: bool, cache: Path) -> None:
    from bot.kb import load_knowledge_base
    from bot.matching import Matcher

    data: dict[str, dict] = {}
    for path in sets:
        name, kb, rows = _read(path)
        base = load_knowledge_base(kb)
        if semantic:
            from bot.matching.semantic import load_semantic

            matcher = Matcher(base, semantic=load_semantic(base, cache / name))
        else:
            matcher = Matcher(base)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for query, expected, category in rows:
            result = matcher.match(query)
            decision = result.decision.value
            top = [c.id for c in result.top]
            for key in ("all", category or "-"):
                c = counts[key] if expected != "-" else counts["oos"]
                if expected == "-":
                    c["n"] += 1
                    c["oos_answered"] += decision == "answer"
                    c["oos_none"] += decision == "none"
                    break
                right1, right3 = top[:1] == [expected], expected in top[:3]
                c["n"] += 1
                c["top1"] += right1
                c["top3"] += right3
                c["answered_right"] += decision == "answer" and right1
                c["confidently_wrong"] += decision == "answer" and not right1
                c["helpful"] += (decision in ("answer", "confirm") and right1) or (decision == "suggest" and right3)
        data[name] = {k: dict(v) for k, v in counts.items()}
        print(f"… {name} done", file=sys.stderr)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


def _pct(c: dict, key: str) -> str:
    return f"{100 * c.get(key, 0) / c['n']:.1f}" if c.get("n") else "—"


def table(runs: list[Path]) -> None:
    loaded = [(p.stem, json.loads(p.read_text("utf-8"))) for p in runs]
    names = list(loaded[-1][1])
    print("| set | figure | " + " | ".join(label for label, _ in loaded) + " |")
    print("|---|---|" + "---:|" * len(loaded))
    for name in names:
        for key, title in FIGURES:
            part = "oos" if key.startswith("oos") else "all"
            cells = [_pct(data.get(name, {}).get(part, {}), key) for _, data in loaded]
            print(f"| {name} | {title} | " + " | ".join(cells) + " |")
    print()
    print("Per kind of query (top-1 / answered directly and right, %):\n")
    print("| set | kind | n | " + " | ".join(label for label, _ in loaded) + " |")
    print("|---|---|---:|" + "---:|" * len(loaded))
    for name in names:
        kinds = sorted(k for k in loaded[-1][1][name] if k not in ("all", "oos"))
        for kind in kinds:
            n = loaded[-1][1][name][kind]["n"]
            cells = []
            for _, data in loaded:
                c = data.get(name, {}).get(kind, {})
                cells.append(f"{_pct(c, 'top1')} / {_pct(c, 'answered_right')}")
            print(f"| {name} | {kind} | {n} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--semantic", action="store_true", help="with the optional encoder")
    r.add_argument("--cache", type=Path, default=Path(".cache/semantic"), help="entry vectors kept here")
    r.add_argument("sets", type=Path, nargs="+")
    t = sub.add_parser("table")
    t.add_argument("runs", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "run":
        run(args.sets, args.out, args.semantic, args.cache)
    else:
        table(args.runs)


if __name__ == "__main__":
    main()
