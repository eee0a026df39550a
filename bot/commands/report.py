"""``bot report``: figures and charts from the anonymised event log; unanswered questions for editors."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from bot.matching import Matcher
from bot.matching.configure import build_matcher
from bot.matching.lexicon import LexiconError
from bot.matching.semantic import wanted
from bot.reports.data import Period
from bot.storage import Database

FORMATS = ("md", "html", "csv", "public")
DEFAULT_DAYS = 30


def period_from(start: date | None, end: date | None, tz: ZoneInfo) -> Period:
    end = end or datetime.now(tz).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    return Period(start, end, tz)


def _knowledge(kb_dir: Path, settings: Settings) -> tuple[KnowledgeBase | None, Matcher | None]:
    """The base and its matcher for titles and nearest entries; a broken base only costs those."""
    try:
        base = load_knowledge_base(kb_dir)
        cache_dir = settings.bot.data_dir / "cache" if wanted(settings.matcher.semantic) else None  # vectors
        return base, build_matcher(base, settings.matcher, cache_dir)
    except (KnowledgeBaseError, LexiconError) as exc:
        print(f"Note: the knowledge base in {kb_dir} cannot be loaded ({exc.__class__.__name__}); "
              "entries are shown by id and without the nearest entry.", file=sys.stderr)
        return None, None


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, "utf-8")
        print(f"Written to {out}", file=sys.stderr)


async def _report(settings: Settings, period: Period, fmt: str, out: Path | None, kb_dir: Path) -> int:
    from bot.reports.document import build, build_public, to_markdown
    from bot.reports.flat import to_csv
    from bot.reports.html import to_html
    from bot.reports.service import build_report

    base, matcher = _knowledge(kb_dir, settings)
    db = Database(settings.database_url)
    try:
        report = await build_report(
            db, period, base=base, matcher=matcher,
            min_feedback=settings.editors.review_min_feedback, yes_rate=settings.editors.review_yes_rate,
        )
    finally:
        await db.dispose()
    now = datetime.now(period.tz)
    min_ratings = settings.reports.min_ratings_for_stars
    if fmt == "csv":
        _write(to_csv(report), out)
    elif fmt == "public":
        doc = build_public(report, now, settings.bot.organisation, min_ratings=min_ratings)
        _write(to_html(doc) if out is not None and out.suffix.lower() == ".html" else to_markdown(doc), out)
    elif fmt == "html":
        _write(to_html(build(report, now, min_ratings=min_ratings), report), out)
    else:
        _write(to_markdown(build(report, now, min_ratings=min_ratings)), out)
    return 0


async def _unanswered(settings: Settings, period: Period, table: Path | None, limit: int, kb_dir: Path) -> int:
    from bot.reports.service import find_unanswered
    from bot.reports.unanswered import reasons_text, write_clusters

    base, matcher = _knowledge(kb_dir, settings)
    db = Database(settings.database_url)
    try:
        found = await find_unanswered(db, period, matcher)
    finally:
        await db.dispose()
    print(f"Unanswered questions {period.label()}: {found.total}; groups with texts: {len(found.clusters)}")
    for number, cluster in enumerate(found.clusters[:limit], start=1):
        print(f"\n{number}. {cluster.representative}  — people: {cluster.people}, questions: {cluster.count}")
        print(f"   why: {reasons_text(cluster.reasons)}")
        for example in cluster.examples[1:]:
            print(f"   · {example}")
        if cluster.nearest is not None:
            print(f"   nearest entry: {cluster.nearest.id} «{cluster.nearest.question}» ({cluster.nearest.score:.1f})")
    if found.no_pick:
        print(f"\nOptions offered but none taken: {sum(g.count for g in found.no_pick)} times")
        for group in found.no_pick[:limit]:
            print(f"   {group.count}× ({group.people} people): {', '.join(group.candidates)}")
    if table is not None:
        write_clusters(table, found.clusters, found.no_pick, base, settings.matcher.confirm_score)
        print(f"\nWritten to {table}")
    return 0


def run_report(
    settings: Settings,
    what: str,
    start: date | None,
    end: date | None,
    fmt: str,
    out: Path | None,
    table: Path | None,
    limit: int,
    kb_dir: Path,
) -> int:
    period = period_from(start, end, ZoneInfo(settings.bot.timezone))
    if period.start > period.end:
        print("--from is after --to", file=sys.stderr)
        return 2
    try:
        if what == "unanswered":
            return asyncio.run(_unanswered(settings, period, table, limit, kb_dir))
        return asyncio.run(_report(settings, period, fmt, out, kb_dir))
    except DBAPIError as exc:
        print(f"Cannot read the event log ({exc.orig}); is the database migrated? Try: python -m bot db upgrade",
              file=sys.stderr)
        return 1
