"""Reports: figures from a known synthetic event log, clustering on a labelled set, output formats."""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.cli import main
from bot.config import MatcherSection
from bot.kb import load_knowledge_base
from bot.matching.configure import build_matcher
from bot.reports.cluster import group, normalise
from bot.reports.data import EventRecord, Period
from bot.reports.document import build, build_public, to_markdown
from bot.reports.flat import to_csv
from bot.reports.html import to_html
from bot.reports.metrics import compute_report
from bot.reports.service import build_report
from bot.reports.stars import stars
from bot.storage import Database, upgrade
from bot.storage.models import EventRow
from tests.conftest import DATA, DEMO_KB

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

KAMCHATKA = ZoneInfo("Asia/Kamchatka")  # UTC+12: local days differ from UTC days
PERIOD = Period(date(2026, 11, 2), date(2026, 11, 15), KAMCHATKA)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def ev(moment: datetime, kind: str, person: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "at": moment, "kind": kind, "person": person, "channel": "telegram", "segment": None, "request": None,
        "entry": None, "decision": None, "score": None, "candidates": None, "value": None, "via": None,
        "kb_version": "v1", "text": None, "text_expires_at": None,
    }
    row.update(fields)
    return row


def synthetic_log() -> list[dict[str, object]]:
    """Six people, ten threads over two weeks; the expected figures are worked out in the tests."""
    tg_b = {"channel": "telegram", "segment": "business"}
    tg_c = {"channel": "telegram", "segment": "citizen"}
    vk = {"channel": "vk"}
    vk_c = {"channel": "vk", "segment": "citizen"}
    con = {"channel": "console"}
    return [
        # outside the period: 1 Nov 23:00 and 16 Nov 00:30 local time
        ev(at(1, 11), "request", "p9", request="r0", decision="answer"),
        ev(at(15, 12, 30), "request", "p9", request="r11", decision="none"),
        # week 1 (2–8 Nov local)
        ev(at(2, 1), "request", "p1", request="r1", decision="answer", **tg_b),
        ev(at(2, 1), "answer", "p1", request="r1", entry="ip-registration", via="match", **tg_b),
        ev(at(2, 2), "feedback", "p1", request="r1", entry="ip-registration", value="yes", **tg_b),
        ev(at(2, 2), "satisfaction", "p1", request="r1", entry="ip-registration", value="4", **tg_b),
        ev(at(2, 2), "ease", "p1", request="r1", entry="ip-registration", value="4", **tg_b),
        ev(at(3, 1), "request", "p2", request="r2", decision="confirm", **tg_c),
        ev(at(3, 1), "answer", "p2", request="r2", entry="lost-passport-restore", via="confirm", **tg_c),
        ev(at(3, 2), "feedback", "p2", request="r2", entry="lost-passport-restore", value="no", **tg_c),
        ev(at(3, 2), "unanswered", "p2", request="r2", value="no", text="потерял паспорт за границей", **tg_c),
        ev(at(3, 3), "escalation", "p2", request="r2", value="button", **tg_c),
        ev(at(3, 3), "unanswered", "p2", request="r2", value="escalation", text="потерял паспорт за границей",
           **tg_c),
        ev(at(4, 1), "request", "p3", request="r3", decision="none", **vk),
        ev(at(4, 1), "unanswered", "p3", request="r3", value="none", text="где выгуливать собаку", **vk),
        ev(at(4, 2), "request", "p3", request="r4", decision="suggest", **vk,
           candidates='[["utilities-payment", 40.0], ["utilities-debt", 35.0], ["meter-readings-submit", 30.0]]'),
        ev(at(5, 1), "request", "p4", request="r5", decision="suggest", **vk_c),
        ev(at(5, 1), "answer", "p4", request="r5", entry="snils-get", via="choice", **vk_c),
        ev(at(5, 2), "feedback", "p4", request="r5", entry="snils-get", value="yes", **vk_c),
        ev(at(5, 2), "satisfaction", "p4", request="r5", entry="snils-get", value="3", **vk_c),
        ev(at(5, 2), "ease", "p4", request="r5", entry="snils-get", value="3", **vk_c),
        ev(at(6, 1), "request", "p5", request="r6", decision="answer", **con),
        ev(at(6, 1), "answer", "p5", request="r6", entry="ip-registration", via="match", **con),
        ev(at(6, 2), "feedback", "p5", request="r6", entry="ip-registration", value="no", **con),
        ev(at(6, 2), "unanswered", "p5", request="r6", value="no", text="можно ли открыть ип иностранцу", **con),
        ev(at(6, 2), "escalation", "p5", request="r6", value="offered", **con),
        ev(at(7, 1), "browse", "p6", value="documents"),
        ev(at(7, 1), "answer", "p6", request="r7", entry="inn-get", via="browse"),
        ev(at(7, 2), "feedback", "p6", request="r7", entry="inn-get", value="yes"),
        ev(at(7, 2), "satisfaction", "p6", request="r7", entry="inn-get", value="2"),
        ev(at(7, 2), "ease", "p6", request="r7", entry="inn-get", value="2"),
        # week 2 (9–15 Nov local): 8 Nov 13:00 UTC is 9 Nov 01:00 in Kamchatka
        ev(at(8, 13), "request", "p1", request="r8", decision="answer", **tg_b),
        ev(at(8, 13), "answer", "p1", request="r8", entry="ip-registration", via="match", **tg_b),
        ev(at(8, 14), "feedback", "p1", request="r8", entry="ip-registration", value="yes", **tg_b),
        ev(at(8, 14), "satisfaction", "p1", request="r8", entry="ip-registration", value="4", **tg_b),
        ev(at(8, 14), "ease", "p1", request="r8", entry="ip-registration", value="4", **tg_b),
        ev(at(10, 1), "request", "p2", request="r9", decision="none", **tg_c),
        ev(at(10, 1), "unanswered", "p2", request="r9", value="none", text="где площадка для выгула собак", **tg_c),
        ev(at(11, 1), "request", "p5", request="r10", decision="none", **con),
        ev(at(11, 1), "unanswered", "p5", request="r10", value="none", text="где выгуливать собаку в городе", **con),
        ev(at(11, 2), "escalation", "p5", request="r10", value="command", **con),
        ev(at(11, 2), "unanswered", "p5", request="r10", value="escalation", text="где выгуливать собаку в городе",
           **con),
    ]


def records(rows: list[dict[str, object]]) -> list[EventRecord]:
    import json

    out = []
    for row in rows:
        if not PERIOD.since <= row["at"] < PERIOD.until:  # type: ignore[operator]
            continue
        fields = {k: v for k, v in row.items() if k not in ("kb_version", "text_expires_at")}
        raw = fields.pop("candidates")
        fields["candidates"] = tuple((i, s) for i, s in json.loads(raw)) if raw else ()  # type: ignore[arg-type]
        out.append(EventRecord(**fields))  # type: ignore[arg-type]
    return sorted(out, key=lambda e: e.at)


@pytest.fixture
async def db(db_url: str):
    database = Database(db_url)
    await upgrade(database.engine)
    async with database.transaction() as conn:
        await conn.execute(insert(EventRow.__table__), synthetic_log())
    yield database
    await database.dispose()


@pytest.fixture(scope="module")
def demo():
    base = load_knowledge_base(DEMO_KB)
    return base, build_matcher(base, MatcherSection())


async def test_report_figures_from_a_known_log(db: Database, demo) -> None:
    base, matcher = demo
    report = await build_report(db, PERIOD, base=base, matcher=matcher, min_feedback=1, yes_rate=0.5)

    assert report.questions == 9  # r1–r6, r8–r10 (r7 began in the menu; r0 and r11 are outside)
    assert report.people == 6
    assert report.answered == 5 and round(report.answered_share, 1) == 55.6
    assert report.resolved == 3 and round(report.resolved_share, 1) == 33.3
    assert report.escalated == 2 and round(report.escalated_share, 1) == 22.2
    assert (report.operator_requests, report.operator_offers, report.menu_answers) == (2, 1, 1)
    assert report.decisions == {"answer": 3, "confirm": 1, "none": 3, "suggest": 2}

    assert [(g.name, g.questions, g.people) for g in report.by_channel] == [
        ("telegram", 4, 3), ("vk", 3, 2), ("console", 2, 1),
    ]
    assert [(g.name, g.questions, g.people) for g in report.by_segment] == [
        ("не указан", 4, 3), ("граждане", 3, 2), ("предприниматели", 2, 1),
    ]

    assert report.ease.counts == {2: 1, 3: 1, 4: 2}
    assert report.ease.share == 75.0 and report.ease.stars == 3
    assert report.satisfaction.counts == {2: 1, 3: 1, 4: 2}
    assert report.satisfaction.share == 75.0 and report.satisfaction.stars == 3
    assert report.five is None and report.nps is None
    assert report.first_responses is not None and report.first_responses.cases == 0  # no case in the log
    assert report.consents is None

    stats = {e.id: (e.answers, e.yes, e.no, e.flagged) for e in report.entries}
    assert stats == {
        "inn-get": (1, 1, 0, False), "ip-registration": (3, 2, 1, False),
        "lost-passport-restore": (1, 0, 1, True), "snils-get": (1, 1, 0, False),
    }
    assert [e.id for e in report.top_questions] == ["ip-registration", "inn-get", "lost-passport-restore", "snils-get"]
    assert report.top_topics == [("Документы", 3), ("Регистрация бизнеса", 3)]

    weeks = [(w.label, w.questions, w.people, w.answered, w.resolved, w.escalated, w.ease_positive, w.ease_total)
             for w in report.weeks]
    assert weeks == [("2026-W45", 6, 6, 4, 2, 1, 2, 3), ("2026-W46", 3, 3, 1, 1, 1, 1, 1)]

    assert report.unanswered_total == 6  # r2, r3, r4 (options not taken), r6, r9, r10
    top = report.unanswered[0]
    assert (top.people, top.count) == (3, 3)
    assert sorted(top.examples) == ["где выгуливать собаку", "где выгуливать собаку в городе",
                                    "где площадка для выгула собак"]
    assert top.reasons == {"none": 3, "escalation": 1}
    assert len(report.unanswered) == 3
    assert [(g.candidates, g.count, g.people) for g in report.no_pick] == [
        (("utilities-payment", "utilities-debt", "meter-readings-submit"), 1, 1),
    ]
    passport = next(c for c in report.unanswered if "паспорт" in c.representative)
    assert passport.reasons == {"no": 1, "escalation": 1}
    assert passport.nearest is not None and passport.nearest.id == "lost-passport-restore"


def test_nps_and_five_point_ratings_when_asked() -> None:
    rows = [ev(at(3, 1), "nps", f"p{n}", value=str(v)) for n, v in enumerate([10, 9, 8, 6, 3, 10])]
    rows += [ev(at(3, 2), "rating", "p1", value=v) for v in ("5", "4", "4", "1")]
    report = compute_report(records(rows), PERIOD)
    assert (report.nps.promoters, report.nps.passives, report.nps.detractors) == (3, 1, 2)
    assert round(report.nps.score, 1) == 16.7
    assert report.five.counts == {1: 1, 4: 2, 5: 1} and report.five.mean == 3.5
    text = to_markdown(build(report, datetime(2026, 11, 16, tzinfo=KAMCHATKA)))
    assert "NPS: **16,7**" in text and "средняя 3,50" in text


def test_pure_figures_match_the_database_path() -> None:
    report = compute_report(records(synthetic_log()), PERIOD, min_feedback=1)
    assert (report.questions, report.people, report.answered, report.resolved, report.escalated) == (9, 6, 5, 3, 2)


@pytest.mark.parametrize(
    ("share", "level"),
    [(None, None), (0.0, 0), (50.0, 0), (50.04, 0), (50.1, 1), (60.0, 1), (60.1, 2), (70.0, 2), (75.0, 3),
     (80.0, 3), (80.1, 4), (90.0, 4), (90.1, 5), (100.0, 5)],
)
def test_stars_follow_table_1(share: float | None, level: int | None) -> None:
    assert stars(share) == level


def test_similar_questions_fall_together(demo) -> None:
    _, matcher = demo
    labelled = [
        line.rstrip("\n").split("\t")
        for line in (DATA / "unanswered_clusters.tsv").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    keys = [normalise(text, matcher.analyzer, matcher.index.correct) for _, text in labelled]
    groups = group(keys)
    labels_of = [{labelled[i][0] for i in g} for g in groups]
    assert all(len(labels) == 1 for labels in labels_of), labels_of  # no group mixes two questions
    clusters_of: dict[str, int] = defaultdict(int)
    for labels in labels_of:
        clusters_of[next(iter(labels))] += 1
    assert dict(clusters_of) == dict.fromkeys(clusters_of, 1)  # each question is one group
    assert len(groups) == len({label for label, _ in labelled})


async def test_output_formats(db: Database, demo) -> None:
    base, matcher = demo
    report = await build_report(db, PERIOD, base=base, matcher=matcher)
    now = datetime(2026, 11, 16, 9, tzinfo=KAMCHATKA)
    md = to_markdown(build(report, now, min_ratings=4))
    assert "| Бот ответил | 5 (55,6 %) |" in md
    assert "75,0 % (4 оценки) — ★★★☆☆ (3 из 5)" in md
    # Too few ratings for the standard's stars by default: the count is shown, no stars.
    assert "75,0 % (4 оценки) — звёзды не присваиваются: 4 оценки, нужно не меньше 30" in to_markdown(
        build(report, now)
    )
    assert "NPS: нет данных." in md
    assert "## Первый ответ операторов (норма — 2 часа)\n\nНет данных." in md
    page = to_html(build(report, now), report)
    assert page.count("<svg") == 4  # outcomes, ease, satisfaction, weeks
    assert "https://" not in page.split("<body>")[1].split("<svg")[0]  # nothing fetched from outside
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    assert ["ease", "3+4", "stars", "3"] in rows and ["summary", "2026-11-02..2026-11-15", "questions", "9"] in rows
    public = to_markdown(build_public(report, now, min_ratings=4))
    assert "75,0 %, всего 4 оценки" in public and "★★★☆☆" in public
    public = to_markdown(build_public(report, now))
    assert "75,0 %, всего 4 оценки" in public and "★" not in public and "нужно не меньше 30" in public
    for text in (md, page, public, to_csv(report)):
        for person in ("p1", "p2", "p3", "p4", "p5", "p6"):
            assert f" {person} " not in text and f"|{person}|" not in text and f",{person}," not in text


def test_totals_add_up_and_say_why_people_do_not() -> None:
    """A person in two channels and two segments: questions add up, people are explained; decisions add up
    to the questions and their «answered» column to «Бот ответил»."""
    vk = {"channel": "vk", "segment": "citizen"}
    rows = [
        *synthetic_log(),
        ev(at(12, 1), "request", "p1", request="r12", decision="suggest", **vk),
        ev(at(12, 1), "answer", "p1", request="r12", entry="snils-get", via="choice", **vk),
        ev(at(12, 2), "request", "p1", request="r12", decision="answer", **vk),
    ]
    report = compute_report(records(rows), PERIOD)
    assert sum(g.questions for g in report.by_channel) == report.questions == 10
    assert sum(report.decisions.values()) == report.questions  # each question once, by its first decision
    assert report.decisions["suggest"] == 3
    assert sum(report.answered_by_decision.values()) == report.answered == 6
    assert report.channel_people_sum == 7 and report.people == 6
    md = to_markdown(build(report, datetime(2026, 11, 16, tzinfo=KAMCHATKA)))
    assert "| Всего | 10 | 6 |" in md
    assert "Людей по каналам в сумме 7, а всего 6" in md
    assert "| Всего | 10 | 6 |" in md.split("Решение бота")[1]  # questions 10, answered 6
    assert "Оператора позвали 2 раза; бот сам предложил оператора 1 раз." in md
    assert "1 оценок" not in md and "2 раз " not in md


def test_report_command(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    url = db_url

    async def fill() -> None:
        database = Database(url)
        await upgrade(database.engine)
        async with database.transaction() as conn:
            await conn.execute(insert(EventRow.__table__), synthetic_log())
        await database.dispose()

    asyncio.run(fill())
    os.environ["BOT_DATABASE__URL"] = url
    os.environ["BOT_BOT__TIMEZONE"] = "Asia/Kamchatka"
    args = ["report", "--from", "2026-11-02", "--to", "2026-11-15", "--kb", str(DEMO_KB)]
    assert main([*args, "--format", "html", "--out", str(tmp_path / "r.html")]) == 0
    assert "<svg" in (tmp_path / "r.html").read_text("utf-8")
    assert main([*args, "--format", "public"]) == 0
    assert "Удовлетворённость клиентов" in capsys.readouterr().out
    assert main([*args, "--format", "csv"]) == 0
    assert "summary,2026-11-02..2026-11-15,questions,9" in capsys.readouterr().out

    table = tmp_path / "unanswered.xlsx"
    assert main(["report", "unanswered", "--from", "2026-11-02", "--to", "2026-11-15", "--kb", str(DEMO_KB),
                 "--xlsx", str(table)]) == 0
    out = capsys.readouterr().out
    assert "Unanswered questions 02.11.2026 — 15.11.2026: 6; groups with texts: 3" in out
    from openpyxl import load_workbook

    book = load_workbook(table)
    sheet = book["Вопросы без ответа"]
    first = [c.value for c in sheet[2]]
    assert first[1:3] == [3, 3] and "собак" in first[3]
    assert len(first[4].split("\n")) == 3
    assert book["Варианты без выбора"].cell(row=2, column=2).value == 1


def test_report_on_a_database_without_events(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["BOT_DATABASE__URL"] = db_url
    assert main(["report", "--kb", str(DEMO_KB)]) == 1
    assert "python -m bot db upgrade" in capsys.readouterr().err


async def test_operators_first_responses_come_from_the_cases(db_url: str) -> None:
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import insert

    from bot.reports.data import Period
    from bot.reports.optional import first_responses
    from bot.storage import Database, upgrade
    from bot.storage.models import CaseRow

    db = Database(db_url)
    await upgrade(db.engine)
    opened = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    async with db.transaction() as conn:
        for number, answered_after in enumerate([timedelta(minutes=30), timedelta(hours=3), None], start=1):
            await conn.execute(insert(CaseRow.__table__).values(
                id=number, channel="telegram", reason="command", status="closed", opened_at=opened,
                first_response_at=opened + answered_after if answered_after else None, transfers=0,
                workspace="-100",
            ))
    async with db.read() as conn:
        figures = await first_responses(conn, Period.last_days(date(2026, 11, 15), 14, ZoneInfo("UTC")))
    await db.dispose()
    assert (figures.cases, figures.responded, figures.within_norm) == (3, 2, 1)
    assert figures.median_minutes == 105.0
