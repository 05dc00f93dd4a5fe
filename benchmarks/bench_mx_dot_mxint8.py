"""Seeded MX dot bugs on MXINT8 units: the monolithic miter and the sum cut side by side.

    python benchmarks/bench_mx_dot_mxint8.py                          # MXINT8 k = 4, f32, RNE
    python benchmarks/bench_mx_dot_mxint8.py --elem-b e4m3fn --k 4    # mixed MXINT8 x E4M3
    python benchmarks/bench_mx_dot_mxint8.py --rounding srb4

Bugs (benchmarks/seeded_bugs/mx_dot.py): the MXINT8 ones (sign-magnitude read, -128 dropped) and
the scale ones (bias 253, NaN scale ignored). Every REFUTED row is replayed on the evaluator and
golden `mx_dot_exact` by the proof itself; the first failing named stage is printed. The clean
unit's rows: benchmarks/bench_decompose.py --units mxint8-k4,mxint8xe4m3-k4,mxint8-k32.
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
from fpverify.rounding import Env, parse_rounding  # noqa: E402

from benchmarks.seeded_bugs.mx_dot import (  # noqa: E402
    Int8MinCodeDroppedMXDot, Int8SignMagnitudeMXDot, NanScaleIgnoredMXDot, ScaleBiasOffByOneMXDot,
)

BUGS = (Int8SignMagnitudeMXDot, Int8MinCodeDroppedMXDot, ScaleBiasOffByOneMXDot, NanScaleIgnoredMXDot)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elem-b", default="mxint8", help="b's element format (a is MXINT8)")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--rounding", default="rne")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args(argv)
    env = Env(parse_rounding(a.rounding))
    fa, fb, f32 = get_format("mxint8"), get_format(a.elem_b), get_format("f32")
    for bug in BUGS:
        net = flatten(bug("mxint8", k=a.k, elem_b=a.elem_b, rounding=env.rounding))
        cells = []
        for prove in (prove_mx_dot, prove_mx_dot_decomposed):
            t0 = time.perf_counter()
            r = prove(net, fa, a.k, elem_b=fb, out=f32, env=env, timeout_s=a.timeout)
            how = f" [{r.strategy}]" if hasattr(r, "strategy") else ""
            cells.append(f"{r.status} {time.perf_counter() - t0:.1f} s{how}")
        codes = "" if r.inputs is None else f" a={r.inputs['a']:#x} b={r.inputs['b']:#x}"
        print(f"{bug.__name__:<24} mxint8x{a.elem_b} k={a.k} {env.rounding}  monolithic {cells[0]:<12} | sum cut "
              f"{cells[1]:<22} first failing stage {r.first_failing}{codes}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
