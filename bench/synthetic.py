"""Synthetic knowledge bases of any size, for benchmarks: real Russian words in Zipf-like proportions."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from bot.kb import load_knowledge_base
from bot.matching.text import clean, words

_SYLLABLES = [
    "ба", "ве", "ги", "до", "жу", "за", "ки", "ло", "ме", "ну", "по", "ре", "са", "ту",
    "фа", "хо", "це", "чи", "ша", "ще", "ю", "ян", "ост", "ент", "ств", "ник", "ова", "ель",
]


def _vocabulary(seed_dir: Path, size: int, rng: random.Random) -> list[str]:
    base = load_knowledge_base(seed_dir)
    real: dict[str, None] = {}
    for entry in base.entries.values():
        for text in (*entry.match_texts(), entry.answer):
            for word in words(clean(text)):
                if word.isalpha() and len(word) > 2:
                    real.setdefault(word, None)
    vocab = list(real)
    while len(vocab) < size:
        vocab.append("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return vocab


def _phrase(vocab: list[str], rng: random.Random, n: int) -> str:
    # Zipf-like: low ranks (real, common words) are drawn far more often than the long tail.
    return " ".join(vocab[min(int(rng.paretovariate(0.9)) - 1, len(vocab) - 1)] for _ in range(n))


def write_base(target: Path, entries: int, seed_dir: Path, seed: int = 7) -> list[str]:
    """Write ``entries`` synthetic entries as YAML files into ``target``; returns sample queries."""
    rng = random.Random(seed)
    vocab = _vocabulary(seed_dir, max(5000, entries // 2), rng)
    rng.shuffle(vocab[200:])
    target.mkdir(parents=True, exist_ok=True)
    per_file = 500
    queries: list[str] = []
    for start in range(0, entries, per_file):
        items = []
        for number in range(start, min(entries, start + per_file)):
            question = _phrase(vocab, rng, rng.randint(3, 7)) + "?"
            paraphrases = [_phrase(vocab, rng, rng.randint(2, 6)) for _ in range(3)]
            items.append({
                "id": f"e{number}",
                "question": question,
                "paraphrases": paraphrases,
                "keywords": [_phrase(vocab, rng, 1) for _ in range(2)],
                "answer": " ".join(_phrase(vocab, rng, 12) + "." for _ in range(5)),
            })
            if rng.random() < 0.05:
                queries.append(rng.choice(paraphrases) + " " + _phrase(vocab, rng, 2))
        doc = {"category": f"Тема {start // per_file + 1}", "entries": items}
        (target / f"topic-{start // per_file:04d}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return queries
