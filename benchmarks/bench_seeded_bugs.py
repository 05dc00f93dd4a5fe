"""Seeded-bug corpus (issue #15): every bug REFUTED, replayed, localised to the expected stage.

    python benchmarks/bench_seeded_bugs.py                 # the whole corpus (benchmarks/seeded_bugs)
    python benchmarks/bench_seeded_bugs.py --fast          # the subset the default tests run
    python benchmarks/bench_seeded_bugs.py --only mul-late-flags-bf16,add-lzc-top-stage-bf16 -v

Columns: bug id, design (constructor), operation (an adder's ``sub`` port is free), rounding mode
(``port``: every value of the ``rm`` port), how it is proved (monolithic miter, or the decomposition
strategy), verdict, wall seconds, the stage the bug should be localised to and the one reported
(first failing stage), golden replay ok (the netlist evaluator and the golden model disagree on
the counterexample), simulator replay ok (Amaranth's own simulator, on a fresh instance of the
design, gives the evaluator's output and differs from the golden model). Exit status 1 when any
bug is not REFUTED, not replayed, or localised elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.seeded_bugs.corpus import ENTRIES, MONOLITHIC, entry  # noqa: E402
from benchmarks.seeded_bugs.run import run_entry  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fast", action="store_true", help="only the entries the default test run covers")
    ap.add_argument("--only", default="", help="comma-separated bug ids")
    ap.add_argument("--workers", type=int, default=2, help="decomposed proofs' worker processes")
    ap.add_argument("--solver", action="append", help="decomposed proofs' solvers (default: the strategy's)")
    ap.add_argument("--timeout", type=float, default=600, help="per-obligation (or miter) timeout, seconds")
    ap.add_argument("-v", "--verbose", action="store_true", help="print counterexamples and localisations")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    ids = {e.id for e in ENTRIES}
    unknown = [i for i in a.only.split(",") if i and i not in ids]
    if unknown:
        ap.error(f"unknown bug id(s): {', '.join(unknown)}")
    chosen = [entry(i) for i in a.only.split(",")] if a.only else [e for e in ENTRIES if e.fast or not a.fast]

    import z3

    from fpverify.prove.smtlib import bitwuzla_version
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"z3 {z3.get_version_string()}, bitwuzla {bitwuzla_version()}, {a.workers} workers; {len(chosen)} bugs; "
          f"load average {os.getloadavg()[0]:.1f} at start",
          flush=True)
    head = (f"{'bug':<30} {'design':<44} {'op':<4} {'mode':<5} {'proof':<20} {'verdict':<8} {'seconds':>7}  {'stage expected':<15} "
            f"{'stage reported':<15} {'golden':<6} {'amaranth':<8}")
    print(head, flush=True)
    rows, bad = [], []
    for e in chosen:
        o = run_entry(e, workers=a.workers, solvers=a.solver, timeout_s=a.timeout)
        proof = "monolithic" if e.strategy == MONOLITHIC else e.strategy
        print(f"{e.id:<30} {e.design[:44]:<44} {e.op:<4} {e.rounding:<5} {proof:<20} {o.verdict:<8} {o.seconds:>7.1f}  {e.expected:<15} "
              f"{o.reported or '-':<15} {'ok' if o.golden_ok else 'NO':<6} {'ok' if o.sim_ok else 'NO':<8}"
              + ("" if o.ok else "  <-- FAIL"), flush=True)
        if e.lemma_only:
            print(f"    lemmas that failed first: {', '.join(o.failed_lemmas) or 'none'}", flush=True)
        if a.verbose or not o.ok:
            for text in (o.message, o.counterexample, o.localisation):
                if text:
                    print("    " + text.replace("\n", "\n    "), flush=True)
        if not o.ok:
            bad.append(e.id)
        rows.append({"bug": e.id, "design": e.design, "description": e.description, "op": e.op, "format": e.fmt,
                     "rounding": e.rounding, "proof": proof, "verdict": o.verdict, "seconds": round(o.seconds, 2),
                     "expected": e.expected, "reported": o.reported, "golden_ok": o.golden_ok,
                     "amaranth_ok": o.sim_ok, "failed_lemmas": o.failed_lemmas, "ok": o.ok,
                     "counterexample": o.counterexample, "message": o.message})
    print(f"\n{len(chosen) - len(bad)}/{len(chosen)} bugs refuted, replayed and localised as expected"
          + (f"; failing: {', '.join(bad)}" if bad else ""), flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
