"""Scoring a matcher run against labelled queries (the metrics of shared/eval/README.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

OUT_OF_SCOPE = "-"


@dataclass(frozen=True, slots=True)
class Labelled:
    query: str
    expected: str  # an entry id, or "-" when nothing in the base answers it
    category: str = ""


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0
    top3: int = 0
    confidently_wrong: int = 0
    answered_right: int = 0
    helpful: int = 0
    oos_answered: int = 0
    oos_rejected: int = 0
    decisions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))

    @staticmethod
    def _share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def top1_rate(self) -> float:
        return self._share(self.top1, self.in_scope)

    @property
    def top3_rate(self) -> float:
        return self._share(self.top3, self.in_scope)

    @property
    def confidently_wrong_rate(self) -> float:
        return self._share(self.confidently_wrong, self.in_scope)

    @property
    def answered_right_rate(self) -> float:
        return self._share(self.answered_right, self.in_scope)

    @property
    def helpful_rate(self) -> float:
        return self._share(self.helpful, self.in_scope)

    @property
    def oos_answer_rate(self) -> float:
        return self._share(self.oos_answered, self.out_of_scope)

    @property
    def oos_rejected_rate(self) -> float:
        return self._share(self.oos_rejected, self.out_of_scope)

    def table(self) -> str:
        rows = [
            ("top-1 accuracy (in scope)", self.top1_rate, f"{self.top1}/{self.in_scope}"),
            ("top-3 recall (in scope)", self.top3_rate, f"{self.top3}/{self.in_scope}"),
            ("answered directly and right (in scope)", self.answered_right_rate,
             f"{self.answered_right}/{self.in_scope}"),
            ("confidently wrong (in scope)", self.confidently_wrong_rate,
             f"{self.confidently_wrong}/{self.in_scope}"),
            ("helpful (in scope)", self.helpful_rate, f"{self.helpful}/{self.in_scope}"),
            ("answer on out-of-scope", self.oos_answer_rate, f"{self.oos_answered}/{self.out_of_scope}"),
            ("none on out-of-scope", self.oos_rejected_rate, f"{self.oos_rejected}/{self.out_of_scope}"),
        ]
        lines = ["| metric | value | count |", "|---|---:|---:|"]
        lines += [f"| {name} | {value:.1%} | {count} |" for name, value, count in rows]
        if self.by_category:
            lines += ["", "| category | n | top-1 | answered right | helpful |", "|---|---:|---:|---:|---:|"]
            for cat in sorted(self.by_category):
                n, t1, helpful, answered = self.by_category[cat]
                lines.append(
                    f"| {cat} | {n} | {self._share(t1, n):.0%} | {self._share(answered, n):.0%} "
                    f"| {self._share(helpful, n):.0%} |"
                )
        decisions = ", ".join(f"{k}={v}" for k, v in sorted(self.decisions.items()))
        lines += ["", f"decisions: {decisions}"]
        return "\n".join(lines)


def read_labelled(queries: Path, categories: Path | None = None) -> list[Labelled]:
    """Read ``query<TAB>expected_id`` lines (and an optional ``query<TAB>category`` file)."""
    cats: list[str] = []
    if categories is not None and categories.exists():
        lines = categories.read_text("utf-8").splitlines()
        cats = [line.rsplit("\t", 1)[1] for line in lines if "\t" in line]
    items: list[Labelled] = []
    rows = [row for row in queries.read_text("utf-8").splitlines() if row.strip()]
    for number, line in enumerate(rows):
        query, _, expected = line.rpartition("\t")
        items.append(Labelled(query, expected.strip(), cats[number] if number < len(cats) else ""))
    return items


def score(labelled: Sequence[Labelled], results: Iterable[Mapping[str, object]]) -> Report:
    """Compare matcher results (the JSON objects of ``bot match --jsonl``) with the labels."""
    report = Report()
    for item, result in zip(labelled, results, strict=True):
        decision = str(result["decision"])
        top = [str(c["id"]) for c in result["top"]]  # type: ignore[attr-defined]
        report.decisions[decision] += 1
        if item.expected == OUT_OF_SCOPE:
            report.out_of_scope += 1
            report.oos_answered += decision == "answer"
            report.oos_rejected += decision == "none"
            continue
        report.in_scope += 1
        right1 = top[:1] == [item.expected]
        right3 = item.expected in top[:3]
        helpful = (decision in ("answer", "confirm") and right1) or (decision == "suggest" and right3)
        report.top1 += right1
        report.top3 += right3
        report.confidently_wrong += decision == "answer" and not right1
        report.answered_right += decision == "answer" and right1
        report.helpful += helpful
        if item.category:
            stats = report.by_category[item.category]
            stats[0] += 1
            stats[1] += right1
            stats[2] += helpful
            stats[3] += decision == "answer" and right1
    return report


SUMMARY_HEADER = (
    "| set | in scope | top-1 | top-3 | answered right | confidently wrong | helpful | oos | oos answered "
    "| oos nothing found |"
)


def summary_row(name: str, r: Report) -> str:
    """One line of the per-set table: the issue's figures side by side."""
    return (
        f"| {name} | {r.in_scope} | {r.top1_rate:.1%} | {r.top3_rate:.1%} | {r.answered_right_rate:.1%} "
        f"| {r.confidently_wrong_rate:.1%} | {r.helpful_rate:.1%} | {r.out_of_scope} | {r.oos_answer_rate:.1%} "
        f"| {r.oos_rejected_rate:.1%} |"
    )


def summary(reports: Sequence[tuple[str, Report]]) -> str:
    lines = [SUMMARY_HEADER, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [summary_row(name, report) for name, report in reports]
    return "\n".join(lines)
