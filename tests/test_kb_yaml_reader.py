"""The one-pass YAML reader builds exactly what PyYAML's full loader builds, or leaves the file to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.kb import yaml_reader
from bot.kb.yaml_reader import LineLoader, Mapping, TooBig, check_shape, read_document

ROOT = Path(__file__).resolve().parent.parent


def _full(source: str) -> Any:
    check_shape(source)
    return yaml.load(source, Loader=LineLoader)


def _outcome(read: Any, source: str) -> tuple[str, Any]:
    try:
        return "value", _shape(read(source))
    except TooBig as exc:
        return "too big", (exc.line, exc.message)
    except Exception as exc:  # the same error, with the same text, either way
        return type(exc).__name__, str(exc)


def _shape(value: Any) -> Any:
    """A value with its types and, for mappings, the lines they remember."""
    if isinstance(value, Mapping):
        return ("map", value.line, [(k, value.key_lines[k], _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_shape(v) for v in value])
    return (type(value).__name__, value)


CASES = [
    "category: Тема\nentries:\n  - id: a\n    question: Как?\n    answer: Так.\n",
    "a: 1\nb: 1.5\nc: yes\nd: ~\ne: 2026-11-01\nf: 2026-13-01\ng: '12'\nh: \"2026-11-01\"\ni: 0x1F\n",
    "n: " + "9" * 40 + "\nm: -" + "1" * 19 + "\nk: 1_000\n",
    "2026-01-01: date key\n12: int key\ntrue: bool key\n~: null key\n1.5: float key\n",
    "x: &a [1, 2, {y: z}]\ny: *a\nz: &s text\nw: *s\n",
    "x: &a {k: v}\n<<: *a\n",
    "x: !!str 12\ny: !!int '7'\nz: !!float '1'\nt: !!binary aGVsbG8=\n",
    "x: !custom 1\n",
    "x: !!set {a, b}\ny: !!omap [a: 1]\n",
    "x: 1\nx: 2\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "a: *undefined\n",
    "a: &x 1\nb: &x 2\n",
    "a: &x [*x]\n",
    "--- 1\n--- 2\n",
    "",
    "---\n",
    "just text\n",
    "- a\n- b: c\n  d: [e, {f: g}]\n",
    "a: b: c\n",
    "a: [1, 2\n",
    "a: 'unterminated\n",
    "a: =\nb: <<\n",
    "a: !\"quoted\"\nb: ! plain\n",
    "a:\n  - |\n    literal\n    text\n  - >\n    folded\n    text\n",
    "{a: 1, b: [x, y], c: {d: e}}\n",
    "a: " + "[" * 20 + "]" * 20 + "\n",
    "l0: &l0 [" + ", ".join(['"lol"'] * 10) + "]\n"
    + "".join(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]\n" for n in range(1, 7)),
    "a: &x text\nb: [*x, *x]\n*x : value\n",
    "a: .inf\nb: -.nan\nc: +1\nd: 0o17\ne: 1:30\n",
    "a: 2026-11-01 10:00:00\nb: 2026-11-01T10:00:00Z\n",
]


@pytest.mark.parametrize("source", CASES)
def test_the_fast_reader_agrees_with_the_full_loader(source: str) -> None:
    assert _outcome(read_document, source) == _outcome(_full, source)


@pytest.mark.parametrize("source", CASES)
def test_the_fast_path_builds_exactly_or_steps_aside(source: str) -> None:
    try:
        fast = yaml_reader._read_plain(source)
    except Exception:
        return  # left to the full loader, which the test above compares
    assert _shape(fast) == _shape(_full(source))


def test_every_shipped_base_file_is_read_alike_and_on_the_fast_path() -> None:
    files = sorted((ROOT / "knowledge_base").glob("*.yaml")) + sorted((ROOT / "tests" / "data").rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        source = path.read_text("utf-8")
        if _outcome(_full, source)[0] != "value":
            continue  # fixtures of broken files: compared by the first test's cases
        assert _shape(yaml_reader._read_plain(source)) == _shape(_full(source)), path
