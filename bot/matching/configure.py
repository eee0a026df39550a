"""Build a matcher from the ``[matcher]`` section of the settings."""

from __future__ import annotations

from bot.config import MatcherSection
from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.lexicon import load_lexicon
from bot.matching.matcher import Matcher, Thresholds


def thresholds_from(section: MatcherSection) -> Thresholds:
    return Thresholds(
        answer_score=section.answer_score,
        answer_margin=section.answer_margin,
        answer_coverage=section.answer_coverage,
        confirm_score=section.confirm_score,
        confirm_margin=section.confirm_margin,
        suggest_score=section.suggest_score,
    )


def build_matcher(base: KnowledgeBase, section: MatcherSection) -> Matcher:
    """Raises LexiconError when the extra lexicon file is broken."""
    analyzer = Analyzer(load_lexicon(section.lexicon_file))
    return Matcher(base, thresholds_from(section), analyzer)
