"""Telegram end to end: the real bot (polling, aiogram's HTTP client) against the fake Bot API server
running in another process with the simulated people. On a machine with two cores or more the two
processes are pinned to separate cores, as the bot and Telegram would be on separate machines
(``--no-pin`` lets the kernel place them). The bot runs on the event loop ``bot run`` uses (uvloop
where installed).

Each simulated person asks a question, reads the answer for ``--think`` seconds on average (people
do not read in step: each reading time is drawn at random, exponentially distributed; ``--steady``
makes every reading exactly ``--think`` seconds, which keeps people in lockstep), presses one of its
buttons, reads again, and so on. Latency is from the moment the person's update is queued at the
"Telegram" server until the bot's first reply to it reaches that server. After the run the benchmark
also checks that every update was acknowledged (the bot acknowledges only what it has fully handled).
``--think 0`` gives the saturation throughput; ``--mode webhook`` has the fake server POST updates to
the bot's webhook instead of answering ``getUpdates``; ``--contend 0.4`` runs another program on the
bot's core, busy 40 % of the time (how the bot fares when it gets only part of its core). Run by hand:

    python bench/bench_telegram.py [--people 100] [--rounds 5] [--think 0.2] [--steady] [--mode polling|webhook]
        [--no-pin] [--contend SHARE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
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


def _split_cores(pin: bool) -> tuple[set[int], set[int]] | None:
    """Separate cores for the bot and for the fake server (as on separate machines), when there are two."""
    cores = sorted(os.sched_getaffinity(0)) if pin and hasattr(os, "sched_getaffinity") else []
    if len(cores) < 2:
        return None
    half = len(cores) // 2
    return set(cores[:half]), set(cores[half:])


def _contender(core: int, share: float, stop) -> None:
    """Another program on the bot's core: busy ``share`` of every 10 ms."""
    os.sched_setaffinity(0, {core})
    busy = 0.01 * share
    while not stop.is_set():
        until = time.monotonic() + busy
        while time.monotonic() < until:
            pass
        time.sleep(0.01 - busy)


def _server_process(conn, people: int, rounds: int, think: float, steady: bool, cores: set[int] | None) -> None:
    from tests.fakes.telegram import FakeTelegram

    async def main() -> None:
        fake = FakeTelegram()
        await fake.start()
        conn.send(fake.base_url)
        ready = await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the bot is up
        if ready.get("webhook"):
            fake.push_to_webhook(ready["webhook"], ready["secret"])
        latencies: list[float] = []
        answered_at: list[float] = []  # when each measured message was answered
        finished_at: list[float] = []  # when each person sent their last message
        last_ids: list[int] = []
        pickups: list[tuple[int, float]] = []  # (update id, queued at)

        async def begin(number: int) -> None:
            """A new person starts the bot (not measured: the account is created here)."""
            chat = 100_000 + number
            await asyncio.sleep(random.Random(number).random())
            fake.command(chat, "/start")
            await fake.reply(chat, 0)

        async def person(number: int) -> None:
            rng = random.Random(number)
            chat = 100_000 + number
            await asyncio.sleep(rng.random() * think)  # people do not all start in the same millisecond
            for _ in range(rounds):
                for kind in ("text", "button"):
                    if kind == "text":
                        update = fake.message(chat, rng.choice(QUESTIONS))
                    else:
                        buttons = [d for label, d in fake.buttons(chat) if label != "Позвать оператора"]
                        if not buttons:
                            continue
                        update = fake.press(chat, rng.choice(buttons))
                    before = fake.sent_count(chat)
                    queued = time.monotonic()
                    replied = await fake.reply(chat, before)
                    latencies.append((replied - queued) * 1000)
                    pickups.append((update["update_id"], queued))
                    answered_at.append(replied)
                    await asyncio.sleep(think if steady else rng.expovariate(1 / think) if think else 0)  # reading
                    last_ids.append(update["update_id"])
            finished_at.append(time.monotonic())

        await asyncio.gather(*(begin(n) for n in range(people)))
        await asyncio.sleep(1.0)
        fake.handling_seconds = 0.0
        cpu_before = time.process_time()
        started = time.monotonic()
        await asyncio.gather(*(person(n) for n in range(people)))
        elapsed = time.monotonic() - started
        # the rate while all the people were still talking (with random reading times some finish
        # much later than others, and a rate over the whole run would count their lonely tail)
        window = min(finished_at) - started
        rate = sum(1 for t in answered_at if t <= min(finished_at)) / window
        acked_in = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(fake.acknowledged(i) for i in last_ids)), timeout=30)
        acked_in = time.monotonic() - acked_in
        conn.send({
            "latencies": latencies,
            # how long updates waited at "Telegram" before the bot took them (webhook: not recorded)
            "pickups": sorted((fake.delivered_at[i] - t) * 1000 for i, t in pickups if i in fake.delivered_at),
            "elapsed": elapsed,
            "rate": rate,
            "acked_in": acked_in,
            "sends": len(fake.calls_of("sendMessage")),
            "counts": fake.counts(),
            "fake_handling": fake.handling_seconds,
            "fake_cpu": time.process_time() - cpu_before,
        })
        await asyncio.sleep(0.5)
        await fake.stop()

    if cores:
        os.sched_setaffinity(0, cores)
    asyncio.run(main())


async def run_bot(base_url: str, conn, mode: str) -> dict:
    data = tempfile.mkdtemp()
    os.environ["BOT_BOT__DATA_DIR"] = data
    os.environ["BOT_TELEGRAM__TOKEN"] = "123456:TEST-token"
    os.environ["BOT_TELEGRAM__API_SERVER"] = base_url
    os.environ["BOT_TELEGRAM__POLLING_TIMEOUT"] = "1"
    # Telegram allows about 30 messages a second per bot; the benchmark measures the bot, not the cap.
    os.environ["BOT_TELEGRAM__LIMITS__PER_SECOND"] = "100000"
    os.environ["BOT_TELEGRAM__LIMITS__CHAT_BURST"] = "100"
    hook = None
    if mode == "webhook":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        hook = f"http://127.0.0.1:{port}/telegram"
        os.environ.update({
            "BOT_TELEGRAM__MODE": "webhook", "BOT_TELEGRAM__WEBHOOK__URL": hook,
            "BOT_TELEGRAM__WEBHOOK__PORT": str(port),
            "BOT_TELEGRAM__WEBHOOK__LISTEN": "127.0.0.1", "BOT_TELEGRAM__WEBHOOK__SECRET": "bench-secret",
            "BOT_TELEGRAM__WEBHOOK__MAX_CONNECTIONS": "100",
        })
    from bot.app import App
    from bot.channels.telegram.runtime import TelegramRuntime
    from bot.config import load_settings
    from bot.memory import settle_heap

    settings = load_settings()
    app = await App.create(settings, kb_path=ROOT / "knowledge_base")
    runtime = await TelegramRuntime.start(app, settings.telegram)
    settle_heap()  # as ``bot run`` does once the channels are up
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    cpu_before = time.process_time()
    main_before = time.thread_time()
    times_before = os.times()
    if profile is not None:
        profile.enable()
    conn.send({"webhook": hook, "secret": "bench-secret"})
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, conn.recv)
    result["bot_cpu"] = time.process_time() - cpu_before
    result["main_cpu"] = time.thread_time() - main_before
    times = os.times()
    result["bot_sys"] = times.system - times_before.system
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    await runtime.stop()
    await app.close()
    shutil.rmtree(data, ignore_errors=True)  # the run's database and caches
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--think", type=float, default=0.2, help="seconds a person reads before the next step")
    parser.add_argument("--steady", action="store_true", help="every reading time exactly --think (no randomness)")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                        help="bot and fake server on separate cores (default, when there are two)")
    parser.add_argument("--contend", type=float, default=0.0, metavar="SHARE",
                        help="another program keeps the bot's core busy this share of the time (0-0.9)")
    args = parser.parse_args()
    context = mp.get_context("spawn")
    parent, child = context.Pipe()
    split = _split_cores(args.pin)
    if args.contend and (not split or not 0 < args.contend < 1):
        parser.error("--contend needs a share between 0 and 1 and two cores to pin the bot to")
    server = context.Process(target=_server_process, daemon=True,
                             args=(child, args.people, args.rounds, args.think, args.steady, split and split[1]))
    server.start()
    base_url = parent.recv()
    from bot.runner import event_loop_factory
    if split:
        os.sched_setaffinity(0, split[0])

    stop_contender = context.Event()
    if args.contend and split:
        context.Process(target=_contender, daemon=True, args=(min(split[0]), args.contend, stop_contender)).start()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:  # the event loop ``bot run`` uses
        result = runner.run(run_bot(base_url, parent, args.mode))
    stop_contender.set()
    server.join(timeout=10)
    latencies = sorted(result["latencies"])
    count = len(latencies)
    cores = f"bot on cores {sorted(split[0])}, fake server on {sorted(split[1])}" if split else "cores shared"
    if args.contend:
        cores += f"; another program busy {args.contend:.0%} of the bot's core"
    print(f"mode: {args.mode}; {cores}; Bot API calls: {result['counts']}")
    pickups = result["pickups"] or [0.0]
    print("| people | think | messages | replies sent | messages/s | mean | p50 | p95 | p99 "
          "| waited for pickup (p50 / p95) | bot CPU | fake server CPU | all acknowledged |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.people} | {args.think:g} s | {count} | {result['sends']} | {result['rate']:.0f} "
        f"| {statistics.fmean(latencies):.1f} ms | {latencies[count // 2]:.1f} ms "
        f"| {latencies[int(count * 0.95)]:.1f} ms | {latencies[int(count * 0.99)]:.1f} ms "
        f"| {pickups[len(pickups) // 2]:.1f} / {pickups[int(len(pickups) * 0.95)]:.1f} ms "
        f"| {result['bot_cpu']:.1f} s (main thread {result['main_cpu']:.1f} s, kernel {result['bot_sys']:.1f} s) "
        f"| {result['fake_cpu']:.1f} s ({result['fake_handling']:.1f} s in handlers) "
        f"| {result['acked_in']:.1f} s after the last reply |"
    )


if __name__ == "__main__":
    main()
