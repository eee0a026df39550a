"""``bot run`` in a child process, so that a test or a benchmark can kill it with SIGKILL, as a crash
or the OOM killer would. Fault hooks come from the environment:

- ``FAULT_POISON``: the dialogue raises for a message with exactly this text (a bug that hits one
  update every time it is handled).

Run as ``python -m tests.bot_process`` with the ``BOT_*`` settings in the environment.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child_env(data_dir: Path, api_server: str, token: str, **settings: str) -> dict[str, str]:
    """The environment of a bot process talking to a fake Bot API server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "FAULT_"))}
    env.update({
        "PYTHONPATH": str(ROOT),
        "BOT_BOT__DATA_DIR": str(data_dir),
        "BOT_BOT__PRIVACY_POLICY_URL": "https://gov.example.ru/privacy",  # `bot run` refuses the placeholder
        "BOT_TELEGRAM__TOKEN": token,
        "BOT_TELEGRAM__API_SERVER": api_server,
        "BOT_TELEGRAM__POLLING_TIMEOUT": "1",
        "BOT_TELEGRAM__REQUEST_TIMEOUT": "5",
        "BOT_TELEGRAM__SET_COMMANDS": "false",
        "BOT_LOGGING__LEVEL": "WARNING",
        "BOT_MATCHER__SEMANTIC": "false",  # no background embedding in tests
        **settings,
    })
    return env


def vk_child_env(data_dir: Path, api_url: str, token: str, **settings: str) -> dict[str, str]:
    """The environment of a bot process talking to a fake VK API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "FAULT_"))}
    env.update({
        "PYTHONPATH": str(ROOT),
        "BOT_BOT__DATA_DIR": str(data_dir),
        "BOT_BOT__PRIVACY_POLICY_URL": "https://gov.example.ru/privacy",  # `bot run` refuses the placeholder
        "BOT_VK__TOKEN": token,
        "BOT_VK__API_URL": api_url,
        "BOT_VK__LONG_POLL_WAIT": "1",
        "BOT_VK__REQUEST_TIMEOUT": "5",
        "BOT_LOGGING__LEVEL": "WARNING",
        "BOT_MATCHER__SEMANTIC": "false",  # no background embedding in tests
        **settings,
    })
    return env


async def spawn(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bot_process", env=env, cwd=str(log.parent),
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )


def _install_faults() -> None:
    poison = os.environ.get("FAULT_POISON")
    if poison:
        from bot.dialogue import service

        original = service.respond

        def respond(conv: Any, message: Any, ctx: Any) -> Any:
            if message.text == poison:
                raise RuntimeError("the handler failed on this update")
            return original(conv, message, ctx)

        service.respond = respond


if __name__ == "__main__":
    _install_faults()
    from bot.cli import main

    sys.exit(main(["run"]))
