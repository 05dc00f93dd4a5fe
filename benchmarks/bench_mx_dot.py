"""MX block dot unit (rtl.mx_dot.MXDot, f32 out, RNE) proved monolithically against the symbolic
reference `fpverify.smt.reference.mx_dot`, plus the two seeded bugs (benchmarks/seeded_bugs/mx_dot.py).

    python benchmarks/bench_mx_dot.py --elem e4m3fn --k 4 --timeout 300
    python benchmarks/bench_mx_dot.py --elem e2m1fn --k 4
    python benchmarks/bench_mx_dot.py --elem e2m1fn --k 4 --campaign 200 --timeout 120 --json out.json
    python benchmarks/bench_mx_dot.py --elem e4m3fn --k 4 --decompose
    python benchmarks/bench_mx_dot.py --elem e2m1fn --k 2 --decompose --rounding sra4   # + the seeded SR bug

``--rounding``: the unit's static mode (default rne); a stochastic one (sraN, srbN, srcN) gives the
unit an ``rbits`` port that the proof treats as R (every R covered) and adds the seeded SR bug
`RandomBitsShiftedMXDot` to the rows.

With ``--decompose``: the sum-cut proof (`fpverify.prove.mx_dot_decompose`: per-element aligned
product lemmas, the exact-sum lemma, the back end with the sum free; a monolithic fallback on the
time left), each lemma listed with its time.

With ``--campaign N``: a fault campaign of N mutants on the clean unit instead (random simulation
against golden, then the monolithic proof per mutant: `fpverify.faults.mx_dot_property`), with
kill rate and EQGAP; ``--jobs`` worker processes.

Each row: design, status (PROVED / REFUTED with a counterexample replayed on the netlist evaluator
and golden mx_dot_exact / UNKNOWN at the timeout), wall seconds. Upper bounds on a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpverify.formats import get_format  # noqa: E402
from fpverify.hdl.netlist import flatten  # noqa: E402
from fpverify.prove.mx_dot import prove_mx_dot  # noqa: E402
from fpverify.prove.mx_dot_decompose import prove_mx_dot_decomposed  # noqa: E402
from rtl.mx_dot import MXDot  # noqa: E402

from benchmarks.seeded_bugs.mx_dot import (  # noqa: E402
    NanScaleIgnoredMXDot, RandomBitsShiftedMXDot, ScaleBiasOffByOneMXDot,
)
from fpverify.rounding import Env, parse_rounding  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elem", default="e4m3fn")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--solver", default="bitwuzla")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--campaign", type=int, default=0, help="mutants (0: prove the unit and the seeded bugs)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default=None)
    ap.add_argument("--decompose", action="store_true", help="the sum-cut proof instead of the monolithic miter")
    ap.add_argument("--rounding", default="rne", help="the unit's static rounding mode (e.g. rne, sra4)")
    a = ap.parse_args(argv)
    fmt = get_format(a.elem)
    if a.campaign:
        return campaign(a, fmt)
    env = Env(parse_rounding(a.rounding))
    bugs = (ScaleBiasOffByOneMXDot, NanScaleIgnoredMXDot)
    if env.rounding.mode.stochastic:
        bugs += (RandomBitsShiftedMXDot,)
    for cls in (MXDot, *bugs):
        t0 = time.perf_counter()
        prove = prove_mx_dot_decomposed if a.decompose else prove_mx_dot
        r = prove(flatten(cls(a.elem, k=a.k, rounding=a.rounding)), fmt, a.k, out=get_format("f32"), env=env,
                  solver=a.solver, timeout_s=a.timeout)
        extra = (f" inputs {r.inputs} netlist {r.netlist} golden {r.golden} first failing stage "
                 f"{r.first_failing}") if r.inputs else ""
        how = f" [{r.strategy}]" if a.decompose else ""
        print(f"{cls.__name__:<24} {a.elem} k={a.k} {env.rounding} {a.solver:<8} {r.status:<8} {time.perf_counter() - t0:7.1f} s"
              f"{how}{extra} {r.message}", flush=True)
        if a.decompose:
            rows = ", ".join(f"{lm.name} {lm.status} {lm.seconds:.2f} s" for lm in r.lemmas)
            print(f"    lemmas: {rows}", flush=True)
    return 0


def campaign(a, fmt) -> int:
    import json

    from fpverify.faults.campaign import run_campaign
    from fpverify.faults.mx_dot_property import MXDotEquivalence

    t0 = time.perf_counter()

    def progress(r, done, total):
        print(f"  {done}/{total} {r.status:<8} {r.seconds:6.1f} s  {r.description[:70]}", flush=True)
    rep = run_campaign(flatten(MXDot(a.elem, k=a.k)), [MXDotEquivalence(fmt, a.k, "f32", solver=a.solver)],
                       n=a.campaign, seed=a.seed, jobs=a.jobs, timeout_s=a.timeout, progress=progress,
                       name=f"MXDot({a.elem}, k={a.k})")
    wall = time.perf_counter() - t0
    print(f"MXDot {a.elem} k={a.k}: {rep.total} mutants {dict(rep.counts)} kill rate {(rep.kill_rate or 0):.1%} "
          f"wall {wall:.0f} s (jobs {a.jobs}, timeout {a.timeout:g} s)")
    if a.json:
        Path(a.json).write_text(json.dumps(rep.to_json(), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
