"""/link: one-time codes join a person's accounts in two channels (pure helpers and the service)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, select

from bot.app import App
from bot.clock import FakeClock
from bot.dialogue.messages import Incoming, UserRef
from bot.people import linking
from bot.storage.models import Account, EventRow, LinkCode, Person
from tests.conftest import DEMO_KB
from tests.test_dialogue_service import settings_for

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

TG = UserRef("telegram", "501")
VK = UserRef("vk", "701")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    app = await App.create(settings_for(tmp_path), kb_path=DEMO_KB, clock=FakeClock())
    yield app
    await app.close()


async def say(app: App, user: UserRef, text: str) -> str:
    return "\n".join(r.text for r in await app.dialogue.handle(Incoming(user, text=text)))


async def press(app: App, user: UserRef, text: str, label: str) -> str:
    replies = await app.dialogue.handle(Incoming(user, text=text))
    button = next(b for r in replies for b in r.all_buttons() if b.text == label)
    return "\n".join(r.text for r in await app.dialogue.handle(Incoming(user, button=button.payload)))


async def count(app: App, model, *where) -> int:
    async with app.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def code_in(text: str) -> str:
    found = re.search(r"/link (\d{4} \d{4})", text)
    assert found, text
    return found.group(1)


def test_codes_are_normalised_and_hashed() -> None:
    code = linking.new_code()
    assert len(code) == 8 and code.isdigit()
    assert linking.normalize(linking.display(code)) == code
    assert linking.normalize("1234-5678") == "12345678"
    assert linking.normalize("1234 567") is None and linking.normalize("abcd efgh") is None
    assert code not in linking.code_hash(code)


async def test_link_joins_two_people_segment_of_the_code_giver_wins(app: App) -> None:
    assert "предпринимателей" in await press(app, TG, "/profile", "Предприниматель")
    assert "граждан" in await press(app, VK, "/profile", "Гражданин")
    assert await count(app, Person) == 2
    await say(app, TG, "потерял паспорт")  # some history on both sides
    await say(app, VK, "как открыть ипшку")

    code = code_in(await say(app, TG, "/link"))
    assert await count(app, LinkCode) == 1
    async with app.db.read() as conn:
        assert await conn.scalar(select(LinkCode.code_hash)) != code.replace(" ", "")  # only a hash is kept
    assert "связаны" in await say(app, VK, f"/link {code}")
    assert await count(app, Person) == 1
    async with app.db.read() as conn:
        people_of_accounts = set((await conn.execute(select(Account.person_id))).scalars())
        event_people = set((await conn.execute(select(EventRow.person))).scalars())
    assert len(people_of_accounts) == 1
    assert event_people == {app.recorder.pseudonyms.person(people_of_accounts.pop())}  # history re-keyed
    assert "для предпринимателей" in await say(app, VK, "/profile")  # the shared segment, at once
    assert "для предпринимателей" in await say(app, TG, "/profile")

    assert "уже связаны" in await say(app, VK, f"/link {code_in(await say(app, TG, '/link'))}")
    # /forget in one channel now deletes the person with both accounts
    replies = await app.dialogue.handle(Incoming(VK, text="/forget"))
    yes = next(b for r in replies for b in r.all_buttons() if b.text == "Удалить")
    await app.dialogue.handle(Incoming(VK, button=yes.payload))
    assert await count(app, Person) == 0 and await count(app, Account) == 0


async def test_codes_are_single_use_expire_and_stay_in_their_channel(app: App) -> None:
    code = code_in(await say(app, TG, "/link"))
    assert "другом мессенджере" in await say(app, UserRef("telegram", "502"), f"/link {code}")
    app.clock.advance(minutes=11)  # type: ignore[attr-defined]
    assert "не подошёл" in await say(app, VK, f"/link {code}")
    code = code_in(await say(app, TG, "/link"))
    newer = code_in(await say(app, TG, "/link"))
    assert "не подошёл" in await say(app, VK, f"/link {code}")  # a newer code replaced it
    assert "связаны" in await say(app, VK, f"/link {newer}")
    assert "не подошёл" in await say(app, UserRef("vk", "702"), f"/link {newer}")  # used already


async def test_a_person_has_one_account_per_channel(app: App) -> None:
    code = code_in(await say(app, TG, "/link"))
    assert "связаны" in await say(app, VK, f"/link {code}")
    other_vk = UserRef("vk", "799")
    code = code_in(await say(app, other_vk, "/link"))
    assert "уже привязан" in await say(app, UserRef("telegram", "501"), f"/link {code}")


async def test_guessing_is_stopped_after_five_wrong_codes(app: App) -> None:
    code = code_in(await say(app, TG, "/link"))
    for guess in range(5):
        assert "не подошёл" in await say(app, VK, f"/link 0000 000{guess}")
    assert "Слишком много" in await say(app, VK, f"/link {code}")  # even the right code, for an hour
    app.clock.advance(minutes=9)  # type: ignore[attr-defined]
    assert "Слишком много" in await say(app, VK, f"/link {code}")
    app.clock.advance(minutes=52)  # type: ignore[attr-defined]
    code = code_in(await say(app, TG, "/link"))
    assert "связаны" in await say(app, VK, f"/link {code}")


async def test_merge_keeps_the_newer_row_where_a_person_has_one(app: App, monkeypatch) -> None:
    """Tables keyed by person (current consents, settings) keep the newer answer of the two."""
    from datetime import timedelta

    metadata = MetaData()
    state = Table("t_consent_state", metadata, Column("person_id", Integer, primary_key=True),
                  Column("subject", String(64), primary_key=True), Column("granted", Integer),
                  Column("at", DateTime(timezone=True)))
    async with app.db.transaction() as conn:
        await conn.run_sync(lambda sync: state.create(sync))
    monkeypatch.setattr(linking, "_person_tables", lambda: [state, Account.__table__])
    await say(app, TG, "привет")
    await say(app, VK, "привет")
    now = app.clock.now()
    async with app.db.transaction() as conn:
        tg_person = await conn.scalar(select(Account.person_id).where(Account.channel == "telegram"))
        vk_person = await conn.scalar(select(Account.person_id).where(Account.channel == "vk"))
        await conn.execute(state.insert(), [
            {"person_id": tg_person, "subject": "a", "granted": 1, "at": now},
            {"person_id": vk_person, "subject": "a", "granted": 0, "at": now + timedelta(minutes=1)},
            {"person_id": tg_person, "subject": "b", "granted": 1, "at": now + timedelta(minutes=1)},
            {"person_id": vk_person, "subject": "b", "granted": 0, "at": now},
            {"person_id": vk_person, "subject": "c", "granted": 1, "at": now},
        ])
    code = code_in(await say(app, TG, "/link"))
    assert "связаны" in await say(app, VK, f"/link {code}")
    async with app.db.read() as conn:
        rows = {r.subject: (r.person_id, r.granted) for r in await conn.execute(select(state))}
    assert rows == {"a": (tg_person, 0), "b": (tg_person, 1), "c": (tg_person, 1)}
