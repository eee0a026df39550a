"""``bot run`` with messenger tokens: every configured channel in one process, stopped cleanly on
SIGINT or SIGTERM (updates in hand are finished and their replies sent first)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

from aiogram.exceptions import TelegramNotFound, TelegramUnauthorizedError

from bot.app import App
from bot.channels.startup import StartupError
from bot.config import Settings
from bot.editors.reload import Reloader, ReloadOutcome, log_outcome, start_watcher, stop_watcher
from bot.health import Health, HealthServer
from bot.kb import KnowledgeBaseError
from bot.matching.semantic import semantic_state
from bot.memory import settle_heap
from bot.scheduler import build_scheduler

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_channels(settings: Settings) -> int:
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return runner.run(serve(settings))
    except KeyboardInterrupt:
        return 130


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's event loop where it is installed (Linux, macOS): the same asyncio, its machinery and
    sockets in C — about a third less CPU per message for the bot. asyncio's own loop elsewhere."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run until ``stop`` is set (or a signal arrives); returns the process exit code."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        app = await App.create(settings)
    except KnowledgeBaseError as exc:
        print(f"The knowledge base has errors; fix them and start again:\n{exc}", file=sys.stderr)
        return 1
    runtimes: list[Any] = []
    health_server: HealthServer | None = None
    scheduler = build_scheduler(app)
    reloader = Reloader.for_app(app, on_outcome=tell_editors(app))
    app.extras["reloader"] = reloader
    watcher = start_watcher(reloader) if settings.editors.watch else None
    try:
        if settings.web.enabled:
            from bot.web.server import WebRuntime

            runtimes.append(await WebRuntime.start(app, settings.web, reloader))
        for token, channel in ((settings.telegram.token, _telegram), (settings.vk.token, _vk),
                               (settings.max.token, _max)):
            if token is None:
                continue
            start, refusals = channel(app, settings)
            try:
                runtime = await until_stopped(start, stop)
            except tuple(refusals) as exc:
                print(next(say(exc) for kind, say in refusals.items() if isinstance(exc, kind)), file=sys.stderr)
                return 1
            if runtime is None:
                return 0  # stopped while waiting for the platform
            runtimes.append(runtime)
        health_server = await start_health(app, runtimes, settings)
        scheduler.start()
        settle_heap()
        log.info("The bot is running; stop it with Ctrl+C or SIGTERM")
        await stop.wait()
        log.info("Stopping: finishing the updates in hand")
        return 0
    finally:
        if health_server is not None:
            await health_server.stop()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if watcher is not None:
            await stop_watcher(watcher)
        for runtime in reversed(runtimes):
            await runtime.stop()
        await app.close()


Refusals = dict[type[BaseException], Callable[[BaseException], str]]  # an error the channel cannot retry -> one line


def _telegram(app: App, settings: Settings) -> tuple[Coroutine[Any, Any, Any], Refusals]:
    from bot.channels.telegram.runtime import TelegramRuntime

    return TelegramRuntime.start(app, settings.telegram), {
        TelegramUnauthorizedError:
            lambda _: "Telegram did not accept the token (BOT_TELEGRAM__TOKEN): check it with @BotFather.",
        TelegramNotFound:
            lambda _: "Telegram: the token or telegram.api_server is wrong (the Bot API answered 404 Not Found).",
        StartupError: lambda exc: f"Telegram: {exc}",
    }


def _vk(app: App, settings: Settings) -> tuple[Coroutine[Any, Any, Any], Refusals]:
    from bot.channels.vk.runtime import VKRuntime, VKSetupError

    return VKRuntime.start(app, settings.vk), {VKSetupError: lambda exc: f"VK: {exc}"}


def _max(app: App, settings: Settings) -> tuple[Coroutine[Any, Any, Any], Refusals]:
    from bot.channels.max.runtime import MaxRuntime, MaxSetupError

    return MaxRuntime.start(app, settings.max), {MaxSetupError: lambda exc: f"MAX: {exc}"}


async def until_stopped(start: Coroutine[Any, Any, T], stop: asyncio.Event) -> T | None:
    """``start``'s result, or None when ``stop`` is set first (a channel retrying an unreachable
    platform must not keep SIGTERM waiting)."""
    task = asyncio.ensure_future(start)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        stopping.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return None
    return task.result()


async def start_health(app: App, runtimes: list[Any], settings: Settings) -> HealthServer | None:
    """Checks of the database and of each running channel for ``GET /health`` (on the Telegram
    webhook's port, and on ``health.port`` when set)."""
    health = Health(app.db)
    for runtime in runtimes:
        kind = type(runtime).__name__
        if kind == "TelegramRuntime":
            health.add_channel("telegram", runtime.bot.get_me)
        elif kind == "VKRuntime":
            health.add_channel("vk", partial(runtime.api.request, "groups.getById", {}))
        elif kind == "MaxRuntime":
            health.add_channel("max", runtime.api.me)
    health.matcher = lambda: semantic_state(app.knowledge.current.matcher.semantic)
    app.extras["health"] = health
    if settings.health.port is None:
        return None
    server = HealthServer(health, settings.health.listen, settings.health.port)
    port = await server.start()
    log.info("Health checks answer at http://%s:%s/health", settings.health.listen, port)
    return server


def tell_editors(app: App) -> Callable[[ReloadOutcome], Awaitable[None]]:
    """Report reloads in the log and, when a changed base is refused, in the operators' group."""

    async def report(outcome: ReloadOutcome) -> None:
        await log_outcome(outcome)
        if outcome.ok and outcome.changed:
            settle_heap()  # the new base's index is long-lived too
        desk = app.handoff
        if outcome.ok or outcome.trigger == "command" or desk is None:
            return  # /reload answers the editor itself
        async with app.db.transaction() as conn:
            await desk.post_to_workspace(conn, outcome.text(), now=app.clock.now())
        desk.wake()

    return report
