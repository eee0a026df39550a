"""The report's figures as CSV rows (section, item, metric, value) for spreadsheets and dashboards."""

from __future__ import annotations

import csv
import io

from bot.reports.metrics import Report


def _value(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(round(value, 2)) if isinstance(value, float) else str(value)


def rows(report: Report) -> list[tuple[str, str, str, str]]:
    r = report
    out: list[tuple[str, str, str, str]] = []

    def add(section: str, item: str, metric: str, value: float | int | None) -> None:
        out.append((section, item, metric, _value(value)))

    period = f"{r.period.start.isoformat()}..{r.period.end.isoformat()}"
    add("summary", period, "questions", r.questions)
    add("summary", period, "people", r.people)
    add("summary", period, "answered", r.answered)
    add("summary", period, "answered_percent", r.answered_share)
    add("summary", period, "resolved", r.resolved)
    add("summary", period, "resolved_percent", r.resolved_share)
    add("summary", period, "escalated", r.escalated)
    add("summary", period, "escalated_percent", r.escalated_share)
    add("summary", period, "operator_requests", r.operator_requests)
    add("summary", period, "operator_offers", r.operator_offers)
    add("summary", period, "menu_answers", r.menu_answers)
    for decision, count in r.decisions.items():
        add("decision", decision, "questions", count)
    for group in r.by_channel:
        add("channel", group.name, "questions", group.questions)
        add("channel", group.name, "people", group.people)
    for group in r.by_segment:
        add("segment", group.name, "questions", group.questions)
        add("segment", group.name, "people", group.people)
    for name, scale in (("ease", r.ease), ("satisfaction", r.satisfaction)):
        for value in (4, 3, 2, 1):
            add(name, str(value), "count", scale.counts.get(value, 0))
        add(name, "3+4", "percent", scale.share)
        add(name, "3+4", "stars", scale.stars)
    if r.five is not None:
        for value in range(5, 0, -1):
            add("rating_1_5", str(value), "count", r.five.counts.get(value, 0))
        add("rating_1_5", "all", "mean", r.five.mean)
    if r.nps is not None:
        add("nps", "all", "score", r.nps.score)
        add("nps", "all", "answers", r.nps.total)
    for entry in r.entries:
        add("entry", entry.id, "answers", entry.answers)
        add("entry", entry.id, "yes", entry.yes)
        add("entry", entry.id, "no", entry.no)
        add("entry", entry.id, "yes_percent", entry.rate)
        add("entry", entry.id, "flagged", int(entry.flagged))
    for topic, count in r.top_topics:
        add("topic", topic, "answers", count)
    for week in r.weeks:
        add("week", week.start.isoformat(), "questions", week.questions)
        add("week", week.start.isoformat(), "people", week.people)
        add("week", week.start.isoformat(), "answered", week.answered)
        add("week", week.start.isoformat(), "resolved", week.resolved)
        add("week", week.start.isoformat(), "escalated", week.escalated)
        add("week", week.start.isoformat(), "ease_positive", week.ease_positive)
        add("week", week.start.isoformat(), "ease_total", week.ease_total)
    if r.first_responses is not None:
        fr = r.first_responses
        add("operators", "first_response", "cases", fr.cases)
        add("operators", "first_response", "within_2h", fr.within_norm)
        add("operators", "first_response", "within_2h_percent", fr.share_within)
        add("operators", "first_response", "median_minutes", fr.median_minutes)
    if r.consents is not None:
        c = r.consents
        add("notifications", "consents", "given", c.given)
        add("notifications", "consents", "revoked", c.revoked)
        add("notifications", "consents", "opt_in_percent", c.opt_in_rate)
        add("notifications", "consents", "opt_out_percent", c.opt_out_rate)
        for k in c.kinds:
            add("notifications", k.name, "given", k.given)
            add("notifications", k.name, "revoked", k.revoked)
            add("notifications", k.name, "active_at_end", k.active_at_end)
    for number, cluster in enumerate(r.unanswered, start=1):
        add("unanswered", str(number), "people", cluster.people)
        add("unanswered", str(number), "questions", cluster.count)
    return out


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "item", "metric", "value"])
    writer.writerows(rows(report))
    return buffer.getvalue()
