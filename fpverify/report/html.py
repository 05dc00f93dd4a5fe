"""Render a `Page` as ONE self-contained HTML file: inline CSS, inline plotly.js (only when the page
has a figure), figures as inline JSON; every table is plain HTML, readable without JavaScript.

    from fpverify.report.html import render_html
    Path("report.html").write_text(render_html(page))
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any

from ..errors import InputError
from .model import Download, Figure, Page, Pre, Section, Table, Text, status_colour

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
header{background:#263238;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px;font-weight:600}
main{padding:12px 24px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde1e5;border-radius:6px;margin:14px 0;padding:10px 16px}
h2{font-size:17px;margin:6px 0 10px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #dde1e5;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}
tr.bad td{background:#ffebee}
tr.first td{background:#ffcdd2;font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;vertical-align:middle}
.facts{display:flex;flex-wrap:wrap;gap:6px 22px;margin:8px 0;font-size:13px}
.facts b{color:#455a64;font-weight:600}
pre{background:#f3f5f7;border:1px solid #dde1e5;padding:8px;overflow-x:auto;font-size:12px}
p.note{color:#546e7a}
p.bad{color:#c62828;font-weight:600}
p.good{color:#2e7d32;font-weight:600}
.figure{margin:8px 0}
.figure .caption{font-size:12px;color:#546e7a}
noscript p{color:#546e7a;font-size:12px}
details{margin:8px 0}
summary{cursor:pointer;font-weight:600;font-size:13px}
"""

ERROR_TRAP = ("window.fpverifyErrors=[];window.addEventListener('error',function(e){"
              "window.fpverifyErrors.push(String(e.message));"
              "document.documentElement.setAttribute('data-js-errors',window.fpverifyErrors.length);});")


def plotly_js() -> str:
    """plotly.js from the `plotly` package (the `report` extra); InputError when it is missing."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise InputError("HTML reports with figures need plotly: pip install 'fpverify[report]'") from None
    return get_plotlyjs()


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def script_json(obj: Any) -> str:
    """JSON safe inside a <script> element: every ``<``, ``>`` and ``&`` as a JSON escape."""
    return (json.dumps(obj, separators=(",", ":"), allow_nan=False, default=str)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def badge(status: str) -> str:
    return f'<span class="badge status" style="background:{status_colour(status)}">{esc(status)}</span>'


def render_table(t: Table) -> str:
    tid = f' id="{esc(t.id)}"' if t.id else ""
    out = [f'<table{tid} class="data">']
    if t.caption:
        out.append(f"<caption>{esc(t.caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in t.columns) + "</tr></thead><tbody>")
    status_i = t.columns.index(t.status_column) if t.status_column in t.columns else -1
    for i, row in enumerate(t.rows):
        mark = t.row_marks[i] if i < len(t.row_marks) else ""
        cells = []
        for j, v in enumerate(row):
            if j == status_i and v:
                cells.append(f"<td>{badge(str(v))}</td>")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{esc(v)}</td>')
            else:
                cells.append(f"<td>{esc(v)}</td>")
        cls = f' class="{esc(mark)}"' if mark else ""
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if t.collapsed:
        summary = esc(t.caption or "table") + f" ({len(t.rows)} rows)"
        return f"<details><summary>{summary}</summary>" + "".join(out) + "</details>"
    return "".join(out)


def render_figure(f: Figure) -> str:
    return (f'<div class="figure"><div id="{esc(f.id)}" class="plot" style="height:{int(f.height)}px"></div>'
            f'<noscript><p>(interactive figure: needs JavaScript; the tables hold the same data)</p></noscript>'
            + (f'<div class="caption">{esc(f.caption)}</div>' if f.caption else "") + "</div>")


def render_block(b) -> str:
    if isinstance(b, Table):
        return render_table(b)
    if isinstance(b, Figure):
        return render_figure(b)
    if isinstance(b, Text):
        return f'<p class="{esc(b.css)}">{esc(b.text)}</p>' if b.css else f"<p>{esc(b.text)}</p>"
    if isinstance(b, Pre):
        return f"<pre>{esc(b.text)}</pre>"
    if isinstance(b, Download):
        data = base64.b64encode(b.data.encode()).decode()
        return (f'<p><a class="download" download="{esc(b.filename)}" href="data:{esc(b.mime)};base64,{data}">'
                f"{esc(b.label or 'download ' + b.filename)}</a></p>")
    raise TypeError(f"not a page block: {type(b).__name__}")


def render_section(s: Section) -> str:
    head = esc(s.title) + (" " + badge(s.status) if s.status else "")
    sid = f' id="{esc(s.id)}"' if s.id else ""
    return f"<section{sid}><h2>{head}</h2>" + "".join(render_block(b) for b in s.blocks) + "</section>"


def render_html(page: Page) -> str:
    """The whole page as one HTML document (plotly.js inlined when there are figures)."""
    figures = page.figures()
    facts = "".join(f"<span><b>{esc(k)}</b> {esc(v)}</span>" for k, v in page.facts)
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<meta name=\"generator\" content=\"fpverify report\"><title>{esc(page.title)}</title>",
             f"<style>{CSS}</style><script>{ERROR_TRAP}</script>"]
    if figures:
        parts.append(f"<script>{plotly_js()}</script>")
    parts.append(f'</head><body><header><h1 id="title">{esc(page.title)} '
                 + (badge(page.status) if page.status else "") + "</h1></header>")
    parts.append(f'<main id="report" data-kind="{esc(page.kind)}"><div class="facts">{facts}</div>')
    parts.extend(render_section(s) for s in page.sections)
    parts.append("</main>")
    if figures:
        specs = {f.id: f.figure for f in figures}
        parts.append("<script>(function(){var figs=" + script_json(specs) + ";var done=[];"
                     "for(var id in figs){var f=figs[id];"
                     "done.push(Plotly.newPlot(id,f.data,f.layout||{},{responsive:true,displaylogo:false}));}"
                     "Promise.all(done).then(function(){document.documentElement.setAttribute("
                     "'data-plots-rendered',String(done.length));});})();</script>")
    parts.append("</body></html>")
    return "".join(parts)


__all__ = ["render_html", "render_table", "render_block", "plotly_js", "script_json", "CSS"]
