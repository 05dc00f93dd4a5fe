"""Exhaustive FP8 (e4m3fn) multiplier sweep: Amaranth's simulator vs the numpy netlist evaluator.

    python benchmarks/bench_sim.py [--pysim-vectors N] [--format e4m3fn]

pysim runs `--pysim-vectors` vectors (default: all 65,536) and its rate is extrapolated to the full
sweep when fewer are run; the evaluator always runs the full sweep (best of 5). Both results are
checked against the golden table. Target: evaluator ≥ 150× faster.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # run from a clone without installing

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--format", default="e4m3fn")
    ap.add_argument("--pysim-vectors", type=int, default=1 << 16)
    args = ap.parse_args()

    from rtl.fp_mul import FPMultiplier

    from fpverify.fast.tables import binary_table
    from fpverify.formats import get_format
    from fpverify.hdl import pysim
    from fpverify.hdl.evaluate import Evaluator
    from fpverify.hdl.netlist import flatten
    from fpverify.rounding import Env

    fmt = get_format(args.format)
    w = fmt.width
    total = 1 << (2 * w)
    idx = np.arange(total, dtype=np.uint64)
    a, b = idx >> np.uint64(w), idx & np.uint64((1 << w) - 1)
    want, want_flags = binary_table("mul", fmt, Env())

    t = time.perf_counter()
    nl = flatten(FPMultiplier(fmt))
    t_flatten = time.perf_counter() - t
    ev = Evaluator(nl)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        out = ev.evaluate({"a": a, "b": b})
        times.append(time.perf_counter() - t)
    t_np = min(times)
    np_ok = bool(np.array_equal(out["result"], want) and np.array_equal(out["flags"], want_flags))

    k = min(args.pysim_vectors, total)
    sel = np.linspace(0, total - 1, k).astype(np.int64)
    t = time.perf_counter()
    ref = pysim.simulate(FPMultiplier(fmt), {"a": a[sel], "b": b[sel]})
    t_py = time.perf_counter() - t
    py_ok = bool(np.array_equal(ref["result"], want[sel]) and np.array_equal(ref["flags"], want_flags[sel]))
    t_py_full = t_py * total / k

    rows = [
        ("design", f"FPMultiplier({fmt.name}), {len(nl.cells)} IR cells (flatten {t_flatten * 1e3:.0f} ms)"),
        ("vectors", f"{total:,} (exhaustive)"),
        ("pysim", f"{t_py_full:.2f} s{'' if k == total else f' (extrapolated from {k:,})'}, "
                  f"{k / t_py:,.0f} vectors/s, golden match: {py_ok}"),
        ("numpy evaluator", f"{t_np * 1e3:.1f} ms, {total / t_np:,.0f} vectors/s, golden match: {np_ok}"),
        ("speed-up", f"{t_py_full / t_np:,.0f}x (target >= 150x)"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, val in rows:
        print(f"{name:<{width}}  {val}")


if __name__ == "__main__":
    main()
