"""`fpverify faults --json` → a page: totals, the mutant × property kill matrix, kills per property
and per mutant kind, and the survivors with their source location."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import figures as F
from ..model import Figure, Page, Section, Table, Text

# a check's status -> matrix cell value (FAIL: the property caught the mutant)
CELL = {"FAIL": 1.0, "UNKNOWN": 0.5, "PASS": 0.0}
MATRIX_COLOURS = [[0.0, "#eceff1"], [0.33, "#eceff1"], [0.33, "#f9a825"], [0.66, "#f9a825"],
                  [0.66, "#2e7d32"], [1.0, "#2e7d32"]]


def faults_page(doc: dict[str, Any], title: str = "") -> Page:
    counts = doc["counts"]
    survivors = [m for m in doc["mutants"] if m["status"] in ("SURVIVED", "EQGAP", "UNKNOWN")]
    status = ("INTERRUPTED" if doc.get("interrupted") else
              "EQGAP" if doc.get("eqgap") else "SURVIVED" if survivors else "KILLED")
    name = Path(doc["spec"]).name if doc.get("spec") else doc.get("design", "")
    page = Page(title or f"fpverify faults: {name}", "faults", status)
    rate = doc.get("kill_rate")
    page.facts = [("design", doc.get("design", "")), ("mutants", str(doc.get("completed", len(doc["mutants"])))),
                  ("kill rate", "-" if rate is None else f"{100 * rate:.1f}%"),
                  *((k.lower(), str(v)) for k, v in counts.items()), ("seed", str(doc.get("seed"))),
                  ("seconds", f"{doc.get('seconds', 0):.1f}")]
    page.sections.append(Section("Totals", [
        Table(["mutants", *[k.lower() for k in counts], "kill rate", "seconds"],
              [[doc.get("completed", len(doc["mutants"])), *counts.values(),
                "-" if rate is None else f"{100 * rate:.1f}%", round(float(doc.get("seconds", 0)), 1)]], id="totals"),
        Table(["property", "mutants killed"], [[p, k] for p, k in doc.get("per_property", {}).items()],
              caption="kills per property", id="per-property"),
        Table(["mutant kind", *counts], [[k, *(v.get(s, 0) for s in counts)]
                                         for k, v in doc.get("per_kind", {}).items()],
              caption="outcomes per mutant kind", id="per-kind")], id="totals"))
    if doc.get("eqgap"):
        page.sections[-1].blocks.insert(0, Text(
            f"EQGAP = {doc['eqgap']}: a property fails on a mutant equivalent to the original — a setup bug "
            "(translator, evaluator or property), not a design bug.", "bad"))
    matrix = kill_matrix(doc)
    if matrix["mutants"] and matrix["checks"]:
        page.sections.append(Section("Kill matrix", [
            Figure("fig-kill-matrix", matrix_figure(matrix),
                   "green: the property failed on the mutant (killed it); amber: unknown; grey: passed; "
                   "blank: not checked (the campaign stops at the first killing property)",
                   height=min(2400, 140 + 16 * len(matrix["mutants"]))),
            Table(["mutant", "status", *matrix["checks"]],
                  [[m, st, *(c or "" for c in row)] for m, st, row in
                   zip(matrix["mutants"], matrix["statuses"], matrix["cells"])],
                  caption="mutant × property (check status)", status_column="status", id="kill-matrix",
                  collapsed=len(matrix["mutants"]) > 20)],
            id="matrix"))
    rows = [[m["id"], m["status"], m.get("description", ""), m.get("src") or "-", m.get("signal") or "-",
             "; ".join(m.get("notes", [])) or (json.dumps(m["witness"]) if m.get("witness") else "")]
            for m in survivors]
    blocks: list = [Table(["mutant", "status", "description", "source", "signal", "witness / note"], rows,
                          status_column="status", id="survivors")] if rows else \
        [Text("every mutant that changes the design was killed", "good")]
    page.sections.append(Section(f"Survivors ({len(survivors)})", blocks, id="survivors-section"))
    return page


def kill_matrix(doc: dict[str, Any]) -> dict[str, Any]:
    """Mutants (rows) × checks (columns: each property, then its SMT re-check) of check statuses;
    mutants that changed nothing (NOCHANGE) are left out."""
    props = list(doc.get("properties", []))
    checks = list(props)
    for m in doc["mutants"]:
        for name in m.get("checks", {}):
            if name not in checks:
                checks.append(name)
    mutants, statuses, cells = [], [], []
    for m in doc["mutants"]:
        if m["status"] == "NOCHANGE":
            continue
        mutants.append(m["id"])
        statuses.append(m["status"])
        got = m.get("checks", {})
        cells.append([got[c]["status"] if c in got else None for c in checks])
    return {"mutants": mutants, "statuses": statuses, "checks": checks, "cells": cells,
            "info": {m["id"]: m for m in doc["mutants"]}}


def matrix_figure(matrix: dict[str, Any]) -> dict[str, Any]:
    z = [[CELL.get(c) if c else None for c in row] for row in matrix["cells"]]
    custom = []
    for mid, row in zip(matrix["mutants"], matrix["cells"]):
        info = matrix["info"][mid]
        where = (info.get("src") or "") + (f" ({info['signal']})" if info.get("signal") else "")
        custom.append([[info.get("description", ""), where or "-", c or "not checked", info["status"]] for c in row])
    return F.heatmap(z, matrix["checks"], matrix["mutants"], colorscale=MATRIX_COLOURS, zmin=0, zmax=1,
                     customdata=custom, xtitle="property", ytitle="mutant", showscale=False,
                     hovertemplate=("<b>%{y}</b> × %{x}: %{customdata[2]}<br>%{customdata[0]}"
                                    "<br>at %{customdata[1]}<br>mutant: %{customdata[3]}<extra></extra>"))


__all__ = ["faults_page", "kill_matrix", "matrix_figure"]
