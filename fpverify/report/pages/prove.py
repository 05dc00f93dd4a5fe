"""`fpverify prove --json` → a page: results per spec, the obligation tree, the worker timeline and
each counterexample (decoded operands, stages expected vs actual, the waveform from its VCD)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...exitcodes import ExitCode
from .. import figures as F
from ..model import Download, Figure, Page, Pre, Section, Table, Text
from ..vcd_read import read_vcd

FAILING = ("REFUTED", "ERROR", "UNKNOWN", "VACUOUS")


def prove_page(doc: dict[str, Any], title: str = "") -> Page:
    specs = doc.get("specs", [])
    props = [p for s in specs for p in s.get("properties", [])]
    counts: dict[str, int] = {}
    for p in props:
        counts[p["status"]] = counts.get(p["status"], 0) + 1
    code = doc.get("exit_code")
    status = ("INTERRUPTED" if doc.get("interrupted") else
              "PROVED" if code == ExitCode.OK else
              next((s for s in ("REFUTED", "VACUOUS", "ERROR", "UNKNOWN") if counts.get(s)), "ERROR"))
    page = Page(title or "fpverify prove: " + ", ".join(Path(s["spec"]).name for s in specs), "prove", status)
    page.facts = [("specs", str(len(specs))), ("properties", str(len(props))),
                  *((k.lower(), str(v)) for k, v in sorted(counts.items())),
                  ("seconds", f"{sum(s.get('seconds', 0.0) for s in specs):.2f}"),
                  ("exit code", str(code))]
    for s in specs:
        page.sections.append(results_section(s))
    tree = tree_nodes(specs)
    if tree:
        page.sections.append(Section("Obligation tree", [
            Figure("fig-tree", F.obligation_tree(tree), "property → case → obligation, sized by solver "
                   "seconds and coloured by status; hover for solver and seconds",
                   height=min(900, max(260, 16 * sum(1 for n in tree if n["leaf"]) + 60))),
            obligations_table(tree)], id="tree"))
    items = timeline_items(specs)
    if items:
        lanes = max(F.lanes([(i["start"], i["end"]) for i in items])) + 1
        page.sections.append(Section("Worker timeline", [
            Figure("fig-timeline", F.timeline(items), "one bar per obligation from its start and end stamps; obligations that overlap in time sit on "
                   "separate lanes, one per busy worker",
                   height=120 + 32 * lanes)], id="timeline"))
    n = 0
    for s in specs:
        for p in s.get("properties", []):
            for c in p.get("cases", []):
                if c.get("status") in FAILING and (c.get("inputs") or c.get("counterexample") or c.get("message")):
                    n += 1
                    page.sections.append(counterexample_section(s, p, c, n))
    return page


def results_section(s: dict[str, Any]) -> Section:
    rows = []
    for p in s.get("properties", []):
        cases = p.get("cases", [])
        done = sum(c["status"] in ("PROVED", "VACUOUS") for c in cases)
        rows.append([p["name"], p["kind"], p["status"], f"{done}/{len(cases)}" if len(cases) > 1 else "1",
                     p.get("solver") or "-", round(float(p.get("seconds", 0.0)), 2), p.get("line", "")])
    blocks: list = [Text(s.get("design", ""), "note")]
    if s.get("error"):
        blocks.append(Text(s["error"], "bad"))
    blocks.append(Table(["property", "kind", "status", "cases", "solver", "seconds", "line"], rows,
                        status_column="status", id="results-" + Path(s["spec"]).stem))
    for p in s.get("properties", []):
        for c in p.get("cases", []):
            if c.get("lemmas") is not None:
                kinds = ", ".join(f"{v} {k}" for k, v in (c.get("obligations") or {}).items())
                relied = ("relies on " + ", ".join(c["lemmas"])) if c["lemmas"] else "no cut lemmas"
                blocks.append(Text(f"{p['name']}: {c.get('strategy')} ({kinds}); {relied}", "note"))
    return Section(s["spec"], blocks, id="spec-" + Path(s["spec"]).stem)


def tree_nodes(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nodes of the proof tree: spec → property → case (when split) → obligation kind (lemma,
    coverage, witness, case of a decomposed proof) → obligation."""
    nodes: list[dict[str, Any]] = []

    def add(id_: str, parent: str, label: str, status: str, seconds=None, solver="", kind="") -> None:
        nodes.append({"id": id_, "parent": parent, "label": label, "status": status, "seconds": seconds,
                      "solver": solver or "", "kind": kind, "leaf": True})

    for si, s in enumerate(specs):
        sid = f"s{si}"
        props = s.get("properties", [])
        if not props:
            continue
        add(sid, "", Path(s["spec"]).name, worst([p["status"] for p in props]), s.get("seconds"))
        for pi, p in enumerate(props):
            pid = f"{sid}/p{pi}"
            add(pid, sid, p["name"], p["status"], p.get("seconds"), p.get("solver"), p.get("kind"))
            cases = p.get("cases", [])
            for ci, c in enumerate(cases):
                parent = pid
                if len(cases) > 1 or c.get("case"):
                    parent = f"{pid}/c{ci}"
                    add(parent, pid, c.get("case") or f"case {ci + 1}", c["status"], c.get("seconds"),
                        c.get("solver"), "case")
                obls = (c.get("decomposition") or {}).get("obligations", [])
                for kind in dict.fromkeys(o["kind"] for o in obls):  # lemmas, coverage, witnesses, cases
                    group = [o for o in obls if o["kind"] == kind]
                    kid = f"{parent}/k{kind}"
                    add(kid, parent, f"{kind} ({len(group)})", worst([o["status"] for o in group]),
                        sum(float(o.get("seconds") or 0.0) for o in group), "", kind)
                    for oi, o in enumerate(group):
                        add(f"{kid}/o{oi}", kid, o["name"], o["status"], o.get("seconds"), o.get("solver"), kind)
    parents = {n["parent"] for n in nodes}
    for n in nodes:
        n["leaf"] = n["id"] not in parents
    return nodes


def worst(statuses: list[str]) -> str:
    """The status a group of obligations is drawn in: its worst failure; VACUOUS only when every
    member is (an empty case among witnessed ones is no failure); else WITNESSED or PROVED."""
    for s in ("REFUTED", "ERROR", "INTERRUPTED", "UNKNOWN", "FAILED"):
        if s in statuses:
            return s
    live = [s for s in statuses if s not in ("SKIPPED", "SUPERSEDED")]
    if live and all(s == "VACUOUS" for s in live):
        return "VACUOUS"
    if live and all(s in ("WITNESSED", "VACUOUS") for s in live):
        return "WITNESSED"
    return "PROVED" if statuses else "PENDING"


def obligations_table(nodes: list[dict[str, Any]]) -> Table:
    by_id = {n["id"]: n for n in nodes}

    def path(n) -> str:
        parts = []
        while n["parent"]:
            n = by_id[n["parent"]]
            parts.append(n["label"])
        return " / ".join(reversed(parts))

    rows = [[path(n), n["label"], n["kind"], n["status"], n["solver"] or "-",
             "-" if n["seconds"] is None else round(float(n["seconds"]), 3)] for n in nodes if n["leaf"]]
    return Table(["under", "obligation", "kind", "status", "solver", "seconds"], rows,
                 caption="every obligation", status_column="status", id="obligations", collapsed=len(rows) > 12)


def timeline_items(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timed obligations: a decomposed case's obligations, else the case itself (with its stamps)."""
    raw = []
    for s in specs:
        for p in s.get("properties", []):
            for c in p.get("cases", []):
                obls = [o for o in (c.get("decomposition") or {}).get("obligations", [])
                        if o.get("started") is not None and o.get("ended") is not None]
                label = p["name"] + (f" [{c['case']}]" if c.get("case") else "")
                if obls:
                    raw += [(f"{label}: {o['name']}", o["status"], o.get("solver"), o["started"], o["ended"])
                            for o in obls]
                elif c.get("started") is not None and c.get("ended") is not None:
                    raw.append((label, c["status"], c.get("solver"), c["started"], c["ended"]))
    if not raw:
        return []
    t0 = min(r[3] for r in raw)
    return [{"name": n, "status": st, "solver": sv or "", "start": a - t0, "end": b - t0} for n, st, sv, a, b in raw]


def counterexample_section(s: dict[str, Any], p: dict[str, Any], c: dict[str, Any], n: int) -> Section:
    where = f" [{c['case']}]" if c.get("case") else ""
    sec = Section(f"{p['name']}{where}: {c['status']}", id=f"cex-{n}", status=c["status"])
    if c.get("message"):
        sec.blocks.append(Text(c["message"], "note"))
    dec = (c.get("decomposition") or {})
    loc = c.get("localisation") or dec.get("localisation")
    decoded = c.get("decoded") or {}
    inputs = c.get("inputs") or {}
    if inputs:
        rows = [[k, f"{v:#x}" if isinstance(v, int) else v, decoded.get(k, "")] for k, v in inputs.items()]
        if loc:
            for st in loc.get("stages", []):
                if st["signal"] in ("result", "flags"):
                    rows.append([f"{st['signal']} (expected)", "", st["expected_text"]])
                    rows.append([f"{st['signal']} (actual)", "", st["actual_text"]])
        sec.blocks.append(Table(["value", "code", "decoded"], rows, caption="counterexample", id=f"cex-values-{n}"))
    if loc and loc.get("stages"):
        first = loc.get("first_failing")
        rows, marks = [], []
        for st in loc["stages"]:
            rows.append([st["signal"], st["expected_text"], st["actual_text"], "ok" if st["ok"] else "DIFFERS"])
            marks.append("first" if st["signal"] == first else ("" if st["ok"] else "bad"))
        head = f"first failing stage: {first}" if first else \
            "every stage checked agrees (the fault is after the last named stage)"
        sec.blocks.append(Text(head, "bad" if first else "note"))
        sec.blocks.append(Table(["stage", "expected", "actual", ""], rows, caption="named stages, expected vs actual",
                                row_marks=marks, id=f"cex-stages-{n}"))
    vcd = c.get("vcd") or (loc or {}).get("vcd")
    if vcd and Path(vcd).is_file():
        text = Path(vcd).read_text()
        wave = waveform_rows(text, loc)
        if wave is not None:
            steps, rows = wave
            sec.blocks.append(Figure(f"fig-wave-{n}", F.waveform(steps, rows),
                                     "named stages over the pipeline's steps (actual, from the VCD); expected "
                                     "at the compared step; the first failing stage is boxed",
                                     height=90 + 30 * len(rows)))
        sec.blocks.append(Download(Path(vcd).name, text, "text/x-vcd", f"download the VCD ({Path(vcd).name})"))
    if c.get("counterexample"):
        sec.blocks.append(Pre(c["counterexample"]))
    return sec


def waveform_rows(vcd_text: str, loc: dict[str, Any] | None):
    """(step labels, rows) for `figures.waveform`: the localisation's stages in order (every VCD
    signal of the top when there is no localisation), actual per step, expected where known."""
    try:
        wave = read_vcd(vcd_text)
    except Exception:  # noqa: BLE001 - a bad waveform file must not hide the rest of the report
        return None
    if not wave.steps:
        return None
    steps = wave.steps
    labels = [f"t{k}" for k in range(len(steps))]
    stages = (loc or {}).get("stages") or []
    first = (loc or {}).get("first_failing")
    rows = []
    if stages:
        for st in stages:
            name = wave.find(st["signal"])
            if name is None:
                continue
            vals = wave.values(name)[:len(steps)]
            rows.append({"signal": st["signal"], "actual": vals, "expected": st.get("expected"),
                         "ok": st["ok"], "first": st["signal"] == first, "width": wave.widths[name]})
    else:
        top = min((n.count(".") for n in wave.widths), default=0)
        for name in sorted(n for n in wave.widths if n.count(".") == top):
            rows.append({"signal": name.rsplit(".", 1)[-1], "actual": wave.values(name)[:len(steps)],
                         "expected": None, "ok": True, "first": False, "width": wave.widths[name]})
    return (labels, rows) if rows else None


__all__ = ["prove_page", "tree_nodes", "timeline_items", "counterexample_section", "waveform_rows"]
