"""Campaign results: per-mutant records, totals, kill rate, EQGAP, per-property/lemma coverage."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("KILLED", "SURVIVED", "NOCHANGE", "UNKNOWN", "EQGAP")


@dataclass
class MutantResult:
    id: str
    kind: str
    description: str
    src: str = ""
    signal: str = ""
    semantic: bool = False
    status: str = "UNKNOWN"
    killed_by: str = ""  # property name
    lemma: str = ""  # obligation/lemma (SMT) that failed
    counterexample: dict | None = None
    witness: dict | None = None  # an input where the mutant's outputs differ from the original's
    equivalence: dict | None = None
    checks: dict[str, Any] = field(default_factory=dict)  # name -> Outcome
    notes: list[str] = field(default_factory=list)
    smt_disagrees: bool = False
    seconds: float = 0.0
    cached: str = ""  # date of the campaign whose verdict was reused (`faults.verdict_cache`)

    def to_json(self) -> dict:
        d = {"id": self.id, "kind": self.kind, "semantic": self.semantic, "description": self.description,
             "status": self.status, "seconds": round(self.seconds, 4)}
        for k in ("src", "signal", "killed_by", "lemma", "counterexample", "witness", "equivalence", "cached"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        if self.checks:
            d["checks"] = {k: v.to_json() for k, v in self.checks.items()}
        if self.notes:
            d["notes"] = self.notes
        return d


@dataclass
class CampaignReport:
    design: str
    seed: int
    properties: list[str]
    requested: int = 0
    exhaustive: bool = False
    cells: int = 0
    baseline: dict = field(default_factory=dict)
    results: list[MutantResult] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    spec: str = ""

    # ---- summaries ----------------------------------------------------------------------------

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.results)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def kill_rate(self) -> float | None:
        c = self.counts
        denom = self.total - c["NOCHANGE"]
        return c["KILLED"] / denom if denom else None

    @property
    def eqgap(self) -> int:
        return self.counts["EQGAP"]

    def per_property(self) -> dict[str, int]:
        c = Counter(r.killed_by for r in self.results if r.status == "KILLED")
        return {p: c.get(p, 0) for p in self.properties}

    def per_lemma(self) -> dict[str, int]:
        return dict(Counter(r.lemma or "(simulation only)" for r in self.results if r.status == "KILLED")
                    .most_common())

    def per_kind(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.results:
            k = "semantic" if r.semantic else r.kind
            out.setdefault(k, {s: 0 for s in STATUSES})[r.status] += 1
        return dict(sorted(out.items()))

    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.status in ("SURVIVED", "EQGAP", "UNKNOWN")]

    def smt_disagreements(self) -> list[MutantResult]:
        return [r for r in self.results if r.smt_disagrees]

    def to_json(self) -> dict:
        return {
            "design": self.design, "spec": self.spec, "seed": self.seed, "properties": self.properties,
            "cells": self.cells, "exhaustive_simulation": self.exhaustive,
            "requested": self.requested, "completed": self.total, "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3), "counts": self.counts,
            "kill_rate": self.kill_rate, "eqgap": self.eqgap,
            "from_cache": sum(1 for r in self.results if r.cached),
            "per_property": self.per_property(), "per_lemma": self.per_lemma(), "per_kind": self.per_kind(),
            "baseline": self.baseline, "mutants": [r.to_json() for r in self.results],
        }

    def write_json(self, path: str) -> None:
        text = json.dumps(self.to_json(), indent=1, default=str)
        if path == "-":
            print(text)
        else:
            with open(path, "w") as f:
                f.write(text + "\n")

    # ---- rendering ------------------------------------------------------------------------------

    def render(self, console=None, max_listed: int = 20) -> None:
        from rich.console import Console
        from rich.table import Table

        console = console or Console()
        c = self.counts
        rate = self.kill_rate
        t = Table(title=f"fault campaign: {self.design}" + (" (INTERRUPTED: partial)" if self.interrupted else ""))
        for col in ("mutants", "nochange", "killed", "survived", "unknown", "eqgap", "kill rate", "seconds"):
            t.add_column(col, justify="right")
        t.add_row(str(self.total), str(c["NOCHANGE"]), str(c["KILLED"]), str(c["SURVIVED"]), str(c["UNKNOWN"]),
                  f"[bold red]{c['EQGAP']}[/]" if c["EQGAP"] else "0",
                  "-" if rate is None else f"{100 * rate:.1f}%", f"{self.seconds:.1f}")
        console.print(t)
        reused = sum(1 for r in self.results if r.cached)
        if reused:
            console.print(f"{reused} verdicts reused from an identical earlier campaign (killed ones "
                          "replayed on their counterexamples; --no-cache grades every mutant afresh)")
        pp = Table(title="kills per property")
        pp.add_column("property")
        pp.add_column("killed", justify="right")
        for p, k in self.per_property().items():
            pp.add_row(p, str(k))
        console.print(pp)
        lem = self.per_lemma()
        if lem:
            lt = Table(title="kills per obligation/lemma")
            lt.add_column("lemma")
            lt.add_column("killed", justify="right")
            for p, k in lem.items():
                lt.add_row(p, str(k))
            console.print(lt)
        if c["EQGAP"]:
            console.print(f"[bold red]EQGAP = {c['EQGAP']}: a property fails on a mutant equivalent to the "
                          "original. This is a setup bug (translator, evaluator or property), not a "
                          "design bug.[/]")
        if self.smt_disagreements():
            console.print(f"[bold red]{len(self.smt_disagreements())} mutant(s) refuted by simulation but "
                          "PROVED by SMT: translator/prove bug.[/]")
        surv = self.survivors()
        if surv:
            st = Table(title=f"not killed ({len(surv)})")
            for col in ("id", "status", "description", "witness / note"):
                st.add_column(col)
            for r in surv[:max_listed]:
                st.add_row(r.id, r.status, r.description,
                           "; ".join(r.notes) or (json.dumps(r.witness) if r.witness else ""))
            console.print(st)
            if len(surv) > max_listed:
                console.print(f"... and {len(surv) - max_listed} more (see --json)")
