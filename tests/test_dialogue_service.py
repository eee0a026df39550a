"""The dialogue service with a real database: persistence, restarts, concurrency, analytics, deletion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.analytics.privacy import HIDDEN, scrub
from bot.app import App
from bot.clock import FakeClock
from bot.config import load_settings
from bot.dialogue.messages import Incoming, UserRef
from bot.dialogue.state import Step
from bot.kb import load_knowledge_base
from bot.storage.models import Account, ConversationRow, EventRow, KBEntryTitle, KBVersion, Person
from tests.conftest import DEMO_KB
from tests.dialogue_helpers import Person as Talker

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL


def settings_for(tmp_path: Path, **env: str):
    import os

    os.environ["BOT_BOT__DATA_DIR"] = str(tmp_path / "data")
    for key, value in env.items():
        os.environ[key] = value
    return load_settings()


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    app = await App.create(settings_for(tmp_path), kb_path=DEMO_KB, clock=FakeClock())
    yield app
    await app.close()


async def count(app: App, model, *where) -> int:
    async with app.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_whole_conversation_is_persisted(app: App) -> None:
    person = Talker(app.dialogue.handle, UserRef("telegram", "100"))
    await person.say("/start")
    await person.press("Предприниматель")
    await person.say("как открыть ипшку")
    assert "Р21001" in person.text()
    await person.press("Да")
    async with app.db.session() as s:
        segment = await s.scalar(select(Person.segment))
        step = await s.scalar(select(ConversationRow.step))
    assert segment == "business"
    assert step == Step.RATE_SATISFACTION.value


async def test_restart_in_the_middle_continues_where_it_was(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    first = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock())
    person = Talker(first.dialogue.handle, UserRef("vk", "7"))
    await person.say("замена паспорта в 45")
    helped = person.last
    await first.close()

    second = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock())
    try:
        person.handle = second.dialogue.handle
        await person.press("Да", in_reply=helped)  # a button from before the restart still works
        assert "Насколько вы удовлетворены" in person.text()
        await person.press("Удовлетворён")
        assert "Легко ли" in person.text()
    finally:
        await second.close()


async def test_two_messages_at_once_are_handled_in_order(app: App) -> None:
    user = UserRef("telegram", "200")
    first, second = await asyncio.gather(
        app.dialogue.handle(Incoming(user, text="как открыть ипшку")),
        app.dialogue.handle(Incoming(user, text="потерял паспорт")),
    )
    assert first and second
    async with app.db.session() as s:
        account_id = await s.scalar(select(Account.id))
    conv = await app.dialogue.conversation(account_id)
    assert conv is not None
    assert [t.query for t in conv.log] == ["как открыть ипшку", "потерял паспорт"]
    assert await count(app, EventRow, EventRow.kind == "request") == 2
    assert len(app.dialogue.locks) == 0  # locks are dropped when idle


async def test_two_processes_on_one_database_do_not_lose_a_message(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    one = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock())
    two = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock())
    try:
        user = UserRef("telegram", "300")
        await one.dialogue.handle(Incoming(user, text="привет"))
        await asyncio.gather(
            one.dialogue.handle(Incoming(user, text="как открыть ипшку")),
            two.dialogue.handle(Incoming(user, text="потерял паспорт")),
        )
        async with one.db.session() as s:
            account_id = await s.scalar(select(Account.id))
        conv = await one.dialogue.conversation(account_id)
        assert conv is not None
        assert sorted(t.query for t in conv.log[-2:]) == ["как открыть ипшку", "потерял паспорт"]
    finally:
        await one.close()
        await two.close()


async def test_many_people_at_once(app: App) -> None:
    people = [Talker(app.dialogue.handle, UserRef("telegram", str(1000 + i))) for i in range(40)]
    await asyncio.gather(*(p.say("субсидия на жкх") for p in people))
    await asyncio.gather(*(p.say("как записаться в мфц") for p in people))
    assert await count(app, Person) == 40
    assert await count(app, EventRow, EventRow.kind == "request") == 80


async def test_analytics_use_pseudonyms_and_keep_unanswered_texts_for_a_while(app: App) -> None:
    person = Talker(app.dialogue.handle, UserRef("telegram", "555000111"))
    await person.say("зюзюка бурдык, мой телефон +7 913 123-45-67")
    async with app.db.session() as s:
        rows = (await s.execute(select(EventRow))).scalars().all()
    assert rows
    for row in rows:
        assert "555000111" not in (row.person + str(row.text))
        assert len(row.person) == 24
    assert len({row.person for row in rows}) == 1
    texts = [r for r in rows if r.text]
    assert texts and all("913" not in r.text and HIDDEN in r.text for r in texts)
    assert all(r.text_expires_at is not None for r in texts)
    app.clock.advance(days=181)  # type: ignore[attr-defined]
    assert await app.purge_expired() == len(texts)
    assert await count(app, EventRow, EventRow.text.is_not(None)) == 0
    assert await count(app, EventRow) == len(rows)  # the events stay, only the texts go


def test_scrub_hides_personal_numbers() -> None:
    text = "паспорт 45 06 123456, снилс 123-456-789 01, почта ivan@mail.ru, тел 8 (913) 123-45-67"
    cleaned = scrub(text)
    for secret in ("123456", "123-456-789", "ivan@mail.ru", "913"):
        assert secret not in cleaned


async def test_forget_deletes_the_person(app: App) -> None:
    person = Talker(app.dialogue.handle, UserRef("telegram", "900"))
    await person.say("зюзюка бурдык")
    await person.say("/forget")
    await person.press("Удалить")
    assert "удалены" in person.text()
    assert await count(app, Person) == 0
    assert await count(app, Account) == 0
    assert await count(app, ConversationRow) == 0
    assert await count(app, EventRow, EventRow.text.is_not(None)) == 0
    assert await count(app, EventRow) > 0  # anonymous statistics remain
    await person.say("привет")  # starts afresh
    assert "Здравствуйте" in person.text()


async def test_knowledge_base_version_is_recorded_once(app: App, tmp_path: Path) -> None:
    await app.record_kb_version(app.knowledge.current)
    assert await count(app, KBVersion) == 1
    assert await count(app, KBEntryTitle) == len(app.knowledge.current.base)


async def test_no_operators_configured_says_how_to_reach_people(app: App) -> None:
    person = Talker(app.dialogue.handle, UserRef("telegram", "901"))
    await person.say("/operator")
    assert "официальным контактам" in person.text()
    assert await count(app, EventRow, EventRow.kind == "escalation") == 1


async def test_handling_a_message_never_scans_a_whole_table(app: App) -> None:
    """Tables grow for days (processed updates are kept a week): every statement of a message's path,
    alone or group-committed with others, must find its rows through an index."""
    from datetime import UTC, datetime

    from sqlalchemy import Engine, event, insert

    from bot.storage.models import ProcessedUpdate

    async with app.db.transaction() as conn:
        await conn.execute(insert(ProcessedUpdate), [
            {"channel": "telegram", "update_key": str(n), "processed_at": datetime.now(UTC)} for n in range(3000)
        ])
    known = [UserRef("telegram", str(500 + n)) for n in range(4)]
    await asyncio.gather(*(app.dialogue.process(Incoming(u, text="/start"), update_key=f"start-{n}", durable=True)
                           for n, u in enumerate(known)))
    statements: list[tuple[str, object]] = []
    batches: list[int] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        statements.append((statement, parameters[0] if executemany else parameters))

    commit = app.dialogue.journal._commit

    async def counted(batch):
        batches.append(len(batch))
        return await commit(batch)

    app.dialogue.journal._commit = counted  # type: ignore[method-assign]
    # every engine of the process: the group commit has a connection of its own (run_in_transaction)
    event.listen(Engine, "before_cursor_execute", record)
    try:
        newcomers = [UserRef("telegram", str(600 + n)) for n in range(4)]
        await asyncio.gather(*(
            app.dialogue.process(Incoming(u, text="как открыть ипшку"), update_key=f"ask-{n}", durable=True)
            for n, u in enumerate(known + newcomers)
        ))
        again = await app.dialogue.process(Incoming(known[0], text="как открыть ипшку"), update_key="ask-0",
                                           durable=True)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert again.duplicate
    assert max(batches) > 1, "the messages were not committed together"
    reads = [(s, p) for s, p in statements if s.lstrip().split()[0].upper() in ("SELECT", "UPDATE", "DELETE")]
    assert reads, "the path was not recorded"
    plans: list[str] = []
    if not app.db.is_sqlite:  # PostgreSQL: with sequential scans priced out, only a missing index leaves one
        async with app.db.transaction() as conn:
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            for statement, parameters in reads:
                rows = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)  # type: ignore[arg-type]
                plans += [f"{row[0]}  <- {statement.split(chr(10))[0][:80]}" for row in rows]
        assert plans and [p for p in plans if "Seq Scan" in p] == []
        return
    async with app.db.read() as conn:
        for statement, parameters in reads:
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)  # type: ignore[arg-type]
            plans += [f"{row.detail}  <- {statement.split(chr(10))[0][:80]}" for row in rows]
    scans = [p for p in plans if p.startswith("SCAN ") and "CONSTANT ROW" not in p]
    assert scans == []


async def test_a_citizen_complaining_about_an_official_gets_options_not_the_business_ombudsman(app: App) -> None:
    person = Talker(app.dialogue.handle, UserRef("telegram", "300"))
    await person.say("/start")
    await person.press("Гражданин")
    replies = await person.say("хочу пожаловаться на чиновника")
    ombudsman = load_knowledge_base(DEMO_KB).entries["business-ombudsman"]
    assert replies  # a complaint the base does not answer for a citizen goes to people, not to the ombudsman
    assert ombudsman.answer[:40] not in person.text(replies)
    assert ombudsman.answer[:40] in person.text(await Talker(app.dialogue.handle, UserRef("telegram", "301")).say(
        "хочу пожаловаться на чиновника"))  # without a segment the one matching entry is still answered
