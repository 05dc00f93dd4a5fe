"""TOSA-order MX block dot unit (rtl.mx_dot_tosa.MXDotTOSA = MXDot(..., semantics="tosa"), f32 RNE)
proved monolithically against the symbolic reference `fpverify.smt.reference.mx_dot_tosa`, plus the
seeded TOSA bugs (benchmarks/seeded_bugs/mx_dot_tosa.py).

    python benchmarks/bench_mx_dot_tosa.py --elem e2m1fn --k 2
    python benchmarks/bench_mx_dot_tosa.py --elem e4m3fn --k 4 --timeout 300 --only ReversedOrderMXDotTOSA
    python benchmarks/bench_mx_dot_tosa.py --elem e4m3fn --k 32 --timeout 1800 --decompose

With ``--decompose``: the chain-cut proof (`fpverify.prove.mx_dot_tosa_decompose`: products, one
lemma per fp32 adder with the accumulator free, the scale back end, the flags OR; the monolithic
miter as fallback), each lemma listed with its time.

Each row: design, status (PROVED / REFUTED with a counterexample replayed on the netlist evaluator
and golden mx_dot_tosa_rounded, localised on golden's per-stage trace / UNKNOWN at the timeout),
wall seconds. Upper bounds on a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpverify.formats import get_format  # noqa: E402
from fpverify.hdl.netlist import flatten  # noqa: E402
from fpverify.prove.mx_dot_tosa import prove_mx_dot_tosa  # noqa: E402
from fpverify.prove.mx_dot_tosa_decompose import prove_mx_dot_tosa_decomposed  # noqa: E402
from rtl.mx_dot_tosa import MXDotTOSA  # noqa: E402

from benchmarks.seeded_bugs.mx_dot_tosa import ReversedOrderMXDotTOSA, ScaleNotRoundedMXDotTOSA  # noqa: E402

DESIGNS = (MXDotTOSA, ReversedOrderMXDotTOSA, ScaleNotRoundedMXDotTOSA)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elem", default="e2m1fn")
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--solver", default="bitwuzla")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--only", action="append", default=None, help="design class name (repeatable)")
    ap.add_argument("--decompose", action="store_true", help="the chain-cut proof instead of the monolithic miter")
    a = ap.parse_args(argv)
    fmt = get_format(a.elem)
    for cls in DESIGNS:
        if a.only and cls.__name__ not in a.only:
            continue
        t0 = time.perf_counter()
        prove = prove_mx_dot_tosa_decomposed if a.decompose else prove_mx_dot_tosa
        r = prove(flatten(cls(a.elem, k=a.k)), fmt, a.k, solver=a.solver, timeout_s=a.timeout)
        extra = (f" inputs {r.inputs} netlist {r.netlist} golden {r.golden} first failing stage "
                 f"{r.first_failing}") if r.inputs else ""
        how = f" [{r.strategy}]" if a.decompose else ""
        print(f"{cls.__name__:<26} {a.elem} k={a.k} {a.solver:<8} {r.status:<8} {time.perf_counter() - t0:7.1f} s"
              f"{how}{extra} {r.message}", flush=True)
        if a.decompose:
            print("    lemmas: " + ", ".join(f"{lm.name} {lm.status} {lm.seconds:.1f} s" for lm in r.lemmas), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
