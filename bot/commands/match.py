"""``bot match``: run the matcher over queries from the command line or standard input."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.kb import KnowledgeBaseError, load_knowledge_base
from bot.matching import Matcher, MatchResult
from bot.matching.configure import build_matcher as matcher_for
from bot.matching.evaluation import Report, read_labelled, score, summary
from bot.matching.lexicon import LexiconError
from bot.matching.semantic import wanted


def build_matcher(kb_dir: Path, settings: Settings) -> Matcher:
    # The encoder keeps its entry vectors in the bot's cache folder between runs.
    cache_dir = settings.bot.data_dir / "cache" if wanted(settings.matcher.semantic) else None
    return matcher_for(load_knowledge_base(kb_dir), settings.matcher, cache_dir)


def match_stream(matcher: Matcher, lines: Iterable[str], out: TextIO, jsonl: bool) -> int:
    """Match each line and write one result per line, in order; returns the number of queries."""
    count = 0
    for raw in lines:
        query = raw.rstrip("\r\n")
        result = matcher.match(query)
        out.write(_json(result) if jsonl else _human(result))
        out.write("\n")
        out.flush()
        count += 1
    return count


def _json(result: MatchResult) -> str:
    return json.dumps(result.as_json(), ensure_ascii=False)


def _human(result: MatchResult) -> str:
    top = ", ".join(f"{c.id} ({c.score:.1f})" for c in result.top) or "—"
    return f"{result.decision.value:8} {top}   ← {result.query[:80]}"


def _matcher_or_report(kb_dir: Path, settings: Settings) -> Matcher | None:
    try:
        return build_matcher(kb_dir, settings)
    except KnowledgeBaseError as exc:
        print(f"The knowledge base in {kb_dir} has errors:\n{exc}", file=sys.stderr)
    except LexiconError as exc:
        print(f"The matcher's lexicon has errors: {exc}", file=sys.stderr)
    return None


def run_match(kb_dir: Path, queries: list[str], jsonl: bool, settings: Settings) -> int:
    matcher = _matcher_or_report(kb_dir, settings)
    if matcher is None:
        return 1
    if queries:
        match_stream(matcher, queries, sys.stdout, jsonl)
        return 0
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    match_stream(matcher, sys.stdin, sys.stdout, jsonl)
    return 0


def run_eval(set_dirs: Path | list[Path], settings: Settings) -> int:
    """Print the metrics of each labelled set laid out like shared/eval/, then one table of them all."""
    dirs = [set_dirs] if isinstance(set_dirs, Path) else list(set_dirs)
    reports: list[tuple[str, Report]] = []
    for set_dir in dirs:
        queries = set_dir / "queries.tsv"
        if not queries.exists():
            print(f"{queries} does not exist (expected kb/ and queries.tsv in {set_dir})", file=sys.stderr)
            return 2
        matcher = _matcher_or_report(set_dir / "kb", settings)
        if matcher is None:
            return 1
        labelled = read_labelled(queries, set_dir / "categories.tsv")
        results = [matcher.match(item.query).as_json() for item in labelled]
        report = score(labelled, results)
        reports.append((set_dir.name, report))
        print(f"## {set_dir.name} ({set_dir})\n\n{report.table()}\n")
    if len(reports) > 1:
        print(summary(reports))
    return 0
