"""The report as one self-contained HTML page: tables and inline SVG charts, no external resources."""

from __future__ import annotations

import html
import re

from bot.reports.charts import chart_svg
from bot.reports.document import Document
from bot.reports.metrics import Report

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1d2733; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #e3e8ee; padding-bottom: .2rem; }
.subtitle { color: #5b6774; }
table { border-collapse: collapse; margin: .6rem 0 1rem; }
th, td { border-bottom: 1px solid #e3e8ee; padding: .3rem .7rem; text-align: left; vertical-align: top; }
th { background: #f3f6f9; }
td.n { white-space: nowrap; }
.chart svg { max-width: 100%; height: auto; }
.empty { color: #8a949e; font-style: italic; }
"""
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def _cell(text: str) -> str:
    """Short cells (numbers, shares, stars) never wrap; long texts do."""
    short = ' class="n"' if len(text) <= 28 else ""
    return f"<td{short}>{_inline(text)}</td>"


def to_html(doc: Document, report: Report | None = None) -> str:
    """The page; charts are drawn from ``report`` when it is given."""
    out = [
        "<!DOCTYPE html>", '<html lang="ru">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(doc.title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{html.escape(doc.title)}</h1>", f'<p class="subtitle">{_inline(doc.subtitle)}</p>',
    ]
    for section in doc.sections:
        out.append(f"<h2>{html.escape(section.title)}</h2>")
        for paragraph in section.paragraphs:
            out.append(f"<p>{_inline(paragraph)}</p>")
        if report is not None:
            for name in section.charts:
                svg = chart_svg(name, report)
                if svg:
                    out.append(f'<div class="chart">{svg}</div>')
        for table in section.tables:
            if not table.rows:
                out.append('<p class="empty">нет данных</p>')
                continue
            out.append("<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
                       + "</tr></thead><tbody>")
            out.extend("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in table.rows)
            out.append("</tbody></table>")
        for note in section.notes:
            out.append(f"<p>{_inline(note)}</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
