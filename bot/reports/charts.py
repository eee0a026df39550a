"""Charts for the HTML report: matplotlib (Agg backend, bundled DejaVu fonts) rendered to SVG or PNG."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.reports.document import CHANNEL_NAMES, EASE_LABELS, SATISFACTION_LABELS
from bot.reports.metrics import Report, Scale, percent

matplotlib.use("Agg")  # no display; figures are drawn straight to SVG and PNG (pyplot is never used)

BLUE, GREEN, ORANGE, RED, GREY = "#2f6db5", "#3a9a5b", "#e69b2e", "#c94c4c", "#9aa4ae"
SCALE_COLOURS = {4: GREEN, 3: "#8cc084", 2: ORANGE, 1: RED}
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",  # text stays text in the SVG: smaller, selectable, the browser's font
    "svg.hashsalt": "report",  # the same report gives the same SVG
}


def _figure(width: float = 6.4, height: float = 3.0) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def outcomes(report: Report) -> Figure | None:
    if not report.questions:
        return None
    fig = _figure(6.4, 2.4)
    ax = fig.add_subplot()
    labels = ["Ответил бот", "Вопрос решён", "Передано оператору"]
    values = [report.answered_share or 0, report.resolved_share or 0, report.escalated_share or 0]
    bars = ax.barh(labels[::-1], values[::-1], color=[ORANGE, GREEN, BLUE])
    ax.bar_label(bars, labels=[f"{v:.1f} %".replace(".", ",") for v in values[::-1]], padding=3)
    ax.set_xlim(0, 110)
    ax.set_xlabel(f"% от {report.questions} вопросов")
    return fig


def _scale(scale: Scale, labels: dict[int, str], title: str) -> Figure | None:
    if not scale.total:
        return None
    fig = _figure(6.4, 2.6)
    ax = fig.add_subplot()
    order = (4, 3, 2, 1)
    counts = [scale.counts.get(v, 0) for v in order]
    names = [labels[v].replace(" ", "\n", 1) for v in order]  # «Скорее\nудовлетворён»: labels never overlap
    bars = ax.bar(names, counts, color=[SCALE_COLOURS[v] for v in order])
    ax.bar_label(bars, labels=[f"{(percent(c, scale.total) or 0):.0f} %" for c in counts], padding=2)
    ax.set_ylabel("оценок")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no «2,5 оценки» ticks
    ax.set_title(title, loc="left", fontsize=10)
    ax.margins(y=0.2)
    return fig


def ease(report: Report) -> Figure | None:
    share = f"{report.ease.share:.1f}".replace(".", ",") if report.ease.share is not None else "—"
    stars = "★" * (report.ease.stars or 0) + "☆" * (5 - (report.ease.stars or 0))
    return _scale(report.ease, EASE_LABELS, f"«Легко» + «Скорее легко»: {share} %  {stars}")


def satisfaction(report: Report) -> Figure | None:
    s = report.satisfaction
    share = f"{s.share:.1f}".replace(".", ",") if s.share is not None else "—"
    stars = "★" * (s.stars or 0) + "☆" * (5 - (s.stars or 0))
    return _scale(s, SATISFACTION_LABELS, f"«Удовлетворён» + «Скорее удовлетворён»: {share} %  {stars}")


def weeks(report: Report) -> Figure | None:
    if not report.weeks or not any(w.questions for w in report.weeks):
        return None
    fig = _figure(6.4, 3.0)
    ax = fig.add_subplot()
    labels = [w.start.strftime("%d.%m") for w in report.weeks]
    ax.bar(labels, [w.questions for w in report.weeks], color="#c9d9ee", label="вопросов")
    ax.set_ylabel("вопросов в неделю")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    right = ax.twinx()
    right.spines["right"].set_visible(True)
    right.plot(labels, [percent(w.answered, w.questions) for w in report.weeks], color=ORANGE, marker="o",
               label="ответил бот, %")
    right.plot(labels, [percent(w.resolved, w.questions) for w in report.weeks], color=GREEN, marker="o",
               label="решён, %")
    right.set_ylim(0, 105)
    right.set_ylabel("%")
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return fig


def channels(report: Report) -> Figure | None:
    if not report.by_channel:
        return None
    fig = _figure(6.4, 2.2)
    ax = fig.add_subplot()
    names = [CHANNEL_NAMES.get(g.name, g.name) for g in report.by_channel][::-1]
    bars = ax.barh(names, [g.questions for g in report.by_channel][::-1], color=BLUE)
    ax.bar_label(bars, padding=3)
    ax.set_xlabel("вопросов")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.15)
    return fig


CHARTS: dict[str, Callable[[Report], Figure | None]] = {
    "outcomes": outcomes, "ease": ease, "satisfaction": satisfaction, "weeks": weeks, "channels": channels,
}


def chart_svg(name: str, report: Report) -> str | None:
    """One chart as an inline ``<svg>`` element, or None when there is nothing to draw."""
    with matplotlib.rc_context(STYLE):
        fig = CHARTS[name](report)
        if fig is None:
            return None
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def chart_png(name: str, report: Report, dpi: int = 110) -> bytes | None:
    with matplotlib.rc_context(STYLE):
        fig = CHARTS[name](report)
        if fig is None:
            return None
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
