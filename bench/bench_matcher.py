"""Matcher benchmark: load time, per-query latency and memory on synthetic bases of growing size,
side by side with a plain ``rapidfuzz.process.extractOne(WRatio)`` over the same texts.

Loads are timed three ways: the first load of a new base in this process (no cache: YAML, checks, index
build, both caches written; pymorphy's dictionaries already open), a restart from the caches, and the
first load in a fresh process (dictionaries opened and every word parsed for the first time, imports not
counted). CPU time (``time.process_time``) is printed beside wall time: the machine may be shared.

Run by hand:  python bench/bench_matcher.py [--sizes 1000 10000 50000] [--queries 300]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
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

    def load() -> tuple[dict[str, float], Matcher]:
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        base = load_knowledge_base(kb_dir, cache_dir)
        parsed_cpu = time.process_time()
        matcher = build_matcher(base, MatcherSection(semantic=False), cache_dir)  # lexical; index cache beside it
        end, end_cpu = time.perf_counter(), time.process_time()
        return {"wall": end - start, "cpu": end_cpu - cpu, "parse_cpu": parsed_cpu - cpu,
                "build_cpu": end_cpu - parsed_cpu}, matcher

    fresh = _fresh_process_load(kb_dir, workdir / f"fresh-cache-{size}")
    cold, matcher = load()  # no cache yet: YAML, checks, the index built, both caches written
    warm, matcher = load()  # a restart: both caches
    base = matcher.base

    texts = [t for e in base.entries.values() for t in e.match_texts()]

    def naive(query: str) -> object:
        return process.extractOne(query, texts, scorer=fuzz.WRatio)

    ours = _timed(matcher.match, queries)
    ours_p50 = _percentile(ours, 0.5)
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
        "entries": size, "texts": len(texts), "cold": cold, "warm": warm, "fresh": fresh,
        "ours_p50_ms": ours_p50, "ours_mean_ms": statistics.fmean(ours), "ours_p95_ms": _percentile(ours, 0.95),
        "naive_mean_ms": statistics.fmean(theirs), "naive_p95_ms": _percentile(theirs, 0.95),
        "ours_mem_mb": ours_mem, "naive_mem_mb": naive_mem,
    }


_FRESH = """
import json, sys, time
from pathlib import Path
from bot.config import MatcherSection
from bot.kb import load_knowledge_base
from bot.matching.configure import build_matcher
start, cpu = time.perf_counter(), time.process_time()
build_matcher(load_knowledge_base(sys.argv[1], Path(sys.argv[2])), MatcherSection(semantic=False), Path(sys.argv[2]))
print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
"""


def _fresh_process_load(kb_dir: Path, cache_dir: Path) -> dict[str, float]:
    """The first load in a new process with no cache: what a bot's first start on a new base costs."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", _FRESH, str(kb_dir), str(cache_dir)], capture_output=True,
                         text=True, check=True, env=env, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    load_lexicon()
    Matcher(load_knowledge_base(ROOT / "knowledge_base")).match("прогрев")  # dictionaries loaded once
    rows = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            rows.append(run(size, args.queries, Path(tmp)))
            print(f"… {size} entries done", file=sys.stderr)
    load_after = os.getloadavg()
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; {os.cpu_count()} CPUs")
    print()
    print("| entries | match texts | first load, no cache: wall / CPU (YAML + checks; index) "
          "| restart from the caches: wall / CPU | first load in a fresh process: wall / CPU "
          "| ours per query: p50 / p95 / mean | naive WRatio: mean / p95 | ours / naive (mean) "
          "| index memory | naive texts memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        c, w, f = r["cold"], r["warm"], r["fresh"]
        print(
            f"| {r['entries']:,} | {r['texts']:,} "
            f"| {c['wall']:.2f} s / {c['cpu']:.2f} s ({c['parse_cpu']:.2f}; {c['build_cpu']:.2f}) "
            f"| {w['wall']:.2f} s / {w['cpu']:.2f} s "
            f"| {f['wall']:.2f} s / {f['cpu']:.2f} s "
            f"| {r['ours_p50_ms']:.2f} / {r['ours_p95_ms']:.2f} / {r['ours_mean_ms']:.2f} ms "
            f"| {r['naive_mean_ms']:.2f} / {r['naive_p95_ms']:.2f} ms "
            f"| {r['ours_mean_ms'] / r['naive_mean_ms']:.2f} "
            f"| {r['ours_mem_mb']:.0f} MB | {r['naive_mem_mb']:.0f} MB |"
        )


if __name__ == "__main__":
    main()
