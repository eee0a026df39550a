"""Russian FAQ matching: normalisation, lexicon, index and the answer/confirm/suggest/none decision."""

from bot.matching.matcher import Candidate, Decision, Matcher, MatchResult, Thresholds

__all__ = ["Candidate", "Decision", "MatchResult", "Matcher", "Thresholds"]
