"""Personal data (issue 17, item 7): masks, what a conversation keeps and for how long, /forget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.analytics.privacy import HIDDEN, NAME, scrub
from bot.app import App
from bot.clock import FakeClock
from bot.dialogue.messages import Incoming, UserRef
from bot.kb import load_knowledge_base
from bot.people import erasure
from bot.people import repository as people
from bot.storage.models import ConversationRow, EventRow, OutboxRow
from tests.conftest import DEMO_KB
from tests.dialogue_helpers import Person as Talker
from tests.test_dialogue_service import settings_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    app = await App.create(settings_for(tmp_path), kb_path=DEMO_KB, clock=FakeClock())
    yield app
    await app.close()


@pytest.mark.parametrize(("text", "secret"), [
    ("мой телефон 912-345-67-89", "345-67"),
    ("звоните 8 (4152) 12-34-56", "12-34-56"),
    ("+7 913 123 45 67", "123 45 67"),
    ("карта 4276 1234 5678 9012", "5678"),
    ("снилс 123 456 789 01", "789"),
    ("ИНН 77 01 234567 89", "234567"),
    ("паспорт 45 10 № 123456", "123456"),
    ("паспорт 4510 123456", "123456"),
    ("почта ivan.petrov@mail.ru", "petrov"),
    ("меня зовут Иванов Пётр Сергеевич", "Иванов"),
    ("Мария Петровна просит перезвонить", "Мария"),
    ("живу ул. Ленина, д. 5, кв. 12", "Ленина"),
    ("адрес: проспект Мира 15 кв 3", "Мира 15"),
])
def test_masks_hide_personal_data(text: str, secret: str) -> None:
    masked = scrub(text)
    assert secret not in masked and (HIDDEN in masked or NAME in masked)


def test_masks_leave_ordinary_questions_alone() -> None:
    texts = [line.split("\t")[0] for line in (ROOT / "tests" / "data" / "demo_queries.tsv").read_text().splitlines()]
    for entry in load_knowledge_base(ROOT / "knowledge_base").entries.values():
        texts += [entry.question, *entry.paraphrases]
    texts += ["надежда есть, вера тоже", "пособие 15 000 рублей", "справка от 12.03.2024", "как получить ИНН",
              "бесплатный проезд пенсионерам", "кафе на улице разрешение"]
    assert [t for t in texts if scrub(t) != t] == []


async def _conversation(app: App) -> str:
    async with app.db.session() as s:
        return str(await s.scalar(select(ConversationRow.data)))


async def test_a_conversation_keeps_questions_masked_and_only_for_the_retention_period(app: App) -> None:
    person = Talker(app.dialogue.handle, UserRef("telegram", "700"))
    await person.say("паспорт 45 10 № 123456 потерял, что делать, звоните 912-345-67-89")
    data = await _conversation(app)
    assert "123456" not in data and "912-345" not in data and HIDDEN in data
    app.clock.advance(days=31)  # type: ignore[attr-defined]
    await app.purge_expired()
    data = await _conversation(app)
    assert "потерял" not in data and '"log"' not in data
    await person.say("как открыть ипшку")  # the conversation goes on
    assert "Р21001" in person.text()


async def _outbox(app: App, *where) -> int:
    async with app.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxRow).where(*where)) or 0)


async def test_after_forget_nothing_of_the_person_remains_in_the_outbox(app: App) -> None:
    user = UserRef("telegram", "4242")

    async def say(text: str | None = None, button: str | None = None) -> list:
        handled = await app.dialogue.process(Incoming(user, text=text, button=button), durable=True)
        return handled.envelopes

    await say("мой телефон 912-345-67-89, как открыть ипшку")
    await say("/forget")
    confirm = await app.dialogue.conversation(1)
    assert confirm is not None
    envelopes = await say(button=f"{confirm.menus[-1].serial}.0")
    assert "удалены" in envelopes[0].message.text
    assert await _outbox(app, OutboxRow.recipient == "4242") == 1  # only the farewell, still to be sent
    async with app.db.transaction() as conn:
        await conn.execute(OutboxRow.__table__.update().values(status="sent"))
    await app.purge_expired()
    assert await _outbox(app, OutboxRow.recipient == "4242") == 0
    assert await _outbox(app) == 0
    async with app.db.session() as s:
        texts = (await s.execute(select(EventRow.text).where(EventRow.text.is_not(None)))).all()
    assert texts == []


async def test_a_newcomer_never_inherits_a_deleted_persons_pseudonym(app: App) -> None:
    first = Talker(app.dialogue.handle, UserRef("telegram", "1"))
    await first.say("зюзюка бурдык")
    async with app.db.session() as s:
        deleted = set((await s.execute(select(EventRow.person))).scalars())
    await first.say("/forget")
    await first.press("Удалить")
    newcomer = Talker(app.dialogue.handle, UserRef("telegram", "2"))
    await newcomer.say("зюзюка бурдык")
    async with app.db.read() as conn:
        account = await people.find_account(conn, UserRef("telegram", "2"))
    assert account is not None
    assert app.recorder.pseudonyms.person(account.person_id) not in deleted


def test_farewell_ref_is_what_the_purge_removes() -> None:
    assert erasure.FAREWELL_REF == "forgotten"
