"""Knowledge base: topics and entries with search and filters; the entry editor with plain-language hints,
«Проверить вопрос» against the draft, publishing with a diff preview (written back to YAML and hot
reloaded), and the history of changes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy import select

from bot.config import MatcherSection
from bot.editors.readability import entry_hints
from bot.editors.stale import stale_entries
from bot.kb.live import Snapshot
from bot.kb.model import Entry, KnowledgeBase
from bot.matching.configure import build_matcher
from bot.matching.matcher import Matcher, MatchResult
from bot.reports.data import Period, load_events
from bot.reports.document import DECISION_NAMES
from bot.reports.metrics import EntryStat, compute_report
from bot.storage.models import KBChange
from bot.web import audit, kb_edit
from bot.web.kb_edit import AUDIENCES, Draft
from bot.web.server import address, console_of, current, page, redirect, render
from bot.web.views import unanswered

RATE_DAYS = 90
_changes = KBChange.__table__


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/kb", listing)
    router.add_get("/kb/new", new_entry)
    router.add_get("/kb/history", history)
    router.add_get("/kb/entry/{id}", edit_entry)
    router.add_get("/kb/add-paraphrases", add_paraphrases)
    router.add_post("/kb/draft", draft_action)
    router.add_post("/kb/hints", hints)


@dataclass(frozen=True, slots=True)
class Row:
    entry: Entry
    topic: str
    stat: EntryStat | None
    stale_days: int | None


async def _stats(request: web.Request, base: KnowledgeBase) -> dict[str, EntryStat]:
    """«Это помогло?» per entry over the last 90 days, by the report's own definitions."""
    console = console_of(request)
    today = datetime.now(console.tz).date()
    period = Period.last_days(today, RATE_DAYS, console.tz)
    async with console.app.db.read() as conn:
        events = await load_events(conn, period, ("answer", "feedback"))
    titles = {e.id: (e.question, e.topic_id) for e in base.entries.values()}
    editors = console.app.settings.editors
    report = compute_report(events, period, titles, min_feedback=editors.review_min_feedback,
                            yes_rate=editors.review_yes_rate)
    return {s.id: s for s in report.entries}


@page("kb")
async def listing(request: web.Request) -> web.Response:
    console = console_of(request)
    base = console.app.knowledge.current.base
    q = request.query.get("q", "").strip()
    topic_id = request.query.get("topic", "")
    owner = request.query.get("owner", "")
    due = request.query.get("due") == "1"
    low = request.query.get("low") == "1"
    today = datetime.now(console.tz).date()
    stale = {s.id: s.days for s in stale_entries(base, today, console.app.settings.editors.review_days)}
    stats = await _stats(request, base)
    needle = q.lower()
    rows = []
    for topic in base.topics:
        if topic_id and topic.id != topic_id:
            continue
        for eid in topic.entry_ids:
            entry = base.entries[eid]
            if needle and not any(needle in text.lower() for text in (entry.id, *entry.match_texts(), entry.answer)):
                continue
            if owner and entry.owner != owner:
                continue
            if due and eid not in stale:
                continue
            stat = stats.get(eid)
            if low and not (stat and stat.flagged):
                continue
            rows.append(Row(entry, topic.title, stat, stale.get(eid)))
    owners = sorted({e.owner for e in base.entries.values() if e.owner})
    return render(
        request, "kb_list.html", rows=rows, base=base, q=q, topic_id=topic_id, owner=owner, due=due, low=low,
        owners=owners, version=console.app.knowledge.current.version, total=len(base),
        review_days=console.app.settings.editors.review_days, rate_days=RATE_DAYS,
    )


def _hints(draft: Draft) -> list[str]:
    entry = Entry(draft.id or "draft", draft.question, draft.answer, draft.topic_id,
                  answer_for={k: v for k, v in (("citizen", draft.answer_citizen),
                                                ("business", draft.answer_business)) if v})
    return [h.message_ru for h in entry_hints(entry)] if draft.answer else []


async def _history(request: web.Request, entry_id: str | None, limit: int = 50) -> list[dict[str, object]]:
    console = console_of(request)
    query = select(_changes).order_by(_changes.c.id.desc()).limit(limit)
    if entry_id is not None:
        query = query.where(_changes.c.entry_id == entry_id)
    async with console.app.db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [
        {"at": r.at.astimezone(console.tz), "login": r.login, "entry_id": r.entry_id, "action": r.action,
         "summary": r.summary.split("\n"), "new_version": r.new_version}
        for r in rows
    ]


def _editor(request: web.Request, draft: Draft, *, new: bool, status: int = 200, **extra: object) -> web.Response:
    console = console_of(request)
    snapshot = console.app.knowledge.current
    context: dict[str, object] = {
        "check": None, "query": "", "problems": [], "preview": None, "history": [], "cluster": "",
        "period": "", "notice": "",
    }
    context.update(extra)
    return render(
        request, "kb_edit.html", status=status, draft=draft.form(), new=new, base=snapshot.base,
        version=snapshot.version, audiences=AUDIENCES, hints=_hints(draft), decision_names=DECISION_NAMES,
        **context,
    )


@page("kb")
async def new_entry(request: web.Request) -> web.Response:
    console = console_of(request)
    base = console.app.knowledge.current.base
    topic_id = request.query.get("topic", "") or (base.topics[0].id if base.topics else "")
    draft = Draft(id="", topic_id=topic_id)
    key = request.query.get("cluster", "")
    notice = ""
    if key:
        cluster = await unanswered.find_cluster(request, key)
        if cluster is None:
            notice = "Эта группа вопросов уже не найдена за выбранный период — заполните статью вручную."
        else:
            typical = cluster.representative.strip().rstrip("?")
            draft.question = typical[:1].upper() + typical[1:] + "?"  # «ИНН» stays «ИНН»
            others = [t for t in cluster.examples if t != cluster.representative]
            draft.paraphrases = [cluster.representative, *others][:10]
    return _editor(request, draft, new=True, cluster=key, period=unanswered.period_query(request), notice=notice)


@page("kb")
async def edit_entry(request: web.Request) -> web.Response:
    console = console_of(request)
    base = console.app.knowledge.current.base
    entry = base.entries.get(request.match_info["id"])
    if entry is None:
        return render(request, "error.html", status=404,
                      message=f"Статьи «{request.match_info['id']}» нет в базе знаний.")
    draft = Draft.from_entry(entry)
    key = request.query.get("cluster", "")
    notice = "Изменения опубликованы: бот уже отвечает по новой версии." if request.query.get("published") else ""
    if key:
        cluster = await unanswered.find_cluster(request, key)
        if cluster is None:
            notice = "Эта группа вопросов уже не найдена за выбранный период."
        else:
            added = [t for t in cluster.examples if t not in draft.paraphrases]
            draft.paraphrases.extend(added)
            notice = (f"Добавлено перефразировок из группы вопросов: {len(added)}. Проверьте их и опубликуйте."
                      if added else "Все формулировки группы уже есть среди перефразировок.")
    return _editor(request, draft, new=False, history=await _history(request, entry.id), cluster=key,
                   period=unanswered.period_query(request), notice=notice)


@page("kb")
async def add_paraphrases(request: web.Request) -> web.StreamResponse:
    """From the unanswered page: open the chosen entry with the group's phrasings added."""
    entry_id = request.query.get("entry", "")
    if not entry_id:
        return render(request, "error.html", status=422,
                      message="Выберите статью, к которой добавить формулировки группы вопросов.")
    query = urlencode({"cluster": request.query.get("cluster", ""), "from": request.query.get("from", ""),
                       "to": request.query.get("to", "")})
    return redirect(f"/kb/entry/{quote(entry_id)}?{query}")


def _match_view(result: MatchResult, base: KnowledgeBase) -> dict[str, object]:
    return {
        "decision": result.decision.value,
        "top": [(c.id, base.entries[c.id].question if c.id in base.entries else c.id, c.score) for c in result.top],
    }


def _draft_matcher(base: KnowledgeBase, section: MatcherSection, live: Snapshot) -> Matcher:
    """The matcher of a draft: the live base's vectors are reused, so only the draft's new texts are
    embedded; while the live index still warms up the check is lexical, like the answers."""
    if not live.matcher.encoder_ready:
        section = section.model_copy(update={"semantic": False})
    return build_matcher(base, section, previous=live.matcher)


@page("kb")
async def draft_action(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    fields = {k: str(v) for k, v in form.items()}
    action = fields.get("action", "check")
    new = fields.get("new") == "1"
    key = fields.get("cluster", "")
    draft = Draft.from_form(fields)
    snapshot = console.app.knowledge.current
    kb_dir = console.reloader.path
    if new and draft.id in snapshot.base.entries:
        checked = None
        problems = [f"Статья с кодом «{draft.id}» уже есть — выберите другой код."]
    else:
        checked = await asyncio.to_thread(kb_edit.check_draft, kb_dir, draft, snapshot.base)
        problems = list(checked.problems)
    context: dict[str, object] = {"cluster": key, "period": fields.get("period", ""), "query": fields.get("query", "")}
    if not new:
        context["history"] = await _history(request, draft.id)
    if checked is None or not checked.ok:
        return _editor(request, draft, new=new, status=422, problems=problems, **context)
    assert checked.base is not None
    if action == "check":
        query = fields.get("query", "").strip()
        if not query:
            return _editor(request, draft, new=new, status=422,
                           problems=["Введите вопрос, который нужно проверить."], **context)
        matcher = await asyncio.to_thread(_draft_matcher, checked.base, console.app.settings.matcher, snapshot)
        result = await asyncio.to_thread(matcher.match, query)  # the encoder: off the event loop
        live = await asyncio.to_thread(snapshot.matcher.match, query)
        return _editor(request, draft, new=new, check=_match_view(result, checked.base),
                       live_check=_match_view(live, snapshot.base), **context)
    found = kb_edit.changes(snapshot.base, checked.base, draft.id)
    if action == "preview" or fields.get("version") != snapshot.version:
        stale_note = ""
        if action == "publish":
            stale_note = ("Пока вы редактировали, база знаний изменилась. Проверьте изменения ещё раз и "
                          "опубликуйте.")
        return _editor(request, draft, new=new, preview={
            "fields": [(kb_edit.FIELD_NAMES.get(f.name, f.name), kb_edit.describe(f)) for f in found or ()],
            "new": found is None, "diff": checked.file_diff(), "file": checked.path.name,
            "unchanged": found is not None and not found,
        }, notice=stale_note, **context)
    return await _publish(request, draft, checked, found, key)


async def _publish(request: web.Request, draft: Draft, checked: kb_edit.Checked, found: object, key: str
                   ) -> web.StreamResponse:
    console = console_of(request)
    user = current(request).user
    old_version = console.app.knowledge.current.version
    if not await asyncio.to_thread(kb_edit.write, checked):
        return redirect(f"/kb/entry/{draft.id}")
    outcome = await console.reloader.reload("console")
    if not outcome.ok:  # the file is put back; the bot kept serving the last good base all along
        await asyncio.to_thread(kb_edit.restore, checked)
        problems = [f"База не принята: {p}" for p in outcome.result.problems[:10]]
        return _editor(request, draft, new=found is None, status=422, problems=problems, cluster=key)
    now = console.app.clock.now()
    text = kb_edit.summary(found)  # type: ignore[arg-type]
    async with console.app.db.transaction() as conn:
        await conn.execute(_changes.insert().values(
            at=now, login=user.login, entry_id=draft.id, topic_id=draft.topic_id,
            action="created" if found is None else "changed", summary=text, old_version=old_version,
            new_version=outcome.serving.version,
        ))
        await audit.record(conn, now, user.login, "kb_published", draft.id, text, address(request))
        if key:
            await unanswered.mark_handled(conn, key, "new_entry" if found is None else "paraphrases", draft.id,
                                          user.login, now, representative=draft.question)
    return redirect(f"/kb/entry/{draft.id}?published=1")


@page("kb")
async def hints(request: web.Request) -> web.Response:
    """Plain-language hints for the answer fields, as the editor types (JSON)."""
    try:
        data = await request.json()
    except ValueError:
        return web.json_response({"hints": []}, status=400)
    fields = {k: str(v) for k, v in (data or {}).items() if isinstance(k, str)}
    return web.json_response({"hints": _hints(Draft.from_form(fields))})


@page("kb")
async def history(request: web.Request) -> web.Response:
    return render(request, "kb_history.html", history=await _history(request, None, 200))
