"""Person ids that are never given twice.

The analytics pseudonym of a person is derived from their id, so a deleted person's id must never pass
to a newcomer. PostgreSQL's sequences never reuse ids; SQLite gives a new row the largest id plus one,
so after the newest person deletes their data the next newcomer would get their id. On SQLite the ids
are therefore given here, above both the largest id in the table and the highest ever given.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from bot.storage.models import IdCounter, Person

PERSONS = "persons"
_counters = IdCounter.__table__
_persons = Person.__table__


def allocate(conn: Connection, count: int) -> list[int] | None:
    """``count`` new person ids (SQLite), or None: the database gives them itself (PostgreSQL)."""
    if conn.dialect.name != "sqlite" or count <= 0:
        return None
    given = conn.execute(select(_counters.c.value).where(_counters.c.name == PERSONS)).scalar()
    largest = conn.execute(select(func.max(_persons.c.id))).scalar()
    base = max(given or 0, largest or 0)
    _store(conn, given, base + count)
    return list(range(base + 1, base + count + 1))


def retire(conn: Connection, person_id: int) -> None:
    """A person is deleted: their id stays given (it may predate the counter)."""
    if conn.dialect.name != "sqlite":
        return
    given = conn.execute(select(_counters.c.value).where(_counters.c.name == PERSONS)).scalar()
    if given is None or given < person_id:
        _store(conn, given, person_id)


def _store(conn: Connection, given: int | None, value: int) -> None:
    if given is None:
        conn.execute(insert(_counters).values(name=PERSONS, value=value))
    else:
        conn.execute(update(_counters).where(_counters.c.name == PERSONS).values(value=value))
