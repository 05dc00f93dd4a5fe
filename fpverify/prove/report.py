"""Reports of decomposed proofs: live progress, a console table per obligation, and JSON.

    from fpverify.prove.report import LiveProgress, obligation_table, result_json
    with LiveProgress(console, total=None) as live:
        res = prove_decomposed(..., progress=live.update)
    console.print(obligation_table(result_json(res)))
    json.dump(result_json(res), fh)

The table lists every obligation (lemma, coverage, witness, case) with its status, the solver that
answered, its wall seconds and the cross-check when one ran; the JSON carries the same plus the
solver versions, the lemmas the verdict relies on and a replayed counterexample with its
localisation.
"""

from __future__ import annotations

import time
from typing import Any

STYLE = {"PROVED": "green", "WITNESSED": "green", "REFUTED": "bold red", "UNKNOWN": "yellow",
         "VACUOUS": "magenta", "ERROR": "bold magenta", "SKIPPED": "dim", "PENDING": "dim",
         "FAILED": "yellow", "SUPERSEDED": "dim", "REPLACED": "yellow"}


def status_markup(status: str) -> str:
    style = STYLE.get(status, "")
    return f"[{style}]{status}[/]" if style else status


class LiveProgress:
    """A `prove_decomposed` progress callback: a rich progress bar on a terminal, otherwise one
    line per finished obligation (so a log shows how far a long proof got)."""

    def __init__(self, console, label: str = "", total: int | None = None, lines: bool | None = None):
        self.console = console
        self.label = label
        self.done = 0
        self.running: dict[str, float] = {}
        self.lines = (not console.is_terminal) if lines is None else lines
        self._progress = None
        self._task = None
        self.total = total

    def __enter__(self) -> "LiveProgress":
        if not self.lines:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=self.console, transient=True)
            from rich.markup import escape

            self._task = self._progress.add_task(escape(self.label), total=self.total)
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, event: str, item) -> None:
        name = item.name
        if event == "start":
            self.running.setdefault(name, time.perf_counter())
        elif event == "done":
            self.running.pop(name, None)
            self.done += 1
            secs = item.outcome.seconds if item.outcome is not None else 0.0
            if self.lines:
                self.console.print(f"{self.label} [{self.done}] {item.name}: {item.status} ({secs:.2f} s)",
                                   markup=False, highlight=False, soft_wrap=True)
        if self._progress is not None:
            now = time.perf_counter()
            slow = sorted(self.running.items(), key=lambda kv: kv[1])[:2]
            busy = ", ".join(f"{n} {now - t0:.0f}s" for n, t0 in slow)
            from rich.markup import escape

            self._progress.update(self._task, completed=self.done,
                                  description=escape(f"{self.label} {busy}".strip()))


def obligation_table(doc: dict[str, Any], title: str | None = None):
    """A rich Table with one row per obligation of a decomposed proof (its `result_json`)."""
    from rich.markup import escape
    from rich.table import Table

    title = title or f"{doc['name']} — {doc['strategy']}: {doc['status']} in {doc['seconds']:.1f} s"
    t = Table(title=escape(title), title_justify="left")
    t.add_column("obligation")
    t.add_column("kind")
    t.add_column("status")
    t.add_column("solver")
    t.add_column("seconds", justify="right")
    t.add_column("cross-check")
    for o in doc["obligations"]:
        secs = o["seconds"]
        cached = f" ({escape(o['cached'])})" if o.get("cached") else ""
        t.add_row(escape(o["name"]), o["kind"], status_markup(o["status"]) + cached, o["solver"] or "-",
                  "-" if secs is None else f"{secs:.2f}", escape(o["cross_check"] or "-"))
    return t


def result_json(res) -> dict[str, Any]:
    """A `DecomposedResult` as JSON-ready data."""
    doc: dict[str, Any] = {
        "name": res.name, "strategy": res.strategy, "status": res.status,
        "seconds": round(res.seconds, 3), "solver_seconds": round(res.cpu_seconds(), 3),
        "solver_versions": res.solver_versions, "lemmas_relied_on": list(res.lemmas_relied_on),
        "message": res.message,
        "obligations": [{
            "name": i.name, "kind": i.kind, "status": i.status,
            "solver": i.outcome.solver if i.outcome else None,
            "seconds": round(i.outcome.seconds, 3) if i.outcome else None,
            "cross_check": (i.outcome.cross or None) if i.outcome else None,
            "message": (i.outcome.message or None) if i.outcome else None,
            "refinements": list(i.refinements) or None,
            "cached": (i.outcome.cached or None) if i.outcome else None,
            "started": stamp(i.outcome.started) if i.outcome else None,
            "ended": stamp(i.outcome.ended) if i.outcome else None,
        } for i in res.items],
    }
    if res.counterexample is not None:
        c = res.counterexample
        doc["counterexample"] = {"inputs": dict(c.inputs), "replayed": c.replayed, "decoded": c.decoded,
                                 "expected": list(c.expected), "netlist": list(c.actual_netlist),
                                 "golden": list(c.actual_golden)}
    if res.localisation is not None:
        doc["localisation"] = localisation_json(res.localisation)
    return doc


def localisation_json(loc) -> dict[str, Any]:
    """A `Localisation` (first failing stage, per-stage expected/actual) as JSON-ready data."""
    return {"first_failing": loc.first_failing, "vcd": loc.vcd,
            "stages": [stage_json(row, loc.values[i] if i < len(loc.values) else None)
                       for i, row in enumerate(loc.rows)]}


def stamp(t: float | None) -> float | None:
    """A wall-clock stamp (epoch seconds) at millisecond resolution, or None."""
    return None if t is None else round(t, 3)


def stage_json(row: tuple[str, str, str, bool], value=None) -> dict[str, Any]:
    """One localisation stage: plain numbers (expected/actual bits, width) and their text."""
    signal, exp_text, act_text, ok = row
    out: dict[str, Any] = {"signal": signal, "ok": bool(ok), "expected_text": exp_text, "actual_text": act_text}
    if value is not None and value.signal == signal:
        out.update(expected=int(value.expected), actual=int(value.actual), width=int(value.width),
                   signed=bool(value.signed))
    return out


def counts(res) -> dict[str, int]:
    """Obligations per kind."""
    out: dict[str, int] = {}
    for i in res.items:
        out[i.kind] = out.get(i.kind, 0) + 1
    return out


__all__ = ["LiveProgress", "obligation_table", "result_json", "localisation_json", "stage_json", "stamp", "counts", "status_markup", "STYLE"]
