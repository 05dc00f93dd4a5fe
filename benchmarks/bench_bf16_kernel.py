#!/usr/bin/env python3
"""bf16 add/sub/mul/div in RNA/RTZ/RUP/RDN/RTO: `fast.bf16_kernel` against the previous route and
ml_dtypes' RNE, on dense random data and on sparse data (first operand a ReLU output: half +0).

    python benchmarks/bench_bf16_kernel.py [--n 1000000] [--repeat 5]

Both routes run on the same arrays in one process (`arith.USE_BF16_KERNEL` off = the float64
path); results are checked equal to each other before timing. Best of ``repeat``: upper bounds on
a shared machine.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # run from a clone without installing

import argparse
import time

import numpy as np

from fpverify.fast import arith, bf16_kernel, ml_dtype_for, quantize
from fpverify.rounding import DETERMINISTIC, Env

_NP = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}


def best_ns(fn, n: int, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) / n * 1e9


def _route(op, codes, env, kernel: bool):
    old = arith.USE_BF16_KERNEL
    arith.USE_BF16_KERNEL = kernel
    try:
        return arith.apply(op, codes, "bf16", env)
    finally:
        arith.USE_BF16_KERNEL = old


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    dt = ml_dtype_for("bf16")
    modes = [r for r in DETERMINISTIC if r.mode in bf16_kernel.MODES]
    rng = np.random.default_rng(2)
    print(f"bf16, {args.n:,} elements, best of {args.repeat}, ns/element; ratio = slowest mode / ml_dtypes RNE")
    print(f"{'data':6} {'op':4} {'ml RNE':>7} {'route':8} " + " ".join(f"{str(r):>6}" for r in modes)
          + f" {'ratio':>6}")
    for data in ("dense", "sparse"):
        for op in bf16_kernel.OPS:
            x = rng.standard_normal(args.n) * 4
            if data == "sparse":
                x = np.maximum(x, 0.0)
            codes = [quantize(x.astype(np.float32), "bf16"),
                     quantize((rng.standard_normal(args.n) * 4).astype(np.float32), "bf16")]
            typed = [c.view(dt) for c in codes]
            with np.errstate(all="ignore"):
                ml = best_ns(lambda: _NP[op](*typed), args.n, args.repeat)
            for r in modes:
                if not np.array_equal(_route(op, codes, Env(r), True), _route(op, codes, Env(r), False)):
                    raise SystemExit(f"MISMATCH between the routes: {op} {r}")
            for name, kernel in (("before", False), ("kernel", True)):
                ns = [best_ns(lambda: _route(op, codes, Env(r), kernel), args.n, args.repeat) for r in modes]
                print(f"{data:6} {op:4} {ml:7.2f} {name:8} " + " ".join(f"{v:6.2f}" for v in ns)
                      + f" {max(ns) / ml:5.1f}x", flush=True)


if __name__ == "__main__":
    main()
