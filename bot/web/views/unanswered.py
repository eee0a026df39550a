"""Unanswered questions: groups of similar questions with counts and examples; one click starts a new
entry from a group or adds its phrasings to an existing entry; a group can be set aside."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands.report import period_from
from bot.reports.data import Period
from bot.reports.service import find_unanswered
from bot.reports.unanswered import QuestionCluster, reasons_text
from bot.storage.models import DismissedCluster
from bot.web import audit
from bot.web.roles import UNANSWERED_ACTIONS
from bot.web.server import address, console_of, current, page, redirect, render

_dismissed = DismissedCluster.__table__
REASON_NAMES = {"dismissed": "скрыта", "new_entry": "новая статья", "paraphrases": "перефразировки"}


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/unanswered", listing)
    router.add_post("/unanswered/dismiss", dismiss)
    router.add_post("/unanswered/restore", restore)


def cluster_key(cluster: QuestionCluster) -> str:
    """A stable name of a group: its typical question, normalised."""
    text = " ".join(cluster.representative.lower().replace("ё", "е").split())
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def period_of(request: web.Request) -> Period:
    console = console_of(request)
    period = period_from(_day(request.query.get("from", "")), _day(request.query.get("to", "")), console.tz)
    return period if period.start <= period.end else period_from(None, period.end, console.tz)


def period_query(request: web.Request) -> str:
    period = period_of(request)
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


async def _clusters(request: web.Request, period: Period) -> tuple[int, list[QuestionCluster]]:
    console = console_of(request)
    found = await find_unanswered(console.app.db, period, console.app.knowledge.current.matcher)
    return found.total, found.clusters


async def find_cluster(request: web.Request, key: str) -> QuestionCluster | None:
    _total, clusters = await _clusters(request, period_of(request))
    return next((c for c in clusters if cluster_key(c) == key), None)


async def mark_handled(conn: AsyncConnection, key: str, reason: str, entry_id: str | None, login: str,
                       now: datetime, representative: str = "", questions: int = 0) -> None:
    exists = await conn.scalar(select(_dismissed.c.id).where(_dismissed.c.key == key))
    if exists is None:
        await conn.execute(_dismissed.insert().values(
            key=key, representative=representative or "—", reason=reason, entry_id=entry_id, login=login, at=now,
            questions=questions,
        ))


@page("unanswered")
async def listing(request: web.Request) -> web.Response:
    console = console_of(request)
    period = period_of(request)
    total, clusters = await _clusters(request, period)
    async with console.app.db.read() as conn:
        handled = {r.key: r for r in await conn.execute(select(_dismissed).order_by(_dismissed.c.at.desc()))}
    show_hidden = request.query.get("hidden") == "1"
    rows = []
    for cluster in clusters:
        key = cluster_key(cluster)
        mark = handled.get(key)
        if mark is not None and not show_hidden:
            continue
        rows.append({
            "key": key, "cluster": cluster, "reasons": reasons_text(cluster.reasons, 3),
            "handled": REASON_NAMES.get(mark.reason, mark.reason) if mark is not None else "",
        })
    user = current(request).user
    base = console.app.knowledge.current.base
    return render(
        request, "unanswered.html", rows=rows, total=total, groups=len(clusters), period=period,
        period_query=period_query(request), hidden=len(clusters) - len(rows) if not show_hidden else 0,
        show_hidden=show_hidden, can_act=user.role in UNANSWERED_ACTIONS, entries=sorted(
            base.entries.values(), key=lambda e: e.question.lower()),
        confirm_score=console.app.settings.matcher.confirm_score,
        recent=[r for r in handled.values()][:20], reason_names=REASON_NAMES,
    )


def _read_only(request: web.Request) -> web.Response:
    return render(request, "denied.html", status=403, page_title="Вопросы без ответа (изменения)")


@page("unanswered")
async def dismiss(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    user = current(request).user
    if user.role not in UNANSWERED_ACTIONS:
        return _read_only(request)
    form = await request.post()
    key = str(form.get("key", ""))
    cluster = await find_cluster(request, key)
    if cluster is None:
        return render(request, "error.html", status=404, message="Группа вопросов не найдена — обновите страницу.")
    now = console.app.clock.now()
    async with console.app.db.transaction() as conn:
        await mark_handled(conn, key, "dismissed", None, user.login, now, cluster.representative, cluster.count)
        await audit.record(conn, now, user.login, "cluster_dismissed", key, cluster.representative, address(request))
    return redirect("/unanswered?" + period_query(request))


@page("unanswered")
async def restore(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    user = current(request).user
    if user.role not in UNANSWERED_ACTIONS:
        return _read_only(request)
    form = await request.post()
    async with console.app.db.transaction() as conn:
        await conn.execute(_dismissed.delete().where(_dismissed.c.key == str(form.get("key", ""))))
    return redirect("/unanswered?hidden=1&" + period_query(request))
