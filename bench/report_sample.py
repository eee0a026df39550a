"""A sample report from a synthetic event log (the picture in the README), made without any real data.

Run by hand:  python bench/report_sample.py [--out docs/report-sample.html] [--weeks 4] [--seed 3]
Then, for a picture:  chromium --headless --screenshot=docs/report-sample.png --window-size=1000,2400 FILE
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.config import MatcherSection  # noqa: E402
from bot.kb import load_knowledge_base  # noqa: E402
from bot.matching.configure import build_matcher  # noqa: E402
from bot.reports.data import Period  # noqa: E402
from bot.reports.document import build  # noqa: E402
from bot.reports.html import to_html  # noqa: E402
from bot.reports.service import build_report  # noqa: E402
from bot.storage import Database, upgrade  # noqa: E402
from bot.storage.models import EventRow  # noqa: E402

UNANSWERED = [
    line.split("\t")[1]
    for line in (ROOT / "tests" / "data" / "unanswered_clusters.tsv").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
TZ = ZoneInfo("Asia/Kamchatka")


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def synthetic_log(start: date, weeks: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    base = load_knowledge_base(ROOT / "knowledge_base")
    entries = list(base.entries)
    rng.shuffle(entries)
    weak = set(entries[3:5])  # two entries that often do not help
    rows: list[dict[str, object]] = []
    number = 0

    def add(moment: datetime, kind: str, person: str, channel: str, segment: str | None, **fields: object) -> None:
        row = dict.fromkeys(("request", "entry", "decision", "score", "candidates", "value", "via", "text",
                             "text_expires_at"))
        row.update(at=moment, kind=kind, person=person, channel=channel, segment=segment, kb_version="sample")
        row.update(fields)
        rows.append(row)

    for week in range(weeks):
        for _ in range(160 + 45 * week):
            number += 1
            request = f"s{number}"
            person = f"person-{rng.randint(1, 400)}"
            channel = pick(rng, {"telegram": 0.62, "vk": 0.34, "console": 0.04})
            segment = rng.choice(["citizen", "citizen", "business", None])
            moment = datetime.combine(start + timedelta(days=7 * week + rng.randint(0, 6)), datetime.min.time(), TZ)
            moment = (moment + timedelta(minutes=rng.randint(8 * 60, 22 * 60))).astimezone(UTC)
            entry = entries[min(int(rng.paretovariate(0.6)) - 1, len(entries) - 1)]
            decision = pick(rng, {"answer": 0.55, "confirm": 0.15, "suggest": 0.15, "none": 0.15})
            say = {"channel": channel, "segment": segment}
            add(moment, "request", person, **say, request=request, decision=decision,
                candidates=json.dumps([[entry, 70.0]]))
            moment += timedelta(minutes=1)
            text = rng.choice(UNANSWERED)
            if decision == "none" or (decision == "confirm" and rng.random() < 0.25):
                add(moment, "unanswered", person, **say, request=request,
                    value="none" if decision == "none" else "confirm_no", text=text)
                if rng.random() < 0.3:
                    add(moment, "escalation", person, **say, request=request, value="command")
                    add(moment, "unanswered", person, **say, request=request, value="escalation", text=text)
                continue
            if decision == "suggest" and rng.random() < 0.3:
                continue  # options shown, none taken
            via = {"answer": "match", "confirm": "confirm", "suggest": "choice"}[decision]
            add(moment, "answer", person, **say, request=request, entry=entry, via=via)
            helped = rng.random() < (0.3 if entry in weak else 0.78)
            if rng.random() < 0.1:
                continue  # no feedback
            add(moment, "feedback", person, **say, request=request, entry=entry, value="yes" if helped else "no")
            if not helped:
                add(moment, "unanswered", person, **say, request=request, value="no", text=text)
                if rng.random() < 0.25:
                    add(moment, "escalation", person, **say, request=request, value="button")
                continue
            if rng.random() < 0.6:
                add(moment, "satisfaction", person, **say, request=request, entry=entry,
                    value=pick(rng, {"4": 0.56, "3": 0.27, "2": 0.1, "1": 0.07}))
                add(moment, "ease", person, **say, request=request, entry=entry,
                    value=pick(rng, {"4": 0.5 + 0.03 * week, "3": 0.32, "2": 0.12, "1": 0.06}))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report-sample.html")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    start = date(2026, 11, 2)
    period = Period(start, start + timedelta(days=7 * args.weeks - 1), TZ)
    base = load_knowledge_base(ROOT / "knowledge_base")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'sample.sqlite3'}")
        try:
            await upgrade(db.engine)
            async with db.transaction() as conn:
                await conn.execute(insert(EventRow.__table__), synthetic_log(start, args.weeks, args.seed))
            report = await build_report(db, period, base=base, matcher=build_matcher(base, MatcherSection()))
        finally:
            await db.dispose()
    generated = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), TZ).replace(hour=9)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_html(build(report, generated), report), "utf-8")
    print(f"{args.out}: {report.questions} questions, {report.people} people")


if __name__ == "__main__":
    asyncio.run(main())
