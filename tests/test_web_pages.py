"""The console's dashboard (the same figures as `bot report`), broadcasts and operators' cases over HTTP."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.consent import records
from bot.dialogue.messages import UserRef
from bot.handoff import cases
from bot.people import repository as people
from tests.conftest import ROOT
from tests.web_harness import Harness, running_console

DOG_QUESTION = "можно ли выгуливать собаку на пляже без намордника"


def md_rows(markdown: str) -> list[list[str]]:
    """The table rows of a Markdown report (header and rule lines left out)."""
    rows = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            rows.append([cell.strip().replace("\\|", "|") for cell in line.strip("|").split(" | ")])
    return rows


async def play_dialogues(h: Harness) -> None:
    await h.ask("/start", "#2", "как открыть ипшку", "#1", "#1", "#1", user="p1")
    await h.ask("/start", "#1", DOG_QUESTION, user="p2")
    await h.ask("/start", "#1", "как заменить паспорт", "#2", user="p3")


async def test_dashboard_shows_the_same_figures_as_bot_report(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await play_dialogues(h)
        await h.login("analyst")
        page = await (await h.client.get("/")).text()
        env = {k: v for k, v in os.environ.items()}
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "report", "--kb", str(h.kb)], capture_output=True, text=True, cwd=ROOT,
            env=env, check=False, timeout=180,
        )
        assert proc.returncode == 0, proc.stderr
        rows = md_rows(proc.stdout)
        assert ["Вопросов задано", "3"] in rows
        for row in rows:
            for cell in row:
                escaped = html.escape(cell, quote=True)
                assert f"<td>{escaped}</td>" in page or f"<th>{escaped}</th>" in page, cell
        assert re.search(r'kpi-title">Вопросов</div><div class="kpi-value">3<', page)
        assert page.count('<div class="chart"') >= 2
        assert "<svg" in page


async def test_dashboard_filters_by_channel_and_topic_and_explains_bad_input(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await play_dialogues(h)
        await h.login("editor")
        vk = await (await h.client.get("/", params={"channel": "vk"})).text()
        assert re.search(r'kpi-title">Вопросов</div><div class="kpi-value">0<', vk)
        topic = await (await h.client.get("/", params={"topic": "business-registration"})).text()
        assert re.search(r'kpi-title">Вопросов</div><div class="kpi-value">1<', topic)
        bad = await (await h.client.get("/", params={"from": "вчера", "channel": "fax"})).text()
        assert "«вчера» — не дата" in bad and "Неизвестный канал «fax»" in bad
        download = await h.client.get("/report.html")
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert "Отчёт цифрового помощника" in await download.text()


async def _consenting_person(h: Harness, external_id: str, segment: str | None = "citizen") -> int:
    now = h.app.clock.now()
    async with h.app.db.transaction() as conn:
        account = await people.create_account(conn, UserRef("telegram", external_id), now)
        await people.set_segment(conn, account.person_id, segment, now)
        await records.record(conn, person_id=account.person_id, subject=records.CONTENT, granted=True,
                             channel="telegram", wording_version="notify-2026-11", at=now, source="settings")
    return account.person_id


async def test_broadcast_preview_counts_consent_and_schedules(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("editor")
        form = {"text": "С 1 декабря **МФЦ** работает по субботам.", "category": "content", "segment": "citizen",
                "topic": "", "send_at": ""}
        empty = await h.post("/broadcasts/preview", {**form, "text": "  "}, page="/broadcasts")
        assert empty.status == 422 and "Напишите текст рассылки" in await empty.text()
        nobody = await (await h.post("/broadcasts/preview", form, page="/broadcasts")).text()
        assert "Среди пользователей бота пока нет людей этого сегмента" in nobody
        await _consenting_person(h, "111")
        await _consenting_person(h, "222")
        await _consenting_person(h, "333", segment="business")
        shown = await (await h.post("/broadcasts/preview", form, page="/broadcasts")).text()
        assert "С 1 декабря <b>МФЦ</b> работает по субботам." in shown
        assert "Это сообщение пришло, потому что вы включили новости о новых услугах" in shown
        assert 'id="consented">2</b>' in shown
        assert "Отписаться" in shown
        created = await h.post("/broadcasts/create", form, page="/broadcasts")
        assert created.status == 303
        detail_path = created.headers["Location"]
        detail = await (await h.client.get(detail_path)).text()
        assert "черновик" in detail and "Согласились получать: <b>2</b>" in detail
        when = (datetime.now(UTC) + timedelta(days=1)).astimezone(h.app.clock.now().tzinfo).strftime("%Y-%m-%dT%H:%M")
        scheduled = await h.post(f"{detail_path}/schedule", {"send_at": when}, page=detail_path)
        assert scheduled.status == 303
        assert "запланирована" in await (await h.client.get(detail_path)).text()
        cancelled = await h.post(f"{detail_path}/cancel", {}, page=detail_path)
        assert cancelled.status == 303
        listing = await (await h.client.get("/broadcasts")).text()
        assert "отменена" in listing
        nobody_topic = await h.post("/broadcasts/create", {**form, "topic": "transport"}, page="/broadcasts")
        topic_path = nobody_topic.headers["Location"]
        refused = await h.post(f"{topic_path}/schedule", {}, page=topic_path)
        assert refused.status == 422 and "Никто из них не дал согласия" in await refused.text()


async def test_cases_page_shows_sla_and_hides_messenger_ids_from_analysts(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 10:00 in Moscow
    async with running_console(tmp_path, clock=clock, BOT_HANDOFF__CHAT_ID="-1001234567890") as h:
        async with h.app.db.transaction() as conn:
            account = await people.create_account(conn, UserRef("telegram", "987654321"), clock.now())
            case = await cases.open_case(
                conn, person_id=account.person_id, account_id=account.account_id, channel="telegram",
                recipient="987654321", segment="citizen", topic="transport", reason="command",
                workspace="-1001234567890", now=clock.now(),
            )
            await cases.set_thread(conn, case.id, 42)
        clock._now += timedelta(hours=3)  # past the 2-hour norm (the lunch break excluded)
        await h.login("operator")
        seen = await (await h.client.get("/cases")).text()
        assert "987654321" in seen and 'class="overdue"' in seen and "просрочено на" in seen
        assert "https://t.me/c/1234567890/42" in seen
        await h.logout()
        await h.login("analyst")
        seen = await (await h.client.get("/cases")).text()
        assert "987654321" not in seen
        pseudonym = h.app.recorder.pseudonyms.person(account.person_id)[:12]
        assert pseudonym in seen
