"""Broadcasts by editors: a message to everybody who switched a category (or a topic) on, in a segment.

Life of a broadcast: ``create`` (a draft) → ``preview`` (the exact message to an editor's chat) →
``schedule`` (refused with a clear reason when nobody could get it) → at ``send_at`` a scheduler job
``dispatch_due`` queues one outbox row per person (or a digest item for people who chose a daily or
weekly digest), each moved out of the person's quiet hours and within the per-person daily cap. The
outbox claim sends each row once; a crash while queueing or sending resumes without duplicates
(rows are keyed by account and ``broadcast:<id>``). Consent is checked again just before each send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.consent import records
from bot.delivery import outbox
from bot.dialogue.messages import Outgoing
from bot.kb.model import KnowledgeBase
from bot.notify import compose, prefs, queue
from bot.notify.texts import NotifyTexts
from bot.notify.timing import out_of_quiet, zone
from bot.storage.models import Account, BroadcastRow, ConsentState, DigestItem, NotificationSettings, OutboxRow, Person

CATEGORIES = ("content", "transactional", "trigger")
SEGMENTS = ("citizen", "business")
DRAFT, SCHEDULED, SENDING, DONE, CANCELLED = "draft", "scheduled", "sending", "done", "cancelled"
MAX_TEXT = 3000
MAX_BUTTONS = 3
CHUNK = 1000
TAKE_OVER_AFTER = timedelta(minutes=10)

_b = BroadcastRow.__table__
_state = ConsentState.__table__
_persons = Person.__table__
_accounts = Account.__table__
_settings = NotificationSettings.__table__
_outbox = OutboxRow.__table__
_digest = DigestItem.__table__


class BroadcastError(ValueError):
    """A broadcast that cannot be created or scheduled; the message says why, for the editor."""


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    author: str
    text: str
    entries: tuple[str, ...]
    category: str
    segment: str | None
    topic: str | None
    send_at: datetime
    status: str
    queued: int | None
    digested: int | None
    capped: int | None

    @property
    def subject(self) -> str:
        """The consent this broadcast relies on: the topic's, or the category's."""
        return records.topic_subject(self.topic) if self.topic else f"notify:{self.category}"

    @property
    def ref(self) -> str:
        return f"broadcast:{self.id}"


def _from_row(row: Any) -> Broadcast:
    return Broadcast(
        row.id, row.author, row.text, tuple(orjson.loads(row.entries or "[]")), row.category, row.segment, row.topic,
        row.send_at, row.status, row.queued, row.digested, row.capped,
    )


def check(text: str, category: str, segment: str | None, topic: str | None, entries: Sequence[str],
          kb: KnowledgeBase) -> list[str]:
    """Problems with a broadcast's content, in plain words (empty: fine)."""
    problems = []
    if not text.strip():
        problems.append("the text is empty")
    if len(text) > MAX_TEXT:
        problems.append(f"the text is {len(text)} characters; at most {MAX_TEXT}")
    if category not in CATEGORIES:
        problems.append(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
    if segment is not None and segment not in SEGMENTS:
        problems.append(f"unknown segment {segment!r}; use citizen, business or leave it out for everybody")
    if topic is not None and kb.topic(topic) is None:
        problems.append(f"no topic {topic!r} in the knowledge base")
    for entry in entries:
        if entry not in kb.entries:
            problems.append(f"no entry {entry!r} in the knowledge base")
    if len(entries) > MAX_BUTTONS:
        problems.append(f"at most {MAX_BUTTONS} entry buttons")
    return problems


async def create(
    conn: AsyncConnection, *, author: str, text: str, category: str, segment: str | None, topic: str | None,
    entries: Sequence[str], send_at: datetime, now: datetime, kb: KnowledgeBase,
) -> int:
    problems = check(text, category, segment, topic, entries, kb)
    if problems:
        raise BroadcastError("; ".join(problems))
    return (
        await conn.execute(
            _b.insert()
            .values(author=author[:64], text=text.strip(), entries=orjson.dumps(list(entries)).decode(),
                    category=category, segment=segment, topic=topic, send_at=send_at, status=DRAFT, created_at=now)
            .returning(_b.c.id)
        )
    ).scalar_one()


async def get(conn: AsyncConnection, broadcast_id: int) -> Broadcast | None:
    row = (await conn.execute(select(_b).where(_b.c.id == broadcast_id))).first()
    return _from_row(row) if row is not None else None


async def listing(conn: AsyncConnection, limit: int = 50) -> list[Broadcast]:
    rows = await conn.execute(select(_b).order_by(_b.c.id.desc()).limit(limit))
    return [_from_row(r) for r in rows]


def message(texts: NotifyTexts, b: Broadcast, kb: KnowledgeBase, consent_at: datetime | None) -> Outgoing:
    topic = kb.topic(b.topic) if b.topic else None
    entries = [(kb.entries[e].question[:60], e) for e in b.entries if e in kb.entries]
    return compose.notification(
        texts, b.text, subject=b.subject, consent_at=consent_at, topic_title=topic.title if topic else "",
        entries=entries,
    )


@dataclass(frozen=True, slots=True)
class Audience:
    in_segment: int  # people in the segment (everybody without a segment filter)
    consented: int  # …of them with the broadcast's consent given
    reachable: int  # …of them with an account that has not blocked the bot


async def audience(conn: AsyncConnection, b: Broadcast) -> Audience:
    segment_filter = [_persons.c.segment == b.segment] if b.segment else []
    in_segment = await conn.scalar(select(func.count()).select_from(_persons).where(*segment_filter))
    consent_join = _persons.join(
        _state, and_(_state.c.person_id == _persons.c.id, _state.c.subject == b.subject, _state.c.granted)
    )
    consented = await conn.scalar(select(func.count()).select_from(consent_join).where(*segment_filter))
    reachable = await conn.scalar(
        select(func.count(func.distinct(_persons.c.id)))
        .select_from(consent_join.join(_accounts, _accounts.c.person_id == _persons.c.id))
        .where(_accounts.c.unreachable_at.is_(None), *segment_filter)
    )
    return Audience(int(in_segment or 0), int(consented or 0), int(reachable or 0))


def explain(b: Broadcast, found: Audience) -> str | None:
    """Why nobody would get this broadcast (None: somebody would)."""
    who = {"citizen": "citizens", "business": "entrepreneurs"}.get(b.segment or "", "people")
    if found.in_segment == 0:
        return f"No audience: there are no {who} among the bot's users yet; nothing would be sent."
    if found.consented == 0:
        what = f"subscribed to the topic {b.topic!r}" if b.topic else f"switched on the {b.category!r} category"
        return (f"Nobody has consented: none of the {found.in_segment} {who} {what}; "
                "nothing can be sent without consent.")
    if found.reachable == 0:
        return f"All {found.consented} consenting {who} have blocked the bot; nothing would be delivered."
    return None


async def schedule(conn: AsyncConnection, broadcast_id: int, send_at: datetime | None = None) -> Audience:
    b = await get(conn, broadcast_id)
    if b is None:
        raise BroadcastError(f"no broadcast #{broadcast_id}")
    if b.status not in (DRAFT, SCHEDULED):
        raise BroadcastError(f"broadcast #{broadcast_id} is {b.status}; only drafts can be scheduled")
    found = await audience(conn, b)
    reason = explain(b, found)
    if reason is not None:
        raise BroadcastError(reason)
    values: dict[str, Any] = {"status": SCHEDULED}
    if send_at is not None:
        values["send_at"] = send_at
    await conn.execute(update(_b).where(_b.c.id == broadcast_id).values(**values))
    return found


async def cancel(conn: AsyncConnection, broadcast_id: int) -> int:
    """Cancel a broadcast; messages already queued but not sent are skipped. How many were stopped."""
    b = await get(conn, broadcast_id)
    if b is None:
        raise BroadcastError(f"no broadcast #{broadcast_id}")
    if b.status == CANCELLED:
        return 0
    await conn.execute(update(_b).where(_b.c.id == broadcast_id).values(status=CANCELLED))
    stopped = await conn.execute(
        update(_outbox)
        .where(_outbox.c.ref == b.ref, _outbox.c.status == outbox.PENDING)
        .values(status=outbox.SKIPPED, error="cancelled")
    )
    await conn.execute(_digest.delete().where(_digest.c.broadcast_id == broadcast_id, _digest.c.sent_at.is_(None)))
    return int(stopped.rowcount or 0)


async def preview(conn: AsyncConnection, b: Broadcast, channel: str, chat_id: str, texts: NotifyTexts,
                  kb: KnowledgeBase, now: datetime) -> int:
    """Queue the exact message for an editor's chat (the running bot sends it)."""
    shown = message(texts, b, kb, now)
    draft = Outgoing(f"Предпросмотр рассылки #{b.id}\n\n{shown.text}", shown.buttons)
    return (await outbox.insert_rows(conn, outbox.rows_for(channel, chat_id, [draft], now, kind="system")))[0]


# --- sending ---------------------------------------------------------------------------------------


async def claim_due(conn: AsyncConnection, now: datetime) -> list[Broadcast]:
    """Take scheduled broadcasts whose time has come (and ones a dead process left half-queued)."""
    claimable = or_(
        and_(_b.c.status == SCHEDULED, _b.c.send_at <= now),
        and_(_b.c.status == SENDING, _b.c.claimed_at < now - TAKE_OVER_AFTER),
    )
    ids = (await conn.execute(select(_b.c.id).where(claimable).order_by(_b.c.send_at))).scalars().all()
    taken = []
    for broadcast_id in ids:
        result = await conn.execute(
            update(_b).where(_b.c.id == broadcast_id, claimable).values(status=SENDING, claimed_at=now)
        )
        if result.rowcount:
            found = await get(conn, broadcast_id)
            assert found is not None
            taken.append(found)
    return taken


@dataclass(frozen=True, slots=True)
class Queued:
    queued: int = 0
    digested: int = 0
    capped: int = 0
    unreachable: int = 0


async def queue_broadcast(
    conn: AsyncConnection, b: Broadcast, now: datetime, defaults: prefs.Defaults, texts: NotifyTexts,
    kb: KnowledgeBase, daily_cap: int,
) -> Queued:
    """Queue a claimed broadcast for its whole audience (idempotent: what is queued stays queued)."""
    segment_filter = [_persons.c.segment == b.segment] if b.segment else []
    people = (
        await conn.execute(
            select(_persons.c.id, _state.c.at, _settings.c.frequency, _settings.c.quiet_from, _settings.c.quiet_to,
                   _settings.c.timezone, _settings.c.person_id.label("stored"))
            .select_from(
                _persons.join(_state, and_(_state.c.person_id == _persons.c.id, _state.c.subject == b.subject,
                                           _state.c.granted))
                .outerjoin(_settings, _settings.c.person_id == _persons.c.id)
            )
            .where(*segment_filter)
            .order_by(_persons.c.id)
        )
    ).all()
    accounts: dict[int, tuple[int, str, str]] = {}
    rows = await conn.execute(
        select(_accounts.c.person_id, _accounts.c.id, _accounts.c.channel, _accounts.c.external_id)
        .select_from(_accounts.join(_state, and_(_state.c.person_id == _accounts.c.person_id,
                                                 _state.c.subject == b.subject, _state.c.granted)))
        .where(_accounts.c.unreachable_at.is_(None))
        .order_by(_accounts.c.last_seen_at, _accounts.c.id)
    )
    for row in rows:
        accounts[row.person_id] = (row.id, row.channel, row.external_id)  # the latest seen wins
    done_accounts = set(
        (await conn.execute(select(_outbox.c.account_id).where(_outbox.c.ref == b.ref))).scalars().all()
    )
    done_digest = set(
        (await conn.execute(select(_digest.c.person_id).where(_digest.c.broadcast_id == b.id))).scalars().all()
    )
    window = now - timedelta(hours=24)
    recent = dict(
        (await conn.execute(
            select(_outbox.c.person_id, func.count())
            .where(_outbox.c.kind == outbox.NOTIFICATION, _outbox.c.ref.like("broadcast:%"),
                   _outbox.c.created_at >= window, _outbox.c.status != outbox.SKIPPED)
            .group_by(_outbox.c.person_id)
        )).all()
    )
    send_from = max(now, b.send_at)
    new_rows: list[dict[str, Any]] = []
    new_digest: list[dict[str, Any]] = []
    capped = unreachable = 0
    for person in people:
        person_prefs = prefs.resolve(defaults, person.frequency, person.quiet_from, person.quiet_to, person.timezone,
                                     stored=person.stored is not None)
        if b.category == "content" and person_prefs.frequency in ("daily", "weekly"):
            if person.id not in done_digest:
                new_digest.append({"person_id": person.id, "broadcast_id": b.id, "consent": b.subject,
                                   "created_at": now})
            continue
        account = accounts.get(person.id)
        if account is None:
            unreachable += 1
            continue
        if account[0] in done_accounts:
            continue
        if recent.get(person.id, 0) >= daily_cap:
            capped += 1
            continue
        tz = zone(person_prefs.timezone, defaults.timezone)
        due = out_of_quiet(send_from, tz, person_prefs.quiet_from, person_prefs.quiet_to)
        new_rows += queue.rows(account, person.id, message(texts, b, kb, person.at), now=now, due_at=due,
                               consent=b.subject, ref=b.ref)
    for start in range(0, len(new_rows), CHUNK):
        await outbox.insert_rows(conn, new_rows[start : start + CHUNK])
    for start in range(0, len(new_digest), CHUNK):
        await conn.execute(_digest.insert(), new_digest[start : start + CHUNK])
    queued = len(done_accounts) + len(new_rows)
    digested = len(done_digest) + len(new_digest)
    await conn.execute(
        update(_b).where(_b.c.id == b.id).values(status=DONE, queued=queued, digested=digested, capped=capped)
    )
    return Queued(queued, digested, capped, unreachable)


async def dispatch_due(db: Any, now: datetime, defaults: prefs.Defaults, texts: NotifyTexts, kb: KnowledgeBase,
                       daily_cap: int) -> list[tuple[int, Queued]]:
    """The scheduler job: claim due broadcasts and queue each in its own transaction."""
    async with db.transaction() as conn:
        taken = await claim_due(conn, now)
    results = []
    for b in taken:
        async with db.transaction() as conn:
            results.append((b.id, await queue_broadcast(conn, b, now, defaults, texts, kb, daily_cap)))
    return results
