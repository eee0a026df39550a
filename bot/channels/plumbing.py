"""What every messenger's runtime sets up the same way around its own receiving side: the sender of its
outbox, its share of the platform's rate limits, the outbox and dead-letter replay loops, and their
orderly stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.app import App
from bot.channels.background import wind_down
from bot.delivery.dead_letters import Letter, Replayer
from bot.delivery.limits import Limiter, SharedBudget
from bot.delivery.outbox import Envelope
from bot.delivery.sender import Sender, Transport
from bot.handoff.files import FileRef
from bot.notify.jobs import consent_gate

LostFiles = Callable[[Envelope, list[FileRef]], Awaitable[None]]


class Channel(Protocol):
    async def on_blocked(self, envelope: Envelope) -> None: ...

    async def replay(self, letter: Letter) -> None: ...

    async def drain(self) -> None: ...


def make_sender(app: App, transport: Transport, limiter: Limiter) -> Sender:
    """The outbox's sender for one channel (consent checked just before a notification goes out)."""
    return Sender(
        app.db, transport, limiter, app.clock, app.dialogue.instance, gate=consent_gate(app.db),
        lease=timedelta(seconds=app.settings.delivery.lease_seconds),
    )


def tell_operators_of_lost_files(app: App, channel: str) -> LostFiles:
    """Operators hear of the files of theirs a person's platform could not take."""

    async def tell(envelope: Envelope, lost: list[FileRef]) -> None:
        handoff = app.handoff
        if handoff is not None and "case" in envelope.extra:
            await handoff.files_not_passed(int(envelope.extra["case"]), channel, lost)

    return tell


@dataclass
class Plumbing:
    """The running outgoing side of one channel in this process."""

    sender: Sender
    channel: Channel
    budget: SharedBudget
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(cls, app: App, name: str, channel: Channel, sender: Sender, limiter: Limiter) -> Plumbing:
        """Wire the sender to the channel, take a share of the rate limits, put replies left waiting
        before a restart first, and start the outbox and replay loops."""
        sender.on_blocked = channel.on_blocked
        app.add_sender(sender.wake)
        budget = SharedBudget(app.db, limiter, name, app.dialogue.instance, app.clock)
        await budget.start()
        await sender.recover()  # replies left waiting before a restart go first, in order
        replayer = Replayer(app.db, app.clock, name, channel.replay, app.dialogue.forget_update)
        tasks = [
            asyncio.create_task(sender.run(), name=f"{name}-outbox"),
            asyncio.create_task(replayer.run(), name=f"{name}-replays"),  # bot updates replay ID
        ]
        return cls(sender, channel, budget, tasks)

    def add(self, task: asyncio.Task[None]) -> None:
        self.tasks.append(task)

    async def stop(self, receiver: str) -> None:
        """Let the task named ``receiver`` (told to stop already) finish what it has in hand, stop the
        loops, let replies on their way go out, record what was sent, and give the budget back."""
        await wind_down(self.tasks, receiver)
        await self.channel.drain()
        await self.sender.close()
        await self.budget.stop()
