"""The application: settings, database, knowledge base and services wired together once per process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.privacy import Pseudonyms, load_salt
from bot.analytics.recorder import EventRecorder, popular_entries, purge_expired_texts
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.delivery import dead_letters
from bot.delivery.lease import Identity, Lease
from bot.dialogue.about import AboutBot
from bot.dialogue.contacts import Contacts
from bot.dialogue.emergency import SafetyNumbers
from bot.dialogue.logic import case_rating_ref
from bot.dialogue.service import Branding, DialogueService
from bot.dialogue.texts import Texts
from bot.handoff.cases import Case
from bot.handoff.files import FileSource
from bot.handoff.hours import Schedule
from bot.handoff.port import HandoffPort, NoOperators
from bot.handoff.posting import Workspace
from bot.handoff.service import HandoffService
from bot.kb.live import LiveKnowledge, Snapshot
from bot.notify.desk import NotifyDesk
from bot.notify.rating import schedule_rating_invitation
from bot.notify.reminders import remindable
from bot.people import erasure
from bot.storage import Database, upgrade
from bot.storage.database import private_dir
from bot.storage.models import KBEntryTitle, KBVersion

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    db: Database
    knowledge: LiveKnowledge
    dialogue: DialogueService
    texts: Texts
    clock: Clock
    recorder: EventRecorder
    extras: dict[str, object] = field(default_factory=dict)
    # where each running channel's files can be downloaded (for operators' files to another platform)
    file_sources: dict[str, FileSource] = field(default_factory=dict)
    lease: Lease | None = None  # this process's claim on the outbox rows it is sending
    identity: Identity | None = None

    @classmethod
    async def create(
        cls,
        settings: Settings,
        *,
        kb_path: Path | None = None,
        clock: Clock | None = None,
        handoff: HandoffPort | None = None,
        texts: Texts | None = None,
    ) -> App:
        clock = clock or SystemClock()
        texts = texts or Texts()
        private_dir(settings.bot.data_dir)  # the database, the salt and the caches: for this user only
        db = Database(settings.database_url, echo=settings.database.echo, lock_timeout=settings.database.lock_timeout)
        identity = Identity.acquire(settings.bot.data_dir, settings.delivery.instance)
        try:
            if settings.database.auto_migrate:
                await db.retry_when_locked(lambda: upgrade(db.engine))
            knowledge = LiveKnowledge(
                kb_path or settings.knowledge_base.path,
                settings.matcher,
                cache_dir=settings.bot.data_dir / "cache",
            )
            async with db.transaction() as conn:
                salt = await load_salt(
                    conn, settings.analytics.salt.get_secret_value() if settings.analytics.salt else None,
                    settings.bot.data_dir,
                )
            recorder = EventRecorder(
                Pseudonyms(salt), timedelta(days=settings.analytics.unanswered_retention_days)
            )
            branding = conversation_branding(settings)
            section = settings.notifications
            desk = NotifyDesk(section, settings.bot.timezone, knowledge, recorder, settings.bot.privacy_policy_url)
            dialogue = DialogueService(
                db, knowledge, texts, recorder, handoff or NoOperators(texts, branding.contacts), clock, branding,
                notify=desk, instance=identity.name,
                remindable=partial(remindable, entry_ids=tuple(section.reminder_entries),
                                   words=tuple(section.reminder_words)),
            )
            if settings.handoff.chat_id is not None and settings.telegram.token is None:
                log.warning("handoff.chat_id is set but there is no Telegram token: the operators' desk is off")
            if handoff is None and settings.handoff.chat_id is not None and settings.telegram.token is not None:
                desk_service = build_handoff(settings, db, knowledge, clock)
                dialogue.handoff = desk_service
                desk_service.run_dialogue = dialogue.run_and_queue
                rating_delay = timedelta(hours=section.rating_delay_hours)

                async def invite_to_rate(conn: AsyncConnection, case: Case, now: datetime) -> None:
                    if case.person_id is not None and case.first_response_at is not None:  # an operator replied
                        await schedule_rating_invitation(
                            conn, person_id=case.person_id, case_ref=case_rating_ref(case.id), closed_at=now,
                            delay=rating_delay,
                        )

                desk_service.on_closed.append(invite_to_rate)
            app = cls(settings, db, knowledge, dialogue, texts, clock, recorder, identity=identity)
            app.lease = Lease(db, clock, identity.name, settings.delivery.lease_seconds)
            await app.lease.start()
            await app.record_kb_version(knowledge.current)
            await app.refresh_popular()
            await app.purge_expired()
        except BaseException:
            await db.dispose()
            identity.release()
            raise
        return app

    async def record_kb_version(self, snapshot: Snapshot) -> None:
        """Remember the questions of this base version, so old analytics stay readable."""
        base = snapshot.base
        try:
            async with self.db.session() as session:
                exists = await session.scalar(select(KBVersion.id).where(KBVersion.checksum == base.checksum))
                if exists is not None:
                    return
                version = KBVersion(
                    checksum=base.checksum, source=base.source, topics=len(base.topics), entries=len(base),
                    loaded_at=self.clock.now(),
                )
                session.add(version)
                await session.flush()
                session.add_all(
                    KBEntryTitle(version_id=version.id, entry_id=e.id, topic_id=e.topic_id, question=e.question)
                    for e in base.entries.values()
                )
        except IntegrityError:
            log.debug("Base version %s was recorded by another instance at the same moment", base.checksum)

    async def refresh_popular(self) -> None:
        """The entries people were answered with most in the last 90 days: examples in the bot's hints."""
        async with self.db.read() as conn:
            self.dialogue.popular = await popular_entries(conn, self.clock.now() - timedelta(days=90))

    async def purge_expired(self) -> int:
        now = self.clock.now()
        privacy = self.settings.privacy
        async with self.db.transaction() as conn:
            purged = await purge_expired_texts(conn, now)
            questions = await erasure.purge_questions(conn, now - timedelta(days=privacy.conversation_retention_days))
            sent = await erasure.purge_outbox(conn, now - timedelta(hours=privacy.outbox_retention_hours))
            dropped = await dead_letters.purge(conn, now - timedelta(days=self.settings.delivery.dead_letter_days))
        if dropped:
            log.info("Removed %d dead letters past their retention period", dropped)
        if purged:
            log.info("Removed %d question texts past their retention period", purged)
        if questions or sent:
            log.info("Removed the questions of %d conversations and %d delivered messages past retention",
                     questions, sent)
        return purged

    @property
    def handoff(self) -> HandoffService | None:
        """The operators' desk, when one is configured."""
        port = self.dialogue.handoff
        return port if isinstance(port, HandoffService) else None

    def add_sender(self, wake: Callable[[], None]) -> None:
        """A channel's sender: told whenever rows are queued outside its own replies."""
        self.dialogue.wakers.append(wake)
        if self.handoff is not None:
            self.handoff.wakers.append(wake)

    async def close(self) -> None:
        if self.lease is not None:
            await self.lease.stop()
        await self.dialogue.close()
        await asyncio.to_thread(self.knowledge.close)  # the encoder's warm-up keeps what it embedded
        await self.db.dispose()
        if self.identity is not None:
            self.identity.release()


def conversation_branding(settings: Settings) -> Branding:
    """The bot's name and what it tells people: emergency numbers, contacts, the survey, about itself."""
    safety, contacts, about = settings.safety, settings.contacts, settings.about
    defaults = AboutBot()
    return Branding(
        settings.bot.name,
        settings.bot.organisation,
        settings.bot.privacy_policy_url,
        safety=SafetyNumbers(
            emergency=safety.emergency_number, fire=safety.fire_number, police=safety.police_number,
            ambulance=safety.ambulance_number, gas=safety.gas_number,
            crisis_lines=tuple(safety.crisis_helplines), violence_lines=tuple(safety.violence_helplines),
            children_lines=tuple(safety.children_helplines),
        ),
        contacts=Contacts(contacts.phone, contacts.email, contacts.hours, contacts.address, contacts.online_reception),
        rating_interval=timedelta(hours=settings.ratings.min_interval_hours),
        about=AboutBot(about.who or defaults.who, about.abilities or defaults.abilities, about.name or defaults.name),
    )


def build_handoff(settings: Settings, db: Database, knowledge: LiveKnowledge, clock: Clock) -> HandoffService:
    section = settings.handoff
    assert section.chat_id is not None
    schedule = Schedule.from_settings(section, settings.bot.timezone)
    workspace = Workspace("telegram", str(section.chat_id))
    return HandoffService(db, section, schedule, workspace, knowledge, clock)
