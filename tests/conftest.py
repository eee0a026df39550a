"""Shared fixtures: paths to the bases, a clean environment, a temporary database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.matching import semantic
from tests import postgres

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
    # The sentence encoder is on by default ("auto"); only its own tests embed bases (tests/test_semantic.py),
    # in this process and in the bot processes tests start.
    monkeypatch.setattr(semantic, "AUTO_ON", False)
    monkeypatch.setenv("BOT_MATCHER__SEMANTIC", "false")
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def demo_kb() -> Path:
    return DEMO_KB


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: the test's PostgreSQL run (needs BOT_TEST_POSTGRES_URL; skipped without it)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that asks for ``db_url`` (as an argument or through ``usefixtures``) runs on both engines."""
    if "db_url" in metafunc.fixturenames:
        skip = pytest.mark.skipif(not postgres.SERVER_URL, reason="BOT_TEST_POSTGRES_URL is not set")
        metafunc.parametrize(
            "db_url", ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, skip])], indirect=True
        )


@pytest.fixture
def db_url(
    request: pytest.FixtureRequest, _clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An empty database for this test, on SQLite and (with BOT_TEST_POSTGRES_URL) on PostgreSQL.

    Its URL is returned and, for PostgreSQL, also put in ``BOT_DATABASE__URL`` so that settings loaded
    from the environment use it. On SQLite it is the default file ``data/bot.sqlite3`` of the test's folder.
    Opt a whole module in with ``pytestmark = pytest.mark.usefixtures("db_url")``.
    """
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
        return
    url = postgres.create_database()
    monkeypatch.setenv("BOT_DATABASE__URL", url)
    try:
        yield url
    finally:
        postgres.drop_database(url)
