"""An error map (`fpverify.report.error_map`) → a page: the heatmap over every operand pair (hover
shows the operands, the exact and the computed values), the error histogram and the summary."""

from __future__ import annotations

import math
from typing import Any

from .. import figures as F
from ..model import Figure, Page, Section, Table, Text

METRIC_TEXT = {"rel": "relative error |computed − exact| / |exact|", "ulp": "error in ULPs of the format"}


def error_map_page(doc: dict[str, Any], title: str = "") -> Page:
    metric = doc["metric"]
    what = f"{doc['op']} on {doc['format']}"
    page = Page(title or f"fpverify error map: {what}", "error-map", "")
    mx, mean = doc.get("max"), doc.get("mean")
    page.facts = [("operation", doc["op"]), ("format", doc["format"]), ("metric", METRIC_TEXT[metric]),
                  ("rounding", doc.get("rounding", "")), *((("policy", doc["policy"]),) if doc.get("policy") else ()),
                  ("pairs", f"{doc['pairs']:,}"), ("exact", f"{doc['exact_pairs']:,}"),
                  ("not finite", f"{doc['special']:,}"),
                  ("max", "-" if mx is None else f"{mx:.4g}"), ("mean", "-" if mean is None else f"{mean:.4g}")]
    labels = doc["labels"]
    custom = [[[e, c] for e, c in zip(er, cr)] for er, cr in zip(doc["exact"], doc["computed"])]
    unit = "" if metric == "rel" else " ulp"
    heat = F.heatmap(doc["z"], labels, labels, colorbar=metric, customdata=custom, xtitle="b", ytitle="a",
                     colorscale="Viridis", reverse_y=False, gap=0,
                     hovertemplate=("a = %{y}<br>b = %{x}<br>exact %{customdata[0]:.6g}<br>computed "
                                    "%{customdata[1]:.6g}<br>error %{z:.4g}" + unit + "<extra></extra>"))
    heat["layout"]["xaxis"]["showticklabels"] = False
    heat["layout"]["yaxis"]["showticklabels"] = False
    page.sections.append(Section(f"Error over every pair of finite {doc['format']} codes", [
        Text("operands sorted by value (−max … −0, +0 … +max) on both axes; hover a cell for the operands, "
             "the exact and the computed values; blank cells: the exact or computed result is not finite", "note"),
        Figure("fig-error-map", heat, METRIC_TEXT[metric], height=760)], id="map"))
    errs = [v for row in doc["z"] for v in row if v is not None]
    edges, counts = histogram_bins(errs, metric)
    rows = [[f"[{edges[i]:.4g}, {edges[i + 1]:.4g})", counts[i]] for i in range(len(counts))]
    blocks = [Figure("fig-error-hist", F.histogram(edges, counts, xtitle=METRIC_TEXT[metric], ytitle="operand pairs"),
                     "how many operand pairs have each error", height=340),
              Table(["error", "pairs"], rows, caption="error histogram", id="histogram", collapsed=True)]
    if doc.get("worst"):
        w = doc["worst"]
        blocks.append(Text(f"largest error {w['error']:.4g}{unit} at a = {w['a']}, b = {w['b']}", "note"))
    page.sections.append(Section("Error distribution", blocks, id="distribution"))
    return page


def histogram_bins(errs: list[float], metric: str, bins: int = 40) -> tuple[list[float], list[int]]:
    """Equal-width bins from 0 to the largest error (one bin [0, 1) for all-exact data)."""
    top = max(errs, default=0.0)
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0], [len(errs)]
    width = top / bins
    counts = [0] * bins
    for v in errs:
        counts[min(int(v / width), bins - 1)] += 1
    return [i * width for i in range(bins + 1)], counts


__all__ = ["error_map_page", "histogram_bins"]
