"""Operators' cases, read-only: the queue with SLA timers (working time, as the desk counts it),
transfers and assignees; closed cases with their ratings; links to the cases' Telegram topics.
Analysts see pseudonyms instead of messenger ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import select

from bot.handoff import cases as case_store
from bot.handoff.cases import Case
from bot.handoff.hours import Schedule, format_wait
from bot.handoff.texts import HandoffTexts
from bot.reports.document import CHANNEL_NAMES, EASE_LABELS, SATISFACTION_LABELS
from bot.storage.models import EventRow
from bot.web.roles import ANALYST
from bot.web.server import console_of, current, page, render

CLOSED_DAYS = 30
STATUS_NAMES = {"new": "ждёт оператора", "taken": "у оператора", "closed": "закрыто"}
CLOSED_BY = {"operator": "оператор", "person": "заявитель", "deleted": "данные удалены"}
_events = EventRow.__table__


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/cases", listing)


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    who: str
    waited: str
    sla_left: str
    overdue: bool
    link: str
    rating: str


def topic_link(case: Case) -> str:
    """The case's topic in the operators' Telegram supergroup (t.me/c/… works for its members)."""
    if case.thread_id is None or not case.workspace.startswith("-100"):
        return ""
    return f"https://t.me/c/{case.workspace[4:]}/{case.thread_id}"


async def _ratings(conn: object, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    refs = {f"case-{i}": i for i in ids}
    rows = await conn.execute(  # type: ignore[attr-defined]
        select(_events.c.request, _events.c.kind, _events.c.value)
        .where(_events.c.request.in_(list(refs)), _events.c.kind.in_(("satisfaction", "ease")))
    )
    out: dict[int, list[str]] = {}
    for request, kind, value in rows:
        labels = SATISFACTION_LABELS if kind == "satisfaction" else EASE_LABELS
        try:
            out.setdefault(refs[request], []).append(labels[int(value)])
        except (KeyError, TypeError, ValueError):
            continue
    return {k: ", ".join(v) for k, v in out.items()}


@page("cases")
async def listing(request: web.Request) -> web.Response:
    console = console_of(request)
    settings = console.app.settings
    schedule = Schedule.from_settings(settings.handoff, settings.bot.timezone)
    sla = timedelta(minutes=settings.handoff.sla_minutes)
    now = console.app.clock.now()
    analyst = current(request).user.role == ANALYST
    pseudonym = console.app.recorder.pseudonyms.person
    async with console.app.db.read() as conn:
        open_cases = await case_store.open_cases(conn)
        recent = [c for c in await case_store.between(conn, now - timedelta(days=CLOSED_DAYS), now + timedelta(1))
                  if not c.open]
        recent.sort(key=lambda c: c.closed_at or c.opened_at, reverse=True)
        ratings = await _ratings(conn, [c.id for c in recent])
    base = console.app.knowledge.current.base
    texts = HandoffTexts()

    def who(case: Case) -> str:
        if case.person_id is None:
            return "данные удалены"
        if analyst:
            return pseudonym(case.person_id)[:12]
        return f"{CHANNEL_NAMES.get(case.channel, case.channel)} {case.recipient or ''}".strip()

    def view(case: Case) -> CaseView:
        waited = schedule.working_time(case.opened_at, case.first_response_at or now)
        left = sla - waited
        return CaseView(
            case, who(case), format_wait(waited),
            ("просрочено на " + format_wait(-left)) if left < timedelta(0) else format_wait(left),
            left < timedelta(0) and case.first_response_at is None, topic_link(case), ratings.get(case.id, ""),
        )

    def topic_title(case: Case) -> str:
        topic = base.topic(case.topic) if case.topic else None
        return topic.title if topic else (case.topic or "—")

    return render(
        request, "cases.html", open_cases=[view(c) for c in open_cases], closed=[view(c) for c in recent[:100]],
        status_names=STATUS_NAMES, closed_by=CLOSED_BY, reason=texts.reason, topic_title=topic_title,
        tz=console.tz, sla=format_wait(sla), hours=schedule.describe(), closed_days=CLOSED_DAYS, analyst=analyst,
        desk=settings.handoff.chat_id is not None, max_transfers=settings.handoff.max_transfers,
        now=now,
    )


def local(moment: datetime | None, tz: object) -> str:
    return moment.astimezone(tz).strftime("%d.%m %H:%M") if moment else "—"  # type: ignore[arg-type]
