"""Plotly figures as plain JSON-ready dicts (``{"data": [...], "layout": {...}}``): the page model
stays pure data and testable without plotly; plotly.js draws them in the page.

Every function here returns such a dict; floats that are NaN or infinite become None (a gap)."""

from __future__ import annotations

import math
from typing import Any, Sequence

from .model import status_colour

FONT = {"family": "system-ui, sans-serif", "size": 12}


def clean(x: Any) -> Any:
    """``x`` with NaN/inf floats replaced by None (JSON has no NaN), recursively."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


def layout(title: str = "", **extra) -> dict[str, Any]:
    out = {"title": {"text": title, "x": 0.01} if title else None, "font": FONT,
           "margin": {"l": 60, "r": 20, "t": 40 if title else 16, "b": 50}, "hovermode": "closest"}
    out.update(extra)
    return {k: v for k, v in out.items() if v is not None}


def obligation_tree(nodes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """An icicle chart of a proof's tree. ``nodes``: dicts with id, parent ("" for the root),
    label, status, seconds, solver; leaves are sized by seconds (at least a sliver)."""
    ids = [n["id"] for n in nodes]
    has_child = {n["parent"] for n in nodes}
    values = [0 if n["id"] in has_child else max(float(n.get("seconds") or 0.0), 0.01) for n in nodes]
    hover = [f"{n['label']}<br>{n['status']}" + (f" · {n['solver']}" if n.get("solver") else "")
             + (f" · {n['seconds']:.2f} s" if n.get("seconds") is not None else "") for n in nodes]
    trace = {"type": "icicle", "ids": ids, "labels": [n["label"] for n in nodes],
             "parents": [n["parent"] for n in nodes], "values": values, "branchvalues": "remainder",
             "marker": {"colors": [status_colour(n["status"]) for n in nodes]},
             "hovertext": hover, "hoverinfo": "text", "textinfo": "label",
             "tiling": {"orientation": "h"}, "sort": False}
    return clean({"data": [trace], "layout": layout(margin={"l": 4, "r": 4, "t": 4, "b": 4})})


def lanes(intervals: Sequence[tuple[float, float]]) -> list[int]:
    """Greedy worker lanes: each interval (start, end) gets the lowest lane free at its start."""
    order = sorted(range(len(intervals)), key=lambda i: (intervals[i][0], intervals[i][1]))
    ends: list[float] = []
    out = [0] * len(intervals)
    for i in order:
        s, e = intervals[i]
        lane = next((k for k, end in enumerate(ends) if end <= s + 1e-6), None)
        if lane is None:
            lane = len(ends)
            ends.append(e)
        else:
            ends[lane] = e
        out[i] = lane
    return out


def timeline(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A Gantt chart of the worker pool. ``items``: name, status, solver, start, end (seconds from
    the run's start); one horizontal bar per item, overlapping items on separate lanes (`lanes`)."""
    lane = lanes([(it["start"], it["end"]) for it in items])
    by_status: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_status.setdefault(it["status"], []).append(i)
    data = []
    for status, idx in by_status.items():
        data.append({"type": "bar", "orientation": "h", "name": status,
                     "y": [f"worker {lane[i] + 1}" for i in idx],
                     "x": [max(items[i]["end"] - items[i]["start"], 0.005) for i in idx],
                     "base": [items[i]["start"] for i in idx],
                     "marker": {"color": status_colour(status), "line": {"color": "#fff", "width": 1}},
                     "hovertext": [f"{items[i]['name']}<br>{status}"
                                   + (f" · {items[i]['solver']}" if items[i].get("solver") else "")
                                   + f"<br>{items[i]['start']:.2f} → {items[i]['end']:.2f} s" for i in idx],
                     "hoverinfo": "text"})
    n_lanes = max(lane, default=0) + 1
    return clean({"data": data, "layout": layout(
        barmode="overlay", xaxis={"title": {"text": "seconds since start"}},
        yaxis={"autorange": "reversed", "categoryorder": "array",
               "categoryarray": [f"worker {k + 1}" for k in range(n_lanes)]},
        legend={"orientation": "h", "y": -0.25})})


def waveform(steps: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A bus waveform: one band per named stage over the pipeline's steps. ``rows``: signal,
    actual (one value per step, None unknown), expected (value at the compared step or None), ok,
    first (the first failing stage). Actual values are drawn as labelled bus segments; the
    expected value sits beside the last step, red where it differs."""
    data, annotations, shapes = [], [], []
    n = len(steps)
    for r, row in enumerate(rows):
        y0 = -r
        colour = "#c62828" if not row["ok"] else "#1565c0"
        # a bus band: top and bottom lines, with crossings where the value changes
        top, bot, xx = [], [], []
        prev = object()
        for k in range(n):
            v = row["actual"][k]
            if v != prev and k > 0:
                xx += [k - 0.08, k + 0.08]
                top += [y0 + 0.3, y0 + 0.3]
                bot += [y0 - 0.3, y0 - 0.3]
            else:
                xx.append(k)
                top.append(y0 + 0.3)
                bot.append(y0 - 0.3)
            prev = v
        xx.append(n)
        top.append(y0 + 0.3)
        bot.append(y0 - 0.3)
        for ys in (top, bot):
            data.append({"type": "scatter", "mode": "lines", "x": xx, "y": ys, "showlegend": False,
                         "line": {"color": colour, "width": 3 if row.get("first") else 1.5},
                         "hoverinfo": "skip"})
        hx = [k + 0.5 for k in range(n)]
        data.append({"type": "scatter", "mode": "text", "x": hx, "y": [y0] * n, "showlegend": False,
                     "text": [fmt_value(v, row.get("width")) for v in row["actual"]],
                     "textfont": {"color": colour, "size": 11},
                     "hovertext": [f"{row['signal']} @ {steps[k]}: actual {fmt_value(row['actual'][k], row.get('width'))}"
                                   + (f", expected {fmt_value(row['expected'], row.get('width'))}"
                                      if row.get("expected") is not None and k == n - 1 else "") for k in range(n)],
                     "hoverinfo": "text"})
        if row.get("expected") is not None:
            annotations.append({"x": n + 0.08, "y": y0, "xanchor": "left", "showarrow": False,
                                "text": ("expected " + fmt_value(row["expected"], row.get("width"))
                                         + ("" if row["ok"] else "  ✗")),
                                "font": {"color": "#2e7d32" if row["ok"] else "#c62828", "size": 11}})
        if row.get("first"):
            shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": -0.02, "x1": n + 2.2,
                           "y0": y0 - 0.45, "y1": y0 + 0.45, "line": {"color": "#c62828", "width": 2},
                           "fillcolor": "rgba(198,40,40,0.07)"})
    return clean({"data": data, "layout": layout(
        annotations=annotations, shapes=shapes, showlegend=False,
        xaxis={"tickvals": [k + 0.5 for k in range(n)], "ticktext": list(steps), "range": [-0.1, n + 2.3],
               "showgrid": False, "zeroline": False, "title": {"text": "pipeline step"}},
        yaxis={"tickvals": [-r for r in range(len(rows))], "ticktext": [row["signal"] for row in rows],
               "range": [-len(rows) + 0.4, 0.6], "showgrid": False, "zeroline": False},
        margin={"l": 130, "r": 20, "t": 16, "b": 50})})


def fmt_value(v: int | None, width: int | None = None) -> str:
    """A bus value as hex (``x`` when unknown)."""
    if v is None:
        return "x"
    return f"{v:#x}" if (width or 0) > 1 else str(v)


def heatmap(z: Sequence[Sequence[float | None]], x: Sequence[Any], y: Sequence[Any], *, title: str = "",
            colorbar: str = "", hovertemplate: str | None = None, customdata=None, xtitle: str = "",
            ytitle: str = "", colorscale: Any = "Viridis", zmin: float | None = None,
            zmax: float | None = None, showscale: bool = True, reverse_y: bool = True,
            gap: int = 1) -> dict[str, Any]:
    """A heatmap; the first row of ``z`` is drawn at the top (as in a table) unless ``reverse_y`` is off."""
    trace: dict[str, Any] = {"type": "heatmap", "z": z, "x": list(x), "y": list(y), "colorscale": colorscale,
                             "colorbar": {"title": {"text": colorbar}}, "hoverongaps": False,
                             "showscale": showscale, "xgap": gap, "ygap": gap}
    if zmin is not None:
        trace["zmin"] = zmin
    if zmax is not None:
        trace["zmax"] = zmax
    if customdata is not None:
        trace["customdata"] = customdata
    if hovertemplate:
        trace["hovertemplate"] = hovertemplate
    yaxis: dict[str, Any] = {"title": {"text": ytitle}, "automargin": True, "type": "category"}
    if reverse_y:
        yaxis["autorange"] = "reversed"
    return clean({"data": [trace], "layout": layout(title, xaxis={"title": {"text": xtitle}, "automargin": True,
                                                                  "type": "category"}, yaxis=yaxis)})


def bars(categories: Sequence[str], series: dict[str, Sequence[float]], *, title: str = "", ytitle: str = "",
         stacked: bool = True, colours: dict[str, str] | None = None) -> dict[str, Any]:
    data = []
    for name, ys in series.items():
        t = {"type": "bar", "name": name, "x": list(categories), "y": list(ys)}
        if colours and name in colours:
            t["marker"] = {"color": colours[name]}
        data.append(t)
    return clean({"data": data, "layout": layout(title, barmode="stack" if stacked else "group",
                                                 yaxis={"title": {"text": ytitle}},
                                                 legend={"orientation": "h", "y": -0.3})})


def histogram(edges: Sequence[float], counts: Sequence[int], *, title: str = "", xtitle: str = "",
              labels: Sequence[str] | None = None, ytitle: str = "examples") -> dict[str, Any]:
    """Pre-binned counts (``len(edges) == len(counts) + 1``, or category ``labels``)."""
    if labels is not None:
        x = list(labels)
        trace = {"type": "bar", "x": x, "y": list(counts), "marker": {"color": "#1565c0"}}
    else:
        centres = [(edges[i] + edges[i + 1]) / 2 for i in range(len(counts))]
        widths = [edges[i + 1] - edges[i] for i in range(len(counts))]
        trace = {"type": "bar", "x": centres, "width": widths, "y": list(counts),
                 "marker": {"color": "#1565c0", "line": {"color": "#fff", "width": 0.5}}}
    xaxis: dict[str, Any] = {"title": {"text": xtitle}}
    if labels is not None:
        xaxis["type"] = "category"
    return clean({"data": [trace], "layout": layout(title, bargap=0.05 if labels is not None else 0, xaxis=xaxis,
                                                    yaxis={"title": {"text": ytitle}})})


__all__ = ["clean", "layout", "obligation_tree", "lanes", "timeline", "waveform", "fmt_value", "heatmap",
           "bars", "histogram", "FONT"]
