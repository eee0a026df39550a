"""Dashboard: the standard's indicators for a period, channel and topic — the figures of ``bot report``
(one code path: ``build_report`` and the report document), with its charts."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime

from aiohttp import web

from bot.commands.report import period_from
from bot.plural import plural, times
from bot.reports.charts import chart_svg
from bot.reports.data import EventRecord, Period
from bot.reports.document import CHANNEL_NAMES, DECISION_NAMES, Document, build, ratings, scale_stars
from bot.reports.html import to_html
from bot.reports.metrics import Report, percent
from bot.reports.service import build_report
from bot.web.server import console_of, page, render

CHARTS = ("outcomes", "weeks", "ease", "satisfaction", "channels")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", dashboard)
    router.add_get("/report.html", report_file)


@dataclass(frozen=True, slots=True)
class Filters:
    period: Period
    channel: str
    topic: str
    problems: tuple[str, ...] = ()

    def query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                          "channel": self.channel, "topic": self.topic})


def _day(text: str, problems: list[str], what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{what}: «{text}» — не дата; укажите её в виде ГГГГ-ММ-ДД.")
        return None


def filters(request: web.Request) -> Filters:
    console = console_of(request)
    problems: list[str] = []
    start = _day(request.query.get("from", ""), problems, "Начало периода")
    end = _day(request.query.get("to", ""), problems, "Конец периода")
    period = period_from(start, end, console.tz)
    if period.start > period.end:
        problems.append("Начало периода позже конца — показаны 30 дней до конца периода.")
        period = period_from(None, period.end, console.tz)
    channel = request.query.get("channel", "")
    if channel and channel not in CHANNEL_NAMES:
        problems.append(f"Неизвестный канал «{channel}» — показаны все каналы.")
        channel = ""
    topic = request.query.get("topic", "")
    if topic and console.app.knowledge.current.base.topic(topic) is None:
        problems.append(f"Темы «{topic}» нет в базе знаний — показаны все темы.")
        topic = ""
    return Filters(period, channel, topic, tuple(problems))


def keep_for(channel: str, topic_entries: frozenset[str] | None):  # type: ignore[no-untyped-def]
    """The events of one channel and of question threads that touched one topic's entries."""

    def keep(events: list[EventRecord]) -> list[EventRecord]:
        chosen = [e for e in events if e.channel == channel] if channel else events
        if topic_entries is None:
            return chosen
        threads = {e.request for e in chosen if e.request and e.entry in topic_entries}
        return [e for e in chosen if (e.request in threads) or (e.entry in topic_entries)]

    return keep


async def report_for(request: web.Request, chosen: Filters) -> Report:
    console = console_of(request)
    snapshot = console.app.knowledge.current
    topic_entries = None
    if chosen.topic:
        topic = snapshot.base.topic(chosen.topic)
        topic_entries = frozenset(topic.entry_ids) if topic else frozenset()
    editors = console.app.settings.editors
    keep = keep_for(chosen.channel, topic_entries) if (chosen.channel or chosen.topic) else None
    return await build_report(
        console.app.db, chosen.period, base=snapshot.base, matcher=snapshot.matcher,
        min_feedback=editors.review_min_feedback, yes_rate=editors.review_yes_rate, keep=keep,
    )


def inline(text: str) -> str:
    """A report paragraph as HTML: escaped, **bold** kept."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def cards(report: Report, min_ratings: int) -> list[tuple[str, str, str]]:
    """The headline indicators: (title, value, note)."""
    r = report
    decisions = r.decisions
    yes = sum(e.yes for e in r.entries)
    rated = sum(e.yes + e.no for e in r.entries)
    fr = r.first_responses

    def share(part: int, whole: int) -> str:
        value = percent(part, whole)
        return "—" if value is None else f"{value:.1f} %".replace(".", ",")

    def questions(n: int) -> str:
        return plural(n, "вопрос", "вопроса", "вопросов")

    out = [
        ("Вопросов", str(r.questions), plural(r.people, "человек", "человека", "человек")),
        ("Бот ответил", share(r.answered, r.questions), f"{r.answered} из {questions(r.questions)}"),
    ]
    for key in ("answer", "confirm", "suggest", "none"):
        out.append((DECISION_NAMES[key].capitalize(), str(decisions.get(key, 0)), "решение бота по вопросу"))
    out += [
        ("Помогло («Да»)", share(yes, rated), f"из {plural(rated, 'ответа', 'ответов', 'ответов')} на «Это помогло?»"),
        ("Удовлетворённость", share(r.satisfaction.positive, r.satisfaction.total),
         f"{ratings(r.satisfaction.total)} · {scale_stars(r.satisfaction, min_ratings)}"),
        ("Лёгкость решения", share(r.ease.positive, r.ease.total),
         f"{ratings(r.ease.total)} · {scale_stars(r.ease, min_ratings)}"),
        ("Первый ответ оператора в норме", share(fr.within_norm, fr.cases) if fr else "—",
         f"{fr.within_norm} из {plural(fr.cases, 'обращения', 'обращений', 'обращений')}, норма 2 ч" if fr
         else "нет данных"),
        ("Передано оператору", share(r.escalated, r.questions),
         f"{questions(r.escalated)}; бот сам предложил {times(r.operator_offers)}"),
    ]
    return out


@page("dashboard")
async def dashboard(request: web.Request) -> web.Response:
    console = console_of(request)
    chosen = filters(request)
    report = await report_for(request, chosen)
    min_ratings = console.app.settings.reports.min_ratings_for_stars
    doc: Document = build(report, datetime.now(console.tz), min_ratings=min_ratings)
    charts = [(name, svg) for name in CHARTS if (svg := chart_svg(name, report))]
    base = console.app.knowledge.current.base
    return render(
        request, "dashboard.html", filters=chosen, report=report, cards=cards(report, min_ratings), charts=charts,
        doc=doc, inline=inline, channels=CHANNEL_NAMES, topics=base.topics,
        narrowed=bool(chosen.channel or chosen.topic),
    )


@page("dashboard")
async def report_file(request: web.Request) -> web.Response:
    """The same report as ``bot report --format html``, for download or printing."""
    console = console_of(request)
    chosen = filters(request)
    report = await report_for(request, chosen)
    min_ratings = console.app.settings.reports.min_ratings_for_stars
    text = to_html(build(report, datetime.now(console.tz), min_ratings=min_ratings), report)
    name = f"report-{chosen.period.start.isoformat()}-{chosen.period.end.isoformat()}.html"
    return web.Response(text=text, content_type="text/html", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
