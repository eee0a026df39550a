"""Group commit of dialogue state: the changes of many people's messages in one transaction.

Each job still checks its own conversation version, so a job that lost a race fails alone (the
service handles that message again) and the others commit. Replies are sent only after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Insert, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.analytics.privacy import Pseudonyms
from bot.delivery import outbox
from bot.dialogue.messages import UserRef
from bot.dialogue.store import StaleConversation
from bot.people import ids
from bot.storage import Database
from bot.storage.models import Account, ConversationRow, EventRow, Person, ProcessedUpdate

log = logging.getLogger(__name__)
MAX_BATCH = 256

_conversations = ConversationRow.__table__
_events = EventRow.__table__
_accounts = Account.__table__
_persons = Person.__table__
_updates = ProcessedUpdate.__table__
_DUPLICATE = object()

# Built once: constructing and keying a statement costs more than running it on SQLite.
_UPDATE_STATE = (
    update(_conversations)
    .where(_conversations.c.account_id == bindparam("aid"), _conversations.c.version == bindparam("old"))
    .values(step=bindparam("step"), data=bindparam("data"), version=bindparam("new"), updated_at=bindparam("now"))
)
_INSERT_EVENTS = insert(_events)
_INSERT_PERSONS = insert(_persons).returning(_persons.c.id, sort_by_parameter_order=True)
_INSERT_ACCOUNTS = insert(_accounts).returning(_accounts.c.id, sort_by_parameter_order=True)
_UPDATE_SEGMENT = (
    update(_persons)
    .where(_persons.c.id == bindparam("pid"))
    .values(segment=bindparam("segment"), updated_at=bindparam("now"))
)
_TOUCH = (
    update(_accounts)
    .where(_accounts.c.id == bindparam("aid"))
    .values(last_seen_at=bindparam("now"), unreachable_at=None)
)


@dataclass(slots=True)
class StateWrite:
    """One message's changes: the conversation, events, and maybe the segment and last-seen time.

    With ``new_user`` the person and account are created too, and their ids filled in here.
    """

    account_id: int
    person_id: int
    step: str
    data: str
    version: int | None  # the version read; None for a new conversation
    now: datetime
    events: list[dict[str, object]] = field(default_factory=list)
    segment_changed: bool = False
    segment: str | None = None
    touch: bool = False  # update the account's last-seen time (and reachability)
    new_user: UserRef | None = None
    update_key: tuple[str, str] | None = None  # (channel, platform update id): stored, never handled twice
    outbox: list[dict[str, object]] = field(default_factory=list)  # replies to deliver (outbox rows)
    outbox_ids: list[int] = field(default_factory=list)  # filled in on commit
    done: asyncio.Future[None] | None = None


class DuplicateUpdate(Exception):
    """The platform delivered an update whose effects are already stored."""


class Journal:
    def __init__(self, db: Database, pseudonyms: Pseudonyms) -> None:
        self.db = db
        self.pseudonyms = pseudonyms
        self._queue: asyncio.Queue[StateWrite] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def write(self, job: StateWrite) -> None:
        """Queue a job and wait for its commit; raises StaleConversation if it lost a race."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="dialogue-journal")
        job.done = asyncio.get_running_loop().create_future()
        await self._queue.put(job)
        await job.done

    async def close(self) -> None:
        """Finish the queued writes, then stop."""
        if self._task is not None and not self._task.done():
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                saved = await self._commit(batch)
            except IntegrityError:
                # another process created one of these people a moment ago: commit one by one, so
                # only that message is handled again
                saved: list[object] = []
                for job in batch:
                    try:
                        saved += await self._commit([job])
                    except IntegrityError:
                        saved.append(False)
                    except Exception as exc:
                        self._fail([job], exc)
                        saved.append(None)  # type: ignore[arg-type]
            except Exception as exc:  # the whole batch failed: every waiter gets the error
                self._fail(batch, exc)
                for _ in batch:
                    self._queue.task_done()
                continue
            for job, ok in zip(batch, saved, strict=True):
                if job.done is not None and not job.done.done():
                    if ok is True:
                        job.done.set_result(None)
                    elif ok is _DUPLICATE:
                        job.done.set_exception(DuplicateUpdate(job.update_key))
                    else:
                        job.done.set_exception(StaleConversation(job.account_id))
            for _ in batch:
                self._queue.task_done()

    def _fail(self, jobs: list[StateWrite], exc: BaseException) -> None:
        log.exception("Saving dialogue state failed for %d messages", len(jobs), exc_info=exc)
        for job in jobs:
            if job.done is not None and not job.done.done():
                job.done.set_exception(exc)

    async def _commit(self, batch: list[StateWrite]) -> list[object]:
        """One transaction for the batch, with a few statements however large it is.

        Per job: True (saved), False (lost a race: handle again) or _DUPLICATE (already handled).
        """
        return await self.db.run_in_transaction(self._write, batch)

    def _write(self, conn: Connection, batch: list[StateWrite]) -> list[object]:
        duplicates = self._claim_updates(conn, batch)
        live = [job for job in batch if id(job) not in duplicates]
        self._create_accounts(conn, [job for job in live if job.new_user is not None])
        saved = dict(zip(map(id, live), self._save_states(conn, live), strict=True))
        for job in live:
            if not saved[id(job)] and job.update_key is not None:
                # lost a race (another instance changed the conversation): the message is handled
                # again, so its update must not stay recorded as handled
                channel, key = job.update_key
                conn.execute(delete(_updates).where(_updates.c.channel == channel, _updates.c.update_key == key))
        self._apply_rest(conn, [job for job in live if saved[id(job)]])
        return [_DUPLICATE if id(job) in duplicates else saved[id(job)] for job in batch]

    def _claim_updates(self, conn: Connection, batch: list[StateWrite]) -> set[int]:
        """Record the platform updates of the batch; the jobs whose update was already recorded.

        One ``INSERT … ON CONFLICT DO NOTHING RETURNING``: the primary key finds the copies, however
        many days of updates the table keeps (a ``(channel, key) IN (…)`` query scanned them all).
        """
        keyed = [job for job in batch if job.update_key is not None]
        if not keyed:
            return set()
        rows = [{"channel": j.update_key[0], "update_key": j.update_key[1], "processed_at": j.now}  # type: ignore[index]
                for j in keyed]
        claimed = {(row.channel, row.update_key) for row in conn.execute(
            _insert_ignoring(conn.dialect.name, _updates, ("channel", "update_key"), ("channel", "update_key")), rows
        )}
        duplicates: set[int] = set()
        for job in keyed:
            if job.update_key in claimed:
                claimed.discard(job.update_key)  # a second copy in the same batch is a duplicate
            else:
                duplicates.add(id(job))
        return duplicates

    def _create_accounts(self, conn: Connection, jobs: list[StateWrite]) -> None:
        """People's first messages: create the people and accounts, fill in their ids and pseudonyms."""
        if not jobs:
            return
        now = [{"created_at": j.now, "updated_at": j.now} for j in jobs]
        given = ids.allocate(conn, len(jobs))  # never a deleted person's id (SQLite)
        if given is not None:
            now = [{**row, "id": pid} for row, pid in zip(now, given, strict=True)]
        person_ids = conn.execute(_INSERT_PERSONS, now).scalars().all()
        accounts = [
            {"person_id": pid, "channel": j.new_user.channel, "external_id": j.new_user.user_id,  # type: ignore[union-attr]
             "created_at": j.now, "last_seen_at": j.now}
            for j, pid in zip(jobs, person_ids, strict=True)
        ]
        account_ids = conn.execute(_INSERT_ACCOUNTS, accounts).scalars().all()
        for job, person_id, account_id in zip(jobs, person_ids, account_ids, strict=True):
            job.person_id, job.account_id = person_id, account_id
            pseudonym = self.pseudonyms.person(person_id)
            for row in job.events:
                row["person"] = pseudonym

    def _save_states(self, conn: Connection, batch: list[StateWrite]) -> list[bool]:
        """Write every job's conversation if its version still matches; which ones did."""
        saved = {id(job): True for job in batch}
        updates = [job for job in batch if job.version is not None]
        if updates:
            params = [
                {"aid": j.account_id, "old": j.version, "step": j.step, "data": j.data,
                 "new": (j.version or 0) + 1, "now": j.now}
                for j in updates
            ]
            if len(params) == 1 or not conn.dialect.supports_sane_multi_rowcount:
                for job, param in zip(updates, params, strict=True):
                    result = conn.execute(_UPDATE_STATE, param)
                    saved[id(job)] = result.rowcount == 1
            else:
                result = conn.execute(_UPDATE_STATE, params)
                if result.rowcount != len(params):  # someone else wrote some of them: find which
                    self._mark_lost(conn, updates, saved)
        inserts = [job for job in batch if job.version is None]
        if inserts:
            rows = [
                {"account_id": j.account_id, "step": j.step, "data": j.data, "version": 1, "updated_at": j.now}
                for j in inserts
            ]
            result = conn.execute(_insert_ignoring(conn.dialect.name, _conversations, ("account_id",)), rows)
            if result.rowcount != len(rows):
                self._mark_lost(conn, inserts, saved)
        return [saved[id(job)] for job in batch]

    def _mark_lost(self, conn: Connection, jobs: list[StateWrite], saved: dict[int, bool]) -> None:
        rows = conn.execute(
            select(_conversations.c.account_id, _conversations.c.version, _conversations.c.data).where(
                _conversations.c.account_id.in_([j.account_id for j in jobs])
            )
        )
        stored = {row.account_id: (row.version, row.data) for row in rows}
        for job in jobs:
            version, data = stored.get(job.account_id, (None, None))
            saved[id(job)] = version == (job.version or 0) + 1 and data == job.data

    def _apply_rest(self, conn: Connection, jobs: list[StateWrite]) -> None:
        """Outbox rows, events, segment changes and last-seen times of the jobs whose state was saved."""
        for job in jobs:
            for row in job.outbox:
                row["account_id"] = job.account_id
        rows = [row for job in jobs for row in job.outbox]
        if rows:
            ids = iter(outbox.store_rows(conn, rows))
            for job in jobs:
                job.outbox_ids = [next(ids) for _ in job.outbox]
        events = [row for job in jobs for row in job.events]
        if events:
            conn.execute(_INSERT_EVENTS, events)
        segments = [{"pid": j.person_id, "segment": j.segment, "now": j.now} for j in jobs if j.segment_changed]
        if segments:
            conn.execute(_UPDATE_SEGMENT, segments)
        touches = [{"aid": j.account_id, "now": j.now} for j in jobs if j.touch]
        if touches:
            conn.execute(_TOUCH, touches)


@functools.cache
def _insert_ignoring(dialect: str, table: Table, keys: tuple[str, ...], returning: tuple[str, ...] = ()) -> Insert:
    """INSERT that does nothing (no row, rowcount 0) when the unique ``keys`` already exist; built once
    per database kind (building and keying a statement costs more than running it on SQLite)."""
    if dialect == "sqlite":
        statement: Insert = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    elif dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    else:
        statement = insert(table)
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement
