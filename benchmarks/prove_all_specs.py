"""Prove every spec in specs/ and print a table (spec, property, status, cases, solver, seconds).

    python benchmarks/prove_all_specs.py [--timeout 600] [--jobs 2] [--only-fast] [--json FILE]

SLOW lists the specs the default test run skips (tests/test_dsl_specs.py proves the others).
Specs with `use strategy decompose_*` show the decomposition strategy in the solver column and the
engine's obligation count in the cases column. ``--timeout`` is per obligation (and overrides the
strategy file's own).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
# specs whose proofs take more than ~10 s on 2 cores (f32 add/sub: about 20 s per property)
SLOW = ("f32_add.spec",
        # FMA: the FP8 miter takes 10-100 s on a loaded machine (the decomposed bf16/f16/f32 and
        # mixed FMA specs prove in 2-10 s since the sum cut, and run by default)
        "e4m3fn_fma.spec",
        # exhaustive elementary bounds: 65,536 mpmath enclosures per property (~15 s each)
        "bf16_exp2.spec",
        # the TOSA-order MXFP4 dot: a chain cut of three fp32 adder lemmas, ~10 s
        "mxfp4_dot4_tosa.spec")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=600.0, help="per-obligation timeout (s)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--only-fast", action="store_true")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("specs", nargs="*", help="spec files (default: all of specs/)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from fpverify.dsl.run import Options, exit_code, run_specs

    paths = [Path(p) for p in args.specs] or sorted(SPECS.glob("*.spec"))
    if args.only_fast:
        paths = [p for p in paths if p.name not in SLOW]
    rows, runs_all = [], []
    t0 = time.perf_counter()
    for p in paths:  # one spec at a time, so the table grows while it runs
        runs, interrupted = run_specs([str(p)], Options(timeout=args.timeout, jobs=args.jobs))
        runs_all += runs
        for run in runs:
            if run.error:
                rows.append((p.name, "-", "BAD INPUT", "-", "-", 0.0))
                print(run.error, file=sys.stderr)
            for r in run.results:
                proved = sum(c.status in ("PROVED", "VACUOUS") for c in r.cases)
                dec = [c for c in r.cases if c.strategy]
                if dec:  # decomposed: report the lemma-engine obligations instead of DSL cases
                    n = sum(sum((c.obligations or {}).values()) for c in dec)
                    rows.append((p.name, r.name, r.status, f"{n} obl", dec[0].strategy, r.seconds))
                    print(f"{p.name:32} {r.name:18} {r.status:11} {n:>4} obl   {dec[0].strategy:20} "
                          f"{r.seconds:9.2f}  ({len(dec[0].lemmas or [])} lemmas)", flush=True)
                    continue
                rows.append((p.name, r.name, r.status, f"{proved}/{len(r.cases)}", r.solver, r.seconds))
                print(f"{p.name:32} {r.name:18} {r.status:11} {proved:>4}/{len(r.cases):<4} "
                      f"{r.solver:20} {r.seconds:9.2f}", flush=True)
        if interrupted:
            break
    total = time.perf_counter() - t0
    print(f"\n{'spec':32} {'property':18} {'status':11} {'cases':>9} {'solver':20} {'seconds':>9}")
    for spec, prop, status, cases, solver, secs in rows:
        print(f"{spec:32} {prop:18} {status:11} {cases:>9} {solver:20} {secs:9.2f}")
    print(f"total wall time {total:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_json() for r in runs_all], indent=2, default=str))
    return exit_code(runs_all, False)


if __name__ == "__main__":
    sys.exit(main())
