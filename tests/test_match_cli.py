"""The CLI contract of shared/kb-format.md and the matcher's quality on labelled sets, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.matching.evaluation import Labelled, read_labelled, score
from tests.conftest import DATA, DEMO_KB, ROOT, shared_eval_dir


def run_cli(kb: Path, lines: list[str]) -> list[dict]:
    """Feed queries to ``python -m bot match --kb DIR --jsonl`` exactly as the contract says."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "match", "--kb", str(kb), "--jsonl"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
        check=False, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_one_json_object_per_line_in_order() -> None:
    queries = ["как открыть ипшку", "", "😀", "x" * 100_000, "rfr pfgbcfnmcz d vaw"]
    results = run_cli(DEMO_KB, queries)
    assert len(results) == len(queries)
    for query, result in zip(queries, results, strict=True):
        assert result["query"] == query
        assert result["decision"] in {"answer", "confirm", "suggest", "none"}
        assert len(result["top"]) <= 3
        for candidate in result["top"]:
            assert set(candidate) == {"id", "score"}
            assert 0 <= candidate["score"] <= 100
    assert results[0]["decision"] == "answer"
    assert results[0]["top"][0]["id"] == "ip-registration"
    assert results[1] == {"query": "", "decision": "none", "top": []}
    assert results[2]["decision"] == "none"


def test_binary_junk_on_stdin_is_not_a_crash() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "match", "--kb", str(DEMO_KB), "--jsonl"],
        input=b"\xff\xfe\x00\x01garbage\n\x80\x81\n", capture_output=True, cwd=ROOT, check=False, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2
    assert all(json.loads(line)["decision"] == "none" for line in lines)


def test_broken_base_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("category: x\nentries: nope\n", "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "match", "--kb", str(tmp_path), "--jsonl"],
        input="тест\n", capture_output=True, text=True, cwd=ROOT, check=False, timeout=120,
    )
    assert proc.returncode == 1
    assert "a.yaml:2: `entries` must be a non-empty list" in proc.stderr
    assert "Traceback" not in proc.stderr


def _evaluate(kb: Path, labelled: list[Labelled], title: str, capsys: pytest.CaptureFixture[str]):
    results = run_cli(kb, [item.query for item in labelled])
    report = score(labelled, results)
    with capsys.disabled():
        print(f"\n\n{title}\n{report.table()}\n")
    return report


def _assert_floors(report) -> None:
    assert report.top1_rate >= 0.90
    assert report.top3_rate >= 0.97
    assert report.confidently_wrong_rate <= 0.03
    assert report.oos_answer_rate <= 0.05


def test_public_development_set(capsys: pytest.CaptureFixture[str]) -> None:
    """shared/eval: a base of its own plus 160 labelled queries (top-1 ≥ 90 %, top-3 ≥ 97 %, …)."""
    eval_dir = shared_eval_dir()
    if eval_dir is None:
        pytest.skip("shared/eval is not beside this checkout (set BOT_EVAL_SET to its folder)")
    labelled = read_labelled(eval_dir / "queries.tsv", eval_dir / "categories.tsv")
    assert len(labelled) == 160
    _assert_floors(_evaluate(eval_dir / "kb", labelled, "Public development set (shared/eval)", capsys))


def test_demo_base_queries(capsys: pytest.CaptureFixture[str]) -> None:
    """The project's own labelled queries for the demo base, written apart from the matcher's tuning."""
    labelled = read_labelled(DATA / "demo_queries.tsv")
    assert len(labelled) >= 150
    _assert_floors(_evaluate(DEMO_KB, labelled, "Demo knowledge base (tests/data/demo_queries.tsv)", capsys))


FLOOR_SETS = ("civil-jobs", "education", "health")  # development sets; the held-back ones are not asserted on


def test_eval_reports_every_set_and_the_development_sets_hold_their_floors(capsys: pytest.CaptureFixture[str]) -> None:
    """``bot eval`` over several sets: each set's table, then one line per set with the issue's figures.

    The decision is fitted on the seven development sets (shared/eval, the demo set, health, civil-jobs,
    education, civil-registry, environment); legal-aid and culture-sport are held back and reported in
    docs/matching.md, not asserted here. These floors sit under the lexical path's figures; out of scope,
    a set of ~35 such questions may have two answered.
    """
    dirs = [DATA / "sets" / name for name in FLOOR_SETS]
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "eval", *map(str, dirs)],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, check=False, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    with capsys.disabled():
        print("\n\nDevelopment sets (bot eval)\n" + proc.stdout[proc.stdout.index("| set |"):])
    summary = proc.stdout[proc.stdout.index("| set |"):].splitlines()
    assert "answered right" in summary[0] and "oos nothing found" in summary[0]
    for name in FLOOR_SETS:
        row = next(line for line in summary if line.startswith(f"| {name} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        top1, top3, answered, wrong, _, _, oos_answered, oos_none = (float(c.rstrip("%")) for c in cells[2:])
        assert top1 >= 84 and top3 >= 93, row
        assert answered >= 55 and wrong <= 2.0, row
        assert oos_answered <= 6.0 and oos_none >= 65, row


def test_eval_of_a_folder_without_queries_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=120,
    )
    assert proc.returncode == 2
    assert "queries.tsv does not exist" in proc.stderr
