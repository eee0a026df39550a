"""The pre-matching safety checks on phrase sets: emergencies found, requests for a person found, false
alarms on ordinary questions (the demo queries and base, the shared evaluation set and its base), and the
time per message. Printed as a table; run by hand: ``python -m bench.bench_safety``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bot.dialogue.emergency import detect
from bot.dialogue.person_request import person_request
from bot.dialogue.phrases import tokens
from bot.kb import load_knowledge_base

ROOT = Path(__file__).resolve().parent.parent
SAFETY = ROOT / "tests" / "data" / "safety"
EVAL = ROOT.parent / "shared" / "eval"


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and line[0] != "#"]


def _kb(path: Path) -> list[str]:
    if not path.exists():
        return []
    texts: list[str] = []
    for entry in load_knowledge_base(path).entries.values():
        texts += [entry.question, *entry.paraphrases]
    return texts


def _row(name: str, texts: list[str], check: Callable[[str, list[str]], object], want: bool,
         flagged: str = "false alarms") -> str:
    said = [tokens(t) for t in texts]
    started = time.perf_counter()
    hits = sum(check(t, s) is not None for t, s in zip(texts, said, strict=True))
    ms = (time.perf_counter() - started) * 1000 / max(1, len(texts))
    shown = f"{hits} found" if want else f"{hits} {flagged}"
    return f"| {name} | {len(texts)} | {shown} | {ms:.2f} |"


def main() -> None:
    emergencies = [line.split("\t", 1)[1] for line in _lines(SAFETY / "emergencies.tsv")]
    requests = [line.split("\t", 1)[1] for line in _lines(SAFETY / "person_requests.tsv")]
    ordinary = {
        "demo queries": [line.split("\t")[0] for line in _lines(ROOT / "tests" / "data" / "demo_queries.tsv")],
        "demo base questions": _kb(ROOT / "knowledge_base"),
        "false-alarm list": _lines(SAFETY / "false_alarms.txt"),
        "shared eval queries": [line.split("\t")[0] for line in _lines(EVAL / "queries.tsv")][1:],
        "shared eval base": _kb(EVAL / "kb"),
    }
    for held in sorted((ROOT / "tests" / "data" / "sets").glob("*/")):  # the matcher's held-out sets
        ordinary[f"held-out {held.name} queries"] = [line.split("\t")[0] for line in _lines(held / "queries.tsv")]
        ordinary[f"held-out {held.name} base"] = _kb(held / "kb")
    print("| set | messages | result | ms / message |")
    print("|---|---|---|---|")
    print(_row("emergencies (112)", emergencies, detect, True))
    for name, texts in ordinary.items():
        if texts:
            print(_row(f"{name}: emergency", texts, detect, False))
    print(_row("requests for a person", requests, person_request, True))
    for name, texts in ordinary.items():
        if texts:
            # query sets hold real requests for a person too («позовите оператора», labelled «-»): read them
            print(_row(f"{name}: person request", texts, person_request, False, "flagged"))


if __name__ == "__main__":
    main()
