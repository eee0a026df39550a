"""Matcher benchmark: load time, per-query latency and memory on synthetic bases of growing size,
side by side with a plain ``rapidfuzz.process.extractOne(WRatio)`` over the same texts.

Run by hand:  python bench/bench_matcher.py [--sizes 1000 10000 50000] [--queries 300]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import write_base  # noqa: E402
from bot.config import MatcherSection  # noqa: E402
from bot.kb import load_knowledge_base  # noqa: E402
from bot.matching import Matcher  # noqa: E402
from bot.matching.configure import build_matcher  # noqa: E402
from bot.matching.lexicon import load_lexicon  # noqa: E402

REAL_QUERIES = [
    "как открыть ипшку", "потерял паспорт что делать", "pfgbcfnmcz d vaw", "субсидия на оплату жкх",
    "Здравствуйте! Подскажите, пожалуйста, как записаться в МФЦ на приём? Заранее спасибо",
    "льготный проездной для пенсионера", "сколько стоит патент", "привет", "как дела?",
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _timed(fn, queries: list[str]) -> list[float]:
    timings = []
    for query in queries:
        start = time.perf_counter()
        fn(query)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def run(size: int, n_queries: int, workdir: Path) -> dict[str, float]:
    kb_dir = workdir / f"kb-{size}"
    cache_dir = workdir / f"cache-{size}"
    samples = write_base(kb_dir, size, ROOT / "knowledge_base")
    queries = (samples * (n_queries // max(1, len(samples)) + 1))[: n_queries - len(REAL_QUERIES)]
    queries += REAL_QUERIES

    def load() -> tuple[float, float, float, Matcher]:
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        base = load_knowledge_base(kb_dir, cache_dir)
        parsed = time.perf_counter()
        # the lexical path (bench/bench_semantic.py measures the encoder); the index cache beside the parse cache
        matcher = build_matcher(base, MatcherSection(semantic=False), cache_dir)
        return time.perf_counter() - start, parsed - start, time.process_time() - cpu, matcher

    cold, parse_cold, cold_cpu, matcher = load()  # no cache yet: YAML + building the index
    warm, parse_warm, warm_cpu, matcher = load()  # a restart: both caches
    base = matcher.base

    texts = [t for e in base.entries.values() for t in e.match_texts()]

    def naive(query: str) -> object:
        return process.extractOne(query, texts, scorer=fuzz.WRatio)

    ours = _timed(matcher.match, queries)
    theirs = _timed(naive, queries[: max(30, n_queries // 5)])

    del matcher
    gc.collect()
    tracemalloc.start()
    matcher = Matcher(base)
    ours_mem = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del matcher
    gc.collect()
    tracemalloc.start()
    copy = [(t + " ")[:-1] for e in base.entries.values() for t in e.match_texts()]  # own copies
    naive_mem = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del copy
    return {
        "entries": size, "texts": len(texts),
        "load_cold_s": cold, "parse_cold_s": parse_cold, "load_warm_s": warm, "parse_warm_s": parse_warm,
        "cold_cpu_s": cold_cpu, "warm_cpu_s": warm_cpu,
        "ours_mean_ms": statistics.fmean(ours), "ours_p95_ms": _percentile(ours, 0.95),
        "naive_mean_ms": statistics.fmean(theirs), "naive_p95_ms": _percentile(theirs, 0.95),
        "ours_mem_mb": ours_mem, "naive_mem_mb": naive_mem,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    load_lexicon()
    Matcher(load_knowledge_base(ROOT / "knowledge_base")).match("прогрев")  # dictionaries loaded once
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            rows.append(run(size, args.queries, Path(tmp)))
            print(f"… {size} entries done", file=sys.stderr)
    print("| entries | match texts | load, first (YAML + index build) | load, restart (parse + index caches) "
          "| ours: mean / p95 per query | naive WRatio: mean / p95 | ours / naive | index memory | "
          "naive texts memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['entries']:,} | {r['texts']:,} "
            f"| {r['load_cold_s']:.2f} s ({r['parse_cold_s']:.2f} parse; CPU {r['cold_cpu_s']:.2f} s) "
            f"| {r['load_warm_s']:.2f} s ({r['parse_warm_s']:.2f} parse; CPU {r['warm_cpu_s']:.2f} s) "
            f"| {r['ours_mean_ms']:.2f} / {r['ours_p95_ms']:.2f} ms "
            f"| {r['naive_mean_ms']:.2f} / {r['naive_p95_ms']:.2f} ms "
            f"| {r['ours_mean_ms'] / r['naive_mean_ms']:.2f} "
            f"| {r['ours_mem_mb']:.0f} MB | {r['naive_mem_mb']:.0f} MB |"
        )


if __name__ == "__main__":
    main()
