"""Sentence-encoder benchmark: per-query cost, warm-up of a base (first start) and a cached restart.

Run by hand:  python bench/bench_semantic.py [--sizes 1000] [--queries 100]

The demo base is measured first, then synthetic bases of the given sizes (``bench/synthetic.py``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_matcher import REAL_QUERIES, _percentile, _timed  # noqa: E402
from bench.synthetic import write_base  # noqa: E402
from bot.config import MatcherSection  # noqa: E402
from bot.kb import load_knowledge_base  # noqa: E402
from bot.matching.configure import build_matcher  # noqa: E402
from bot.matching.semantic import SemanticWarmup, base_texts, shared_encoder  # noqa: E402


def run(name: str, kb_dir: Path, cache_dir: Path, queries: list[str]) -> dict[str, object]:
    base = load_knowledge_base(kb_dir)
    _, texts, _ = base_texts(base)
    encoder = shared_encoder()
    start, cpu = time.perf_counter(), time.process_time()
    warm = SemanticWarmup(base, shared_encoder, cache_dir)  # first start: everything to embed
    lexical_ready = time.perf_counter() - start
    warm.wait()
    first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    again = SemanticWarmup(base, shared_encoder, cache_dir)  # a restart: all from the cache
    cached = time.perf_counter() - start
    assert again.ready
    lexical = build_matcher(base, MatcherSection(semantic=False))
    both = build_matcher(base, MatcherSection(semantic=False))
    both.semantic = again
    encode = _timed(encoder.query, queries)
    lex = _timed(lexical.match, queries)
    fused = _timed(both.match, queries)
    return {
        "base": name, "entries": len(base.entries), "texts": len(set(texts)),
        "first": f"{first:.1f} s (CPU {first_cpu:.1f} s; {1000 * first / max(1, len(texts)):.0f} ms/text)",
        "answering": f"{lexical_ready * 1000:.0f} ms", "restart": f"{cached * 1000:.0f} ms",
        "encode": f"{statistics.mean(encode):.1f} / {_percentile(encode, 0.95):.1f} ms",
        "lexical": f"{statistics.mean(lex):.1f} / {_percentile(lex, 0.95):.1f} ms",
        "fused": f"{statistics.mean(fused):.1f} / {_percentile(fused, 0.95):.1f} ms",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        queries = (REAL_QUERIES * (args.queries // len(REAL_QUERIES) + 1))[: args.queries]
        rows.append(run("demo", ROOT / "knowledge_base", work / "cache-demo", queries))
        for size in args.sizes:
            samples = write_base(work / f"kb-{size}", size, ROOT / "knowledge_base")
            sized = (samples * (args.queries // max(1, len(samples)) + 1))[: args.queries]
            rows.append(run(f"synthetic {size}", work / f"kb-{size}", work / f"cache-{size}", sized))
    print("| base | entries | texts | first start: all embedded | answering from (lexical) | restart (cache) "
          "| encoder per query mean / p95 | match, lexical mean / p95 | match, lexical + semantic mean / p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['base']} | {r['entries']} | {r['texts']} | {r['first']} | {r['answering']} | {r['restart']} "
              f"| {r['encode']} | {r['lexical']} | {r['fused']} |")


if __name__ == "__main__":
    main()
