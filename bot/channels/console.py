"""The console channel: talk to the core in a terminal, or script it through a pipe.

Each input line is a message; ``#N`` presses the N-th button shown after the last message; buttons
are printed numbered. ``/quit`` or end of input stops.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.dialogue.markup import readable_url, to_plain
from bot.dialogue.messages import Button, Incoming, Outgoing, UserRef

CHANNEL = "console"
_PRESS = re.compile(r"^#\s*(\d+)\s*$")

Handler = Callable[[Incoming], Awaitable[list[Outgoing]]]


def render(replies: list[Outgoing]) -> tuple[str, list[Button]]:
    """Plain text of a batch of replies, with the buttons numbered across the whole batch."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(to_plain(reply.text))
        for row in reply.buttons:
            cells = []
            for button in row:
                buttons.append(button)
                label = f"[{len(buttons)}] {button.text}"
                cells.append(f"{label} → {readable_url(button.url)}" if button.url else label)
            lines.append("   ".join(cells))
        lines.append("")
    return "\n".join(lines), buttons


class ConsoleChannel:
    def __init__(self, handle: Handler, user_id: str = "console", out: TextIO | None = None) -> None:
        self.handle = handle
        self.user = UserRef(CHANNEL, user_id)
        self.out = out or sys.stdout
        self.buttons: list[Button] = []

    async def send_line(self, line: str) -> str:
        """Turn one input line into a message, let the core answer, and return the printed text."""
        line = line.rstrip("\r\n")
        pressed = _PRESS.match(line)
        if pressed:
            number = int(pressed.group(1))
            if not 1 <= number <= len(self.buttons):
                return f"Нет кнопки с номером {number}." + (
                    f" Доступны: 1–{len(self.buttons)}.\n" if self.buttons else " Сейчас кнопок нет.\n"
                )
            button = self.buttons[number - 1]
            if button.url:
                return f"Ссылка: {readable_url(button.url)}\n"
            message = Incoming(self.user, button=button.payload)
        else:
            message = Incoming(self.user, text=line)
        replies = await self.handle(message)
        text, buttons = render(replies)
        if buttons or any(r.remove_buttons for r in replies):
            self.buttons = buttons
        return text

    async def run(self, stdin: TextIO | None = None, prompt: bool | None = None) -> None:
        stdin = stdin or sys.stdin
        interactive = stdin.isatty() if prompt is None else prompt
        loop = asyncio.get_running_loop()
        if interactive:
            self.out.write("Консольный режим. Пишите вопросы; #N — нажать кнопку N; /quit — выход.\n\n")
        while True:
            if interactive:
                self.out.write("Вы: ")
                self.out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            if interactive:
                self.out.write("\n")
            self.out.write(await self.send_line(line))
            self.out.write("\n")
            self.out.flush()
