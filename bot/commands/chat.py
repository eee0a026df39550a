"""``bot chat`` and the console mode of ``bot run``: the whole dialogue without a messenger."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.config import Settings
from bot.editors.reload import Reloader, start_watcher, stop_watcher
from bot.kb import KnowledgeBaseError
from bot.logs import log_to_file


async def _chat(settings: Settings, kb_dir: Path | None, user: str, web: bool = False) -> int:
    if sys.stdin.isatty():
        log_file = settings.bot.data_dir / "console.log"
        log_to_file(log_file)
        print(f"Журнал работы бота пишется в {log_file}, чтобы не мешать разговору.", file=sys.stderr)
    try:
        app = await App.create(settings, kb_path=kb_dir)
    except KnowledgeBaseError as exc:
        print(f"The knowledge base has errors; fix them and start again:\n{exc}", file=sys.stderr)
        return 1
    reloader = Reloader.for_app(app)
    watcher = start_watcher(reloader) if settings.editors.watch else None
    console = None
    try:
        if web:  # `bot run` with web.enabled: the web console beside the terminal dialogue
            from bot.web.server import WebRuntime

            console = await WebRuntime.start(app, settings.web, reloader)
            where = settings.web.base_url or f"http://{settings.web.listen}:{console.port}"
            print(f"Веб-консоль: {where}/login", file=sys.stderr)
        await ConsoleChannel(app.dialogue.handle, user).run()
    finally:
        if console is not None:
            await console.stop()
        await stop_watcher(watcher)
        await app.close()
    return 0


def run_chat(settings: Settings, kb_dir: Path | None, user: str, fresh: bool = False, web: bool = False) -> int:
    """Talk to the bot in this terminal; with ``fresh`` nothing is kept after the session."""
    if not fresh:
        return asyncio.run(_chat(settings, kb_dir, user, web))
    with tempfile.TemporaryDirectory(prefix="bot-chat-") as tmp:
        data = Path(tmp)
        temporary = settings.model_copy(
            update={
                "bot": settings.bot.model_copy(update={"data_dir": data}),
                "database": settings.database.model_copy(
                    update={"url": f"sqlite+aiosqlite:///{data / 'chat.sqlite3'}"}
                ),
            }
        )
        return asyncio.run(_chat(temporary, kb_dir, user))
