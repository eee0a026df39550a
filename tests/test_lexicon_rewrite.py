"""``Lexicon.rewrite`` (C loops, phrase starts found by pairs) gives what the plain left-to-right scan gives."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.matching.lexicon import Lexicon, load_lexicon


def _plain_scan(lexicon: Lexicon, lemmas: Sequence[str]) -> list[str]:
    """The rule as written: at each lemma, the longest phrase rule that matches wins, else the one-word rule."""
    result: list[str] = []
    i, n = 0, len(lemmas)
    while i < n:
        rules = lexicon.multi.get(lemmas[i], {}).get(lemmas[i + 1], []) if i + 1 < n else []
        for rule in rules:  # kept longest first
            if tuple(lemmas[i : i + len(rule.pattern)]) == rule.pattern:
                result.extend(rule.replacement)
                i += len(rule.pattern)
                break
        else:
            result.extend(lexicon.single.get(lemmas[i], (lemmas[i],)))
            i += 1
    return result


def test_rewrite_matches_the_plain_scan_on_random_sequences() -> None:
    lexicon = load_lexicon()
    rng = random.Random(18)
    phrases = [r.pattern for rules in lexicon.multi.values() for bucket in rules.values() for r in bucket]
    words = sorted({w for pattern in phrases for w in pattern})
    words += [*sorted(lexicon.single)[:200], "паспорт", "справка", "получить", "где", "как", "x", "123"]
    for _ in range(3000):
        seq: list[str] = []
        while len(seq) < rng.randint(0, 30):
            seq.extend(rng.choice(phrases)[: rng.randint(1, 4)] if rng.random() < 0.4 else [rng.choice(words)])
        assert lexicon.rewrite(seq) == _plain_scan(lexicon, seq), seq


def test_rules_added_later_are_seen() -> None:
    lexicon = Lexicon()
    assert lexicon.rewrite(["налоговый", "вычет"]) == ["налоговый", "вычет"]
    lexicon.add(("налоговый", "вычет"), ("вычет",))
    lexicon.add(("ип",), ("предприниматель",))
    assert lexicon.rewrite(["налоговый", "вычет", "ип"]) == ["вычет", "предприниматель"]
