"""`fpverify sim --json` (a unit or a spec) and `fpverify vectors check --json` → a page: totals,
mismatch counts by operand class and rounding mode (heatmap and bars), and the first mismatches."""

from __future__ import annotations

from typing import Any

from .. import figures as F
from ..model import Figure, Page, Pre, Section, Table, Text


def mismatch_page(doc: dict[str, Any], title: str = "") -> Page:
    if doc.get("kind") == "vectors":
        return vectors_page(doc, title)
    if "per_mode" in doc:
        return sim_page(doc, title)
    return sim_spec_page(doc, title)


def class_section(per_class: dict[str, dict[str, dict[str, int]]], total_key: str, bad_key: str) -> Section | None:
    """Mismatches by operand class (columns) and rounding mode (rows): a heatmap, stacked bars per
    class, and the same numbers as a table. ``per_class``: mode -> class pair -> counts."""
    modes = [m for m, v in per_class.items() if v]
    if not modes:
        return None
    pairs = list(dict.fromkeys(p for m in modes for p in per_class[m]))
    z, custom = [], []
    for m in modes:
        row, crow = [], []
        for p in pairs:
            st = per_class[m].get(p)
            row.append(None if st is None else st[bad_key])
            crow.append([0, 0.0] if st is None else
                        [st[total_key], 100.0 * st[bad_key] / st[total_key] if st[total_key] else 0.0])
        z.append(row)
        custom.append(crow)
    heat = F.heatmap(z, pairs, modes, colorbar="mismatches", customdata=custom, xtitle="operand classes",
                     ytitle="", colorscale=[[0, "#eceff1"], [1e-9, "#ffcdd2"], [1, "#b71c1c"]],
                     hovertemplate=("%{y}, %{x}<br>%{z} mismatches of %{customdata[0]} "
                                    "(%{customdata[1]:.2f}%)<extra></extra>"))
    bars = F.bars(pairs, {m: [per_class[m].get(p, {}).get(bad_key, 0) for p in pairs] for m in modes},
                  ytitle="mismatches")
    rows = [[m, p, st[total_key], st[bad_key], f"{100.0 * st[bad_key] / st[total_key]:.2f}%" if st[total_key] else "-"]
            for m in modes for p, st in per_class[m].items()]
    return Section("Mismatches by operand class and rounding mode", [
        Figure("fig-class-heatmap", heat, "hover a cell for the vectors checked and the mismatch rate",
               height=140 + 34 * len(modes)),
        Figure("fig-class-bars", bars, "mismatches per operand-class combination, stacked by rounding mode",
               height=380),
        Table(["mode", "operand classes", total_key, bad_key, "rate"], rows, caption="counts per class and mode",
              id="per-class", collapsed=len(rows) > 20)], id="classes")


def sim_page(doc: dict[str, Any], title: str = "") -> Page:
    status = "INTERRUPTED" if doc.get("interrupted") else ("PASS" if doc.get("ok") else "FAIL")
    page = Page(title or f"fpverify sim: {doc['design']}", "sim", status)
    page.facts = [("design", doc["design"]), ("op", doc["op"]),
                  ("format", doc["fmt"] + (f" → {doc['out_fmt']}" if doc.get("out_fmt") not in (None, doc["fmt"]) else "")),
                  ("rounding", doc["rounding"]), ("method", doc["method"]), ("vectors", f"{doc['vectors']:,}"),
                  ("mismatches", f"{doc['mismatches']:,}"), ("seconds", f"{doc.get('seconds', 0):.2f}")]
    page.sections.append(Section("Totals", [Table(
        ["mode", "vectors", "mismatches"], [[m, v["vectors"], v["mismatches"]] for m, v in doc["per_mode"].items()],
        caption=f"{doc['result_mismatches']:,} result and {doc['flag_mismatches']:,} flag mismatches",
        id="per-mode")], id="totals"))
    cls = class_section(doc.get("per_class") or {}, "vectors", "mismatches")
    if cls:
        page.sections.append(cls)
    ex = doc.get("examples") or []
    if ex:
        page.sections.append(Section("First mismatches", [Table(
            ["op", "rounding", "kind", "a", "b", "expected", "got", "expected flags", "got flags"],
            [[e["op"], e["rounding"], e["kind"], e["a"], e["b"], e["expected"], e["got"], e["expected_flags"],
              e["got_flags"]] for e in ex], id="examples")], id="examples-section"))
    return page


def sim_spec_page(doc: dict[str, Any], title: str = "") -> Page:
    props = doc["properties"]
    status = "INTERRUPTED" if doc.get("interrupted") else ("PASS" if doc.get("ok") else "FAIL")
    page = Page(title or f"fpverify sim: {doc['spec']}", "sim-spec", status)
    page.facts = [("spec", doc["spec"]), ("design", doc.get("design", "")), ("properties", str(len(props))),
                  ("seed", str(doc.get("seed"))), ("seconds", f"{doc.get('seconds', 0):.2f}")]
    page.sections.append(Section("Properties", [
        Table(["property", "kind", "status", "method", "vectors", "excluded", "mismatches", "seconds"],
              [[p["name"], p["kind"], p["status"], p["method"], p["vectors"], p["skipped"], p["mismatches"],
                p["seconds"]] for p in props], status_column="status", id="properties"),
        Figure("fig-properties", F.bars([p["name"] for p in props],
                                        {"matching": [p["vectors"] - p["mismatches"] for p in props],
                                         "mismatches": [p["mismatches"] for p in props]},
                                        ytitle="vectors", colours={"matching": "#2e7d32", "mismatches": "#c62828"}),
               "vectors per property", height=340)], id="properties-section"))
    rows = {f"{p['name']} · {mode}": counts for p in props for mode, counts in (p.get("per_class") or {}).items()}
    cls = class_section(rows, "vectors", "mismatches")
    if cls:
        cls.title = "Mismatches by operand class and rounding mode (per property)"
        page.sections.append(cls)
    for p in props:
        if p.get("error"):
            page.sections.append(Section(f"{p['name']}: {p['status']}", [Text(p["error"], "bad")], status=p["status"]))
        if p.get("examples"):
            blocks = []
            for i, e in enumerate(p["examples"], 1):
                if "expected" in e:
                    rows = [[k, v] for k, v in e.get("inputs", {}).items()]
                    rows += [["expected", e["expected"]], ["got", e["got"]]]
                    blocks.append(Table(["", "value"], rows, caption=f"mismatch {i}" + (f" [{e['kind']}]" if "kind" in e else "")))
                else:
                    blocks.append(Pre(e.get("text", "")))
            page.sections.append(Section(f"{p['name']}: mismatches", blocks, status=p["status"]))
    return page


def vectors_page(doc: dict[str, Any], title: str = "") -> Page:
    status = "INTERRUPTED" if doc.get("interrupted") else ("PASS" if doc["errors"] == 0 else "FAIL")
    page = Page(title or f"fpverify vectors check: {doc['function']} ({doc['file']})", "vectors", status)
    page.facts = [("function", doc["function"]), ("file", doc["file"]), ("rounding", doc["rounding"]),
                  ("cases", f"{doc['cases']:,}"), ("errors", f"{doc['errors']:,}"),
                  ("seconds", f"{doc.get('seconds', 0):.2f}")]
    page.sections.append(Section("Totals", [Table(
        ["cases", "errors", "result errors", "flag-only errors"],
        [[doc["cases"], doc["errors"], doc["result_errors"], doc["flag_errors"]]], id="totals")], id="totals"))
    cls = class_section({doc["rounding"]: doc.get("per_class") or {}}, "cases", "errors")
    if cls:
        page.sections.append(cls)
    if doc.get("examples"):
        page.sections.append(Section("First mismatches", [Pre("\n".join(doc["examples"]))], id="examples-section"))
    return page


__all__ = ["mismatch_page", "sim_page", "sim_spec_page", "vectors_page", "class_section"]
