"""Build a matcher from the ``[matcher]`` section of the settings."""

from __future__ import annotations

from pathlib import Path

from bot.config import MatcherSection
from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.index_cache import cached_index
from bot.matching.lexicon import DEFAULT_LEXICON, load_lexicon
from bot.matching.matcher import Matcher, Thresholds
from bot.matching.semantic import SemanticIndex, SemanticSignal, shared_encoder, start_semantic, wanted


def thresholds_from(section: MatcherSection) -> Thresholds:
    return Thresholds(
        answer_score=section.answer_score,
        answer_margin=section.answer_margin,
        answer_coverage=section.answer_coverage,
        confirm_score=section.confirm_score,
        confirm_margin=section.confirm_margin,
        suggest_score=section.suggest_score,
    )


def build_matcher(
    base: KnowledgeBase,
    section: MatcherSection,
    cache_dir: Path | None = None,
    *,
    previous: Matcher | None = None,
    background: bool = False,
) -> Matcher:
    """Raises LexiconError when the extra lexicon file is broken.

    With the encoder on, the base's texts are embedded now (``background=False``: command-line tools) or
    in a background thread while the matcher answers on the lexical path (the running bot). Vectors in
    ``cache_dir`` and in the ``previous`` matcher's index are reused.
    """
    analyzer = Analyzer(load_lexicon(section.lexicon_file))
    lexicon_files = [DEFAULT_LEXICON, *([section.lexicon_file] if section.lexicon_file else [])]
    index = cached_index(base, analyzer, cache_dir, lexicon_files)
    semantic: SemanticSignal | None = None
    if wanted(section.semantic):
        prior = previous.semantic if previous is not None else None
        if background:
            semantic = start_semantic(base, cache_dir, prior)
        else:
            semantic = SemanticIndex(base, shared_encoder(), cache_dir, prior.by_key() if prior else None)
    calibrated = section.decisions == "calibrated"
    return Matcher(
        base, thresholds_from(section), analyzer, calibration=calibrated, semantic=semantic, index=index
    )
