"""Build a matcher from the ``[matcher]`` section of the settings."""

from __future__ import annotations

from pathlib import Path

from bot.config import MatcherSection
from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.index_cache import cached_index
from bot.matching.lexicon import DEFAULT_LEXICON, load_lexicon
from bot.matching.matcher import Matcher, Thresholds
from bot.matching.semantic import load_semantic


def thresholds_from(section: MatcherSection) -> Thresholds:
    return Thresholds(
        answer_score=section.answer_score,
        answer_margin=section.answer_margin,
        answer_coverage=section.answer_coverage,
        confirm_score=section.confirm_score,
        confirm_margin=section.confirm_margin,
        suggest_score=section.suggest_score,
    )


def build_matcher(base: KnowledgeBase, section: MatcherSection, cache_dir: Path | None = None) -> Matcher:
    """Raises LexiconError when the extra lexicon file is broken."""
    analyzer = Analyzer(load_lexicon(section.lexicon_file))
    lexicon_files = [DEFAULT_LEXICON, *([section.lexicon_file] if section.lexicon_file else [])]
    index = cached_index(base, analyzer, cache_dir, lexicon_files)
    semantic = load_semantic(base, cache_dir) if section.semantic else None
    calibrated = section.decisions == "calibrated"
    return Matcher(
        base, thresholds_from(section), analyzer, calibration=calibrated, semantic=semantic, index=index
    )
