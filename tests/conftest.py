"""Shared fixtures: paths to the bases, a clean environment, a temporary database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_KB = ROOT / "knowledge_base"
DATA = Path(__file__).resolve().parent / "data"


def shared_eval_dir() -> Path | None:
    """The public development set (shared/eval beside the project), if this checkout has it."""
    candidates = [os.environ.get("BOT_EVAL_SET", ""), str(ROOT.parent / "shared" / "eval")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "queries.tsv").exists():
            return Path(candidate)
    return None


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No BOT_* variable of the developer's shell leaks into a test; work in a temporary folder."""
    for key in list(os.environ):
        if key.startswith("BOT_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def demo_kb() -> Path:
    return DEMO_KB
