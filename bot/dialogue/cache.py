"""Recently read conversation states, so an active person's next message skips the database read.

Safe with several processes: every write checks the stored version, so a stale cached state fails its
write, is dropped, and the message is handled again from the database. Entries also expire.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from bot.people.repository import AccountState


class StateCache:
    def __init__(self, size: int = 20_000, ttl_seconds: float = 120.0) -> None:
        self.size = size
        self.ttl = ttl_seconds
        self._items: OrderedDict[str, tuple[float, AccountState]] = OrderedDict()
        self._by_person: dict[int, set[str]] = {}

    def get(self, key: str) -> AccountState | None:
        item = self._items.get(key)
        if item is None:
            return None
        stored, state = item
        if time.monotonic() - stored > self.ttl:
            self.drop(key)
            return None
        self._items.move_to_end(key)
        return state

    def put(self, key: str, state: AccountState) -> None:
        self._items[key] = (time.monotonic(), state)
        self._items.move_to_end(key)
        self._by_person.setdefault(state.account.person_id, set()).add(key)
        while len(self._items) > self.size:
            old_key, (_, old) = self._items.popitem(last=False)
            self._unlink(old_key, old.account.person_id)

    def drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._unlink(key, item[1].account.person_id)

    def drop_person(self, person_id: int) -> None:
        """Forget every account of a person (their segment or data changed)."""
        for key in list(self._by_person.get(person_id, ())):
            self.drop(key)

    def clear(self) -> None:
        self._items.clear()
        self._by_person.clear()

    def _unlink(self, key: str, person_id: int) -> None:
        keys = self._by_person.get(person_id)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_person[person_id]

    def __len__(self) -> int:
        return len(self._items)
