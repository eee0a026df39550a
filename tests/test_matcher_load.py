"""Loading the matcher fast: the compact cache of the built index."""

from __future__ import annotations

from pathlib import Path

from bot.config import MatcherSection
from bot.kb import load_knowledge_base
from bot.matching import Matcher
from bot.matching.configure import build_matcher
from tests.conftest import DEMO_KB

QUERIES = ["как открыть ипшку", "pfvtyf gfcgjhnf", "kak pomenyat pasport", "паспорт", "привет"]


def test_a_restart_reads_the_index_cache_and_matches_the_same(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    built = build_matcher(base, MatcherSection(), tmp_path)
    files = list(tmp_path.glob("index-*.pickle"))
    assert len(files) == 1
    again = build_matcher(base, MatcherSection(), tmp_path)
    assert again.index is not built.index
    assert again.index.analyzer is again.analyzer
    plain = Matcher(base)
    for query in QUERIES:
        assert again.match(query).as_json() == built.match(query).as_json() == plain.match(query).as_json()


def test_a_broken_or_foreign_index_cache_is_rebuilt(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    build_matcher(base, MatcherSection(), tmp_path)
    (cache,) = tmp_path.glob("index-*.pickle")
    cache.write_bytes(b"not a pickle")
    matcher = build_matcher(base, MatcherSection(), tmp_path)
    assert matcher.match("как открыть ипшку").best.id == "ip-registration"  # type: ignore[union-attr]
    assert cache.read_bytes() != b"not a pickle"  # written anew


def test_a_changed_lexicon_is_a_different_cache(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    build_matcher(base, MatcherSection(), tmp_path)
    lexicon = tmp_path / "extra.toml"
    lexicon.write_text('[synonyms]\n"загранпаспорт" = ["паспорт для поездок"]\n', "utf-8")
    before = {p.name for p in tmp_path.glob("index-*.pickle")}
    build_matcher(base, MatcherSection(lexicon_file=lexicon), tmp_path)
    after = {p.name for p in tmp_path.glob("index-*.pickle")}
    assert before != after


def test_settings_choose_the_decision_rule_and_the_encoder() -> None:
    base = load_knowledge_base(DEMO_KB)
    calibrated = build_matcher(base, MatcherSection())
    assert calibrated.calibration is not None and calibrated.semantic is None
    assert calibrated.match("как открыть ипшку").confidence is not None
    fixed = build_matcher(base, MatcherSection(decisions="thresholds"))
    assert fixed.calibration is None
    result = fixed.match("как открыть ипшку")
    assert result.confidence is None and result.best is not None and result.best.id == "ip-registration"
