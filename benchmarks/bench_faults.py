"""200-mutant campaign on the E4M3 multiplier (target: < 60 s on this machine).

    python benchmarks/bench_faults.py [--mutants 200] [--seed 1] [--jobs 2] [--no-smt] [--formats e4m3,e5m2] [--nan-class]

Prints: mutants, nochange, killed, survived, unknown, eqgap, kill rate, seconds, and lists every
mutant that was not killed. SMT attribution/EQGAP checks run when fpverify.prove is complete.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # run from a clone without installing

import argparse
import time

from rich.console import Console
from rich.table import Table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutants", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-smt", action="store_true")
    ap.add_argument("--formats", default="e4m3")
    ap.add_argument("--units", default="mul")
    ap.add_argument("--nan-class", action="store_true",
                    help="compare NaN results as a class (default: exact NaN encoding, as the shipped specs)")
    args = ap.parse_args()

    from fpverify.faults.campaign import run_campaign
    from fpverify.faults.properties import GoldenEquivalence
    from fpverify.formats import get_format
    from fpverify.hdl.netlist import flatten

    smt = not args.no_smt
    if smt:
        try:
            import fpverify.prove.monolithic  # noqa: F401
        except ImportError:
            smt = False
            print("note: fpverify.prove.monolithic not available: simulation-only campaign")
    units = {"mul": ("rtl.fp_mul", "FPMultiplier", "mul"), "add": ("rtl.fp_add", "FPAdder", "add"),
             "lmul": ("rtl.lmul", "LMulUnit", "lmul")}
    t = Table(title=f"fault campaigns ({'SMT attribution + EQGAP' if smt else 'exhaustive simulation only'})")
    for col in ("unit", "format", "mutants", "nochange", "killed", "survived", "unknown", "eqgap", "kill rate",
                "seconds"):
        t.add_column(col, justify="right")
    notes = []
    for unit in args.units.split(","):
        import importlib

        mod, cls, op = units[unit]
        for name in args.formats.split(","):
            fmt = get_format(name)
            comp = getattr(importlib.import_module(mod), cls)(fmt)
            t0 = time.perf_counter()
            rep = run_campaign(flatten(comp), [GoldenEquivalence(op, fmt, lmul_policy=getattr(comp, "policy", None)
                                                                 if op == "lmul" else None,
                                                                 nan_exact=not args.nan_class)],
                               n=args.mutants, seed=args.seed, jobs=args.jobs, smt=smt, fmt=fmt)
            dt = time.perf_counter() - t0
            c = rep.counts
            rate = rep.kill_rate
            t.add_row(unit, name, str(rep.total), str(c["NOCHANGE"]), str(c["KILLED"]), str(c["SURVIVED"]),
                      str(c["UNKNOWN"]), str(c["EQGAP"]), "-" if rate is None else f"{100 * rate:.1f}%", f"{dt:.1f}")
            for r in rep.survivors():
                notes.append(f"{unit}/{name} {r.status} {r.id}: {r.description} witness={r.witness} "
                             f"{'; '.join(r.notes)}")
    Console(width=140).print(t)
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
