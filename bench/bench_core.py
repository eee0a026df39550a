"""Core throughput: messages per second through the full dialogue core with SQLite writes,
many simulated people at once, and the latency of each message.

Run by hand:  python bench/bench_core.py [--people 200] [--rounds 5] [--concurrency 50] [--encoder]

Without ``--encoder`` the matcher's lexical path is measured (``[matcher] semantic = false``); with it, the
sentence encoder is on and the run starts once the demo base is embedded (a first run embeds it: ~40 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.dialogue.messages import Incoming, Outgoing, UserRef  # noqa: E402
from bot.memory import settle_heap  # noqa: E402
from bot.runner import event_loop_factory  # noqa: E402

# Real messenger wordings: the labelled queries of the demo base (typos, slang, long messages, junk).
QUESTIONS = [
    line.split("\t")[0]
    for line in (ROOT / "tests" / "data" / "demo_queries.tsv").read_text("utf-8").splitlines()
    if line.strip()
]


def _pick_button(replies: list[Outgoing], rng: random.Random) -> str | None:
    """A tap people would make: any option, but "call an operator" only now and then."""
    buttons = [b for r in replies for b in r.all_buttons() if b.payload]
    usual = [b for b in buttons if b.text not in ("Позвать оператора", "Удалить")]
    if not usual or (len(usual) < len(buttons) and rng.random() < 0.05):
        return rng.choice(buttons).payload if buttons else None
    return rng.choice(usual).payload


async def person(app: App, number: int, rounds: int, timings: list[float], gate: asyncio.Semaphore) -> None:
    """One person: asks questions and taps a button of each reply, like people do."""
    rng = random.Random(number)
    user = UserRef("bench", str(number))
    replies: list[Outgoing] = []
    for _ in range(rounds):
        for kind in ("text", "button"):
            if kind == "text":
                message = Incoming(user, text=rng.choice(QUESTIONS))
            else:
                payload = _pick_button(replies, rng)
                if payload is None:
                    continue
                message = Incoming(user, button=payload)
            async with gate:
                start = time.perf_counter()
                replies = await app.dialogue.handle(message)
                timings.append((time.perf_counter() - start) * 1000)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=4, help="messages in flight at once")
    parser.add_argument("--encoder", action="store_true", help="with the sentence encoder (the default install)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BOT_BOT__DATA_DIR"] = tmp
        os.environ["BOT_MATCHER__SEMANTIC"] = "true" if args.encoder else "false"
        app = await App.create(load_settings(), kb_path=ROOT / "knowledge_base")
        try:
            semantic = app.dialogue.knowledge.current.matcher.semantic
            if args.encoder and semantic is not None and hasattr(semantic, "wait"):
                await asyncio.to_thread(semantic.wait)  # the demo base embedded in the background first
            await app.dialogue.handle(Incoming(UserRef("bench", "warm-up"), text="прогрев"))
            settle_heap()  # as ``bot run`` does once it is up
            timings: list[float] = []
            gate = asyncio.Semaphore(args.concurrency)
            start = time.perf_counter()
            await asyncio.gather(*(person(app, n, args.rounds, timings, gate) for n in range(args.people)))
            elapsed = time.perf_counter() - start
        finally:
            await app.close()
    timings.sort()
    print("| matcher | people | messages | in flight | messages/s | mean | p50 | p95 | p99 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {'with encoder' if args.encoder else 'lexical'} "
        f"| {args.people} | {len(timings)} | {args.concurrency} | {len(timings) / elapsed:.0f} "
        f"| {statistics.fmean(timings):.1f} ms | {timings[len(timings) // 2]:.1f} ms "
        f"| {timings[int(len(timings) * 0.95)]:.1f} ms | {timings[int(len(timings) * 0.99)]:.1f} ms |"
    )


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:  # the event loop ``bot run`` uses
        runner.run(main())
