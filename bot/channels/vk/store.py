"""What the VK channel keeps in the database: the long-poll position and each client's abilities."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.channels.vk.inbound import ClientCaps
from bot.storage import Database
from bot.storage.models import VKClient, VKPollState

_poll = VKPollState.__table__
_clients = VKClient.__table__
MAX_CACHED = 50_000


async def poll_state(conn: AsyncConnection, group_id: int, now: datetime) -> tuple[str | None, bytes]:
    """The saved ``ts`` (None on the first start) and this database's random_id key (made once)."""
    row = (await conn.execute(select(_poll.c.ts, _poll.c.random_key).where(_poll.c.group_id == group_id))).first()
    if row is not None:
        return row.ts, bytes.fromhex(row.random_key)
    key = secrets.token_hex(32)
    try:
        async with conn.begin_nested():
            await conn.execute(insert(_poll).values(group_id=group_id, ts=None, random_key=key, updated_at=now))
    except IntegrityError:  # another process made it a moment ago
        return await poll_state(conn, group_id, now)
    return None, bytes.fromhex(key)


async def save_ts(conn: AsyncConnection, group_id: int, ts: str, now: datetime) -> None:
    await conn.execute(update(_poll).where(_poll.c.group_id == group_id).values(ts=ts, updated_at=now))


class ClientRegistry:
    """Each peer's client abilities: kept in memory, stored when they change, read back after a restart."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._known: OrderedDict[str, ClientCaps] = OrderedDict()

    def _keep(self, peer: str, caps: ClientCaps) -> None:
        self._known[peer] = caps
        self._known.move_to_end(peer)
        while len(self._known) > MAX_CACHED:
            self._known.popitem(last=False)

    async def remember(self, peer: str, caps: ClientCaps, now: datetime) -> None:
        if self._known.get(peer) == caps:
            return
        values = {"keyboard": caps.keyboard, "inline": caps.inline, "callback": caps.callback,
                  "open_link": caps.open_link, "updated_at": now}
        async with self.db.transaction() as conn:
            changed = await conn.execute(update(_clients).where(_clients.c.peer_id == peer).values(**values))
            if not changed.rowcount:
                try:
                    async with conn.begin_nested():
                        await conn.execute(insert(_clients).values(peer_id=peer, **values))
                except IntegrityError:
                    await conn.execute(update(_clients).where(_clients.c.peer_id == peer).values(**values))
        self._keep(peer, caps)

    async def get(self, peer: str) -> ClientCaps:
        """What the peer's client showed last; a plain keyboard when it never wrote to us."""
        caps = self._known.get(peer)
        if caps is not None:
            return caps
        async with self.db.read() as conn:
            row = (await conn.execute(select(_clients).where(_clients.c.peer_id == peer))).first()
        caps = ClientCaps(row.keyboard, row.inline, row.callback, row.open_link) if row is not None else ClientCaps()
        self._keep(peer, caps)
        return caps
