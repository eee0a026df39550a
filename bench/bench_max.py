"""MAX end to end: the real bot (polling or webhook, its aiohttp client) against the fake MAX Bot API
running in another process with the simulated people, at MAX's rate limit (30 requests a second in
all, the bot's default ``[max.limits]``) unless ``--unlimited``. On a machine with two cores or more the
two processes are pinned to separate cores.

Each simulated person asks a question, reads the answer for ``--think`` seconds on average (drawn at
random, exponentially distributed), presses one of its buttons, reads again, and so on. Latency is from
the moment the person's update is queued at the "MAX" server until the bot's first reply to it reaches
that server. The table also gives the most requests MAX got in any one second (every request counts:
messages, button answers, "typing…", GET /updates) and checks that every update was acknowledged.
Run by hand:

    python bench/bench_max.py [--people 100] [--rounds 5] [--think 1.0] [--mode polling|webhook] [--unlimited]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    line.split("\t")[0]
    for line in (ROOT / "tests" / "data" / "demo_queries.tsv").read_text("utf-8").splitlines()
    if line.strip()
]


def _split_cores() -> tuple[set[int], set[int]] | None:
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) < 2:
        return None
    half = len(cores) // 2
    return set(cores[:half]), set(cores[half:])


def _server_process(conn, people: int, rounds: int, think: float, cores: set[int] | None) -> None:
    from tests.fakes.max import FakeMax

    async def main() -> None:
        fake = FakeMax()
        await fake.start()
        conn.send(fake.base_url)
        ready = await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the bot is up
        if ready.get("webhook"):
            fake.subscriptions[0]["url"] = ready["webhook"]
        latencies: list[float] = []
        answered_at: list[float] = []
        finished_at: list[float] = []

        async def begin(number: int) -> None:
            """A new person starts the bot (not measured: the account is created here)."""
            user = 100_000 + number
            await asyncio.sleep(random.Random(number).random() * 3)
            fake.start_bot(user)
            await fake.reply(user, 0)

        async def person(number: int) -> None:
            rng = random.Random(number)
            user = 100_000 + number
            await asyncio.sleep(rng.random() * think)
            for _ in range(rounds):
                for kind in ("text", "button"):
                    if kind == "text":
                        fake.message(user, rng.choice(QUESTIONS))
                    else:
                        buttons = [d for label, d in fake.buttons(user)
                                   if label != "Позвать оператора" and not d.startswith("http")]
                        if not buttons:
                            continue
                        fake.press(user, rng.choice(buttons))
                    before = len(fake.sent(user))
                    queued = time.monotonic()
                    replied = await fake.reply(user, before)
                    latencies.append((replied - queued) * 1000)
                    answered_at.append(replied)
                    await asyncio.sleep(rng.expovariate(1 / think) if think else 0)
            finished_at.append(time.monotonic())

        await asyncio.gather(*(begin(n) for n in range(people)))
        await asyncio.sleep(2.0)
        started = time.monotonic()
        first_call = len(fake.calls)
        await asyncio.gather(*(person(n) for n in range(people)))
        elapsed = time.monotonic() - started
        window = min(finished_at) - started
        rate = sum(1 for t in answered_at if t <= min(finished_at)) / window
        deadline = time.monotonic() + 30
        while fake.acked < fake.position and time.monotonic() < deadline and not ready.get("webhook"):
            await asyncio.sleep(0.1)
        calls = fake.calls[first_call:]
        fake.calls = calls
        conn.send({
            "latencies": latencies, "elapsed": elapsed, "rate": rate,
            "acknowledged": bool(ready.get("webhook")) or fake.acked >= fake.position,
            "sends": sum(1 for c in calls if c.path == "/messages" and c.status == 200),
            "requests": len(calls), "busiest": fake.busiest_second(),
            "refused": sum(1 for c in calls if c.status == 429),
        })
        await asyncio.sleep(0.5)
        await fake.stop()

    if cores:
        os.sched_setaffinity(0, cores)
    asyncio.run(main())


async def run_bot(base_url: str, conn, mode: str, unlimited: bool) -> dict:
    data = tempfile.mkdtemp()
    os.environ["BOT_BOT__DATA_DIR"] = data
    os.environ["BOT_MAX__TOKEN"] = "max-TEST-bot-token-for-the-fake-api"
    os.environ["BOT_MAX__API_URL"] = base_url
    os.environ["BOT_MAX__POLLING_TIMEOUT"] = "1"
    if unlimited:
        os.environ["BOT_MAX__LIMITS__PER_SECOND"] = "100000"
        os.environ["BOT_MAX__LIMITS__CHAT_BURST"] = "100"
    hook = None
    if mode == "webhook":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        hook = f"http://127.0.0.1:{port}/max"
        os.environ.update({
            "BOT_MAX__MODE": "webhook", "BOT_MAX__WEBHOOK__URL": hook, "BOT_MAX__WEBHOOK__PORT": str(port),
            "BOT_MAX__WEBHOOK__LISTEN": "127.0.0.1", "BOT_MAX__WEBHOOK__SECRET": "bench-secret",
        })
    from bot.app import App
    from bot.channels.max.runtime import MaxRuntime
    from bot.config import load_settings
    from bot.memory import settle_heap

    settings = load_settings()
    app = await App.create(settings, kb_path=ROOT / "knowledge_base")
    runtime = await MaxRuntime.start(app, settings.max)
    settle_heap()
    cpu_before = time.process_time()
    conn.send({"webhook": hook})
    result = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    result["bot_cpu"] = time.process_time() - cpu_before
    await runtime.stop()
    await app.close()
    shutil.rmtree(data, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--think", type=float, default=1.0, help="seconds a person reads before the next step")
    parser.add_argument("--unlimited", action="store_true", help="no rate limit: what the bot itself manages")
    args = parser.parse_args()
    context = mp.get_context("spawn")
    parent, child = context.Pipe()
    split = _split_cores()
    server = context.Process(target=_server_process, daemon=True,
                             args=(child, args.people, args.rounds, args.think, split and split[1]))
    server.start()
    base_url = parent.recv()
    from bot.runner import event_loop_factory

    if split:
        os.sched_setaffinity(0, split[0])
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        result = runner.run(run_bot(base_url, parent, args.mode, args.unlimited))
    server.join(timeout=10)
    latencies = sorted(result["latencies"])
    count = len(latencies)
    limit = "no rate limit" if args.unlimited else "at MAX's limit (30 requests/s)"
    print(f"mode: {args.mode}; {limit}; {'separate cores' if split else 'cores shared'}")
    print("| people | think | messages | replies sent | messages/s | mean | p50 | p95 | p99 "
          "| requests | busiest second | 429s | bot CPU | all acknowledged |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.people} | {args.think:g} s | {count} | {result['sends']} | {result['rate']:.1f} "
        f"| {statistics.fmean(latencies):.0f} ms | {latencies[count // 2]:.0f} ms "
        f"| {latencies[int(count * 0.95)]:.0f} ms | {latencies[int(count * 0.99)]:.0f} ms "
        f"| {result['requests']} | {result['busiest']} | {result['refused']} | {result['bot_cpu']:.1f} s "
        f"| {'yes' if result['acknowledged'] else 'NO'} |"
    )


if __name__ == "__main__":
    main()
