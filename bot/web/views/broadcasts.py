"""Broadcasts: compose for a segment and a consent category or topic, preview exactly as people will see
it (with the consent line), the number of people who consented, schedule, progress and results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.dialogue.markup import to_telegram_html
from bot.notify import broadcasts
from bot.notify.texts import NotifyTexts
from bot.storage.models import OutboxRow
from bot.web import audit
from bot.web.server import address, console_of, current, page, redirect, render

_outbox = OutboxRow.__table__
TEXTS = NotifyTexts()
CATEGORY_NAMES = {c: TEXTS.categories[f"notify:{c}"] for c in broadcasts.CATEGORIES}
SEGMENT_NAMES = {"": "все", "citizen": "граждане", "business": "предприниматели"}
STATUS_NAMES = {"draft": "черновик", "scheduled": "запланирована", "sending": "отправляется", "done": "отправлена",
                "cancelled": "отменена"}
OUTBOX_NAMES = {"pending": "ждут отправки", "sending": "отправляются", "sent": "доставлено", "failed": "ошибка",
                "skipped": "не отправлено (отказ или отмена)", "unreachable": "недоступны"}
TIME_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/broadcasts", listing)
    router.add_post("/broadcasts/preview", preview)
    router.add_post("/broadcasts/create", create)
    router.add_get("/broadcasts/{id:\\d+}", detail)
    router.add_post("/broadcasts/{id:\\d+}/schedule", schedule)
    router.add_post("/broadcasts/{id:\\d+}/cancel", cancel)


@dataclass(slots=True)
class Compose:
    text: str = ""
    category: str = "content"
    segment: str = ""
    topic: str = ""
    entries: list[str] | None = None
    send_at: str = ""

    @classmethod
    def from_form(cls, form: Any) -> Compose:
        entries = [str(e).strip() for e in form.getall("entries", []) if str(e).strip()]
        return cls(str(form.get("text", "")).replace("\r\n", "\n").strip(), str(form.get("category", "content")),
                   str(form.get("segment", "")), str(form.get("topic", "")), entries, str(form.get("send_at", "")))


def _problems(c: Compose, kb: Any, tz: Any) -> tuple[list[str], datetime | None]:
    problems = []
    if not c.text:
        problems.append("Напишите текст рассылки.")
    elif len(c.text) > broadcasts.MAX_TEXT:
        problems.append(f"Текст длиной {len(c.text)} символов; можно не больше {broadcasts.MAX_TEXT}.")
    if c.category not in broadcasts.CATEGORIES:
        problems.append("Выберите вид уведомлений, на который люди дали согласие.")
    if c.segment and c.segment not in broadcasts.SEGMENTS:
        problems.append("Сегмент: все, граждане или предприниматели.")
    if c.topic and kb.topic(c.topic) is None:
        problems.append(f"Темы «{c.topic}» нет в базе знаний.")
    for entry in c.entries or []:
        if entry not in kb.entries:
            problems.append(f"Статьи «{entry}» нет в базе знаний.")
    if len(c.entries or []) > broadcasts.MAX_BUTTONS:
        problems.append(f"Кнопок со статьями — не больше {broadcasts.MAX_BUTTONS}.")
    when = None
    if c.send_at:
        try:
            when = datetime.strptime(c.send_at, TIME_FORMAT).replace(tzinfo=tz)
        except ValueError:
            problems.append("Время отправки: укажите дату и время.")
    return problems, when


def _shown(b: broadcasts.Broadcast, kb: Any, now: datetime) -> dict[str, Any]:
    message = broadcasts.message(TEXTS, b, kb, now)
    return {"html": to_telegram_html(message.text), "buttons": [[x.text for x in row] for row in message.buttons]}


async def _progress(conn: Any, b: broadcasts.Broadcast) -> list[tuple[str, int]]:
    rows = await conn.execute(
        select(_outbox.c.status, func.count()).where(_outbox.c.ref == b.ref).group_by(_outbox.c.status)
    )
    return [(OUTBOX_NAMES.get(status, status), count) for status, count in rows]


def _page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    console = console_of(request)
    kb = console.app.knowledge.current.base
    values = {"compose": Compose(), "problems": [], "shown": None, "found": None, "reason": None}
    values.update(context)
    return render(
        request, "broadcasts.html", status=status, categories=CATEGORY_NAMES, segments=SEGMENT_NAMES,
        topics=kb.topics, entries=sorted(kb.entries.values(), key=lambda e: e.question.lower()),
        status_names=STATUS_NAMES, tz=console.tz, **values,
    )


async def _listing(request: web.Request) -> list[tuple[broadcasts.Broadcast, list[tuple[str, int]]]]:
    console = console_of(request)
    async with console.app.db.read() as conn:
        items = await broadcasts.listing(conn, 30)
        return [(b, await _progress(conn, b)) for b in items]


@page("broadcasts")
async def listing(request: web.Request) -> web.Response:
    return _page(request, items=await _listing(request))


def _draft(c: Compose, author: str, when: datetime) -> broadcasts.Broadcast:
    return broadcasts.Broadcast(0, author, c.text, tuple(c.entries or ()), c.category, c.segment or None,
                                c.topic or None, when, broadcasts.DRAFT, None, None, None)


def _explain(found: broadcasts.Audience, b: broadcasts.Broadcast) -> str | None:
    if found.in_segment == 0:
        return "Среди пользователей бота пока нет людей этого сегмента — отправлять некому."
    if found.consented == 0:
        return "Никто из них не дал согласия на такие уведомления — без согласия отправить нельзя."
    if found.reachable == 0:
        return "Все согласившиеся заблокировали бота — доставить некому."
    return None


async def _composed(request: web.Request) -> tuple[Compose, datetime | None, web.Response | None]:
    """The form as sent, its time, and the page with its problems when it has any."""
    console = console_of(request)
    c = Compose.from_form(await request.post())
    problems, when = _problems(c, console.app.knowledge.current.base, console.tz)
    if problems:
        return c, when, _page(request, 422, compose=c, problems=problems, items=await _listing(request))
    return c, when, None


@page("broadcasts")
async def preview(request: web.Request) -> web.Response:
    console = console_of(request)
    c, when, refused = await _composed(request)
    if refused is not None:
        return refused
    kb = console.app.knowledge.current.base
    now = console.app.clock.now()
    b = _draft(c, current(request).user.login, when or now)
    async with console.app.db.read() as conn:
        found = await broadcasts.audience(conn, b)
    return _page(request, compose=c, shown=_shown(b, kb, now), found=found, reason=_explain(found, b),
                 items=await _listing(request))


@page("broadcasts")
async def create(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    c, when, refused = await _composed(request)
    if refused is not None:
        return refused
    kb = console.app.knowledge.current.base
    user = current(request).user
    now = console.app.clock.now()
    async with console.app.db.transaction() as conn:
        new_id = await broadcasts.create(
            conn, author=user.login, text=c.text, category=c.category, segment=c.segment or None,
            topic=c.topic or None, entries=c.entries or [], send_at=when or now, now=now, kb=kb,
        )
        await audit.record(conn, now, user.login, "broadcast_created", f"#{new_id}", c.text[:200], address(request))
    return redirect(f"/broadcasts/{new_id}")


async def _detail(request: web.Request, broadcast_id: int, status: int = 200, **extra: Any) -> web.Response:
    console = console_of(request)
    kb = console.app.knowledge.current.base
    async with console.app.db.read() as conn:
        b = await broadcasts.get(conn, broadcast_id)
        if b is None:
            return render(request, "error.html", status=404, message=f"Рассылки #{broadcast_id} нет.")
        found = await broadcasts.audience(conn, b)
        progress = await _progress(conn, b)
    return render(
        request, "broadcast.html", status=status, b=b, shown=_shown(b, kb, console.app.clock.now()), found=found,
        reason=_explain(found, b), progress=progress, categories=CATEGORY_NAMES, segments=SEGMENT_NAMES,
        status_names=STATUS_NAMES, tz=console.tz, send_at=b.send_at.astimezone(console.tz).strftime(TIME_FORMAT),
        topic=kb.topic(b.topic) if b.topic else None, problems=extra.get("problems", []),
        notice=extra.get("notice", ""),
    )


@page("broadcasts")
async def detail(request: web.Request) -> web.Response:
    return await _detail(request, int(request.match_info["id"]))


@page("broadcasts")
async def schedule(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    broadcast_id = int(request.match_info["id"])
    form = await request.post()
    text = str(form.get("send_at", ""))
    when = None
    if text:
        try:
            when = datetime.strptime(text, TIME_FORMAT).replace(tzinfo=console.tz)
        except ValueError:
            return await _detail(request, broadcast_id, 422, problems=["Время отправки: укажите дату и время."])
    user = current(request).user
    now = console.app.clock.now()
    try:
        async with console.app.db.transaction() as conn:
            b = await broadcasts.get(conn, broadcast_id)
            if b is not None:
                reason = _explain(await broadcasts.audience(conn, b), b)
                if reason is not None:
                    raise broadcasts.BroadcastError(reason)
            found = await broadcasts.schedule(conn, broadcast_id, when)
            await audit.record(conn, now, user.login, "broadcast_scheduled", f"#{broadcast_id}",
                               f"получателей: {found.reachable}", address(request))
    except broadcasts.BroadcastError as exc:
        message = str(exc)
        if "only drafts" in message:
            message = "Запланировать можно только черновик или уже запланированную рассылку."
        return await _detail(request, broadcast_id, 422, problems=[f"Не запланирована: {message}"])
    return redirect(f"/broadcasts/{broadcast_id}")


@page("broadcasts")
async def cancel(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    broadcast_id = int(request.match_info["id"])
    user = current(request).user
    now = console.app.clock.now()
    try:
        async with console.app.db.transaction() as conn:
            stopped = await broadcasts.cancel(conn, broadcast_id)
            await audit.record(conn, now, user.login, "broadcast_cancelled", f"#{broadcast_id}",
                               f"не отправлено сообщений: {stopped}", address(request))
    except broadcasts.BroadcastError:
        return render(request, "error.html", status=404, message=f"Рассылки #{broadcast_id} нет.")
    return redirect(f"/broadcasts/{broadcast_id}")
