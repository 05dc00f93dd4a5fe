#!/usr/bin/env python3
"""Exhaustive elementary functions: golden element-wise vs the fast path, per format x function.

    python benchmarks/bench_elementary.py [--formats e4m3fn,e5m2,f16,bf16] [--functions exp,log,...]
                                          [--sample 1500] [--full-golden f16:exp] [--no-errors]

For each format and function, over every code of the format in all six deterministic modes:

* ``fast s``: `fpverify.fast.elementary.compute` (float64 candidates + cell test + golden
  fallback; no table cache), wall seconds for the six modes together;
* ``golden``: how many of the 6 x 2^w elements the fast path handed to the golden model;
* ``golden s``: the golden model (`golden.elementary.evaluate`) element by element for the six
  modes: measured over all codes for 8-bit formats and for the ``--full-golden`` pairs, otherwise
  extrapolated from ``--sample`` random codes (marked ``~``);
* ``diff``: fast vs golden mismatches (codes or flags) on the codes golden was run on;
* ``err``: -log2 of the largest relative error of the float64 candidate against MPFR (gmpy2, 200
  bits) over every finite operand of f16 and bf16, next to the bound B the decision assumes.

Timings are wall time on a shared machine (upper bounds).
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # run from a clone without installing

import argparse
import math
import random
import time

import numpy as np

from fpverify.fast import dequantize
from fpverify.fast.elementary import FUNCTIONS, compute
from fpverify.fast.elementary_candidates import CANDIDATES
from fpverify.formats import get_format
from fpverify.golden.elementary import evaluate
from fpverify.rounding import DETERMINISTIC, Env


def golden_run(fn, fmt, codes):
    out = {}
    for rnd in DETERMINISTIC:
        env = Env(rnd)
        for c in codes:
            r = evaluate(fn, fmt, (c,), env)
            out[(rnd, c)] = (r.code, int(r.flags))
    return out


def measured_error_bits(fn: str) -> float | None:
    try:
        import gmpy2
    except ImportError:
        return None
    ref = {"exp10": gmpy2.exp10, "atan": gmpy2.atan, "rsqrt": gmpy2.rec_sqrt, "recip": lambda v: 1 / v,
           "sigmoid": lambda v: 1 / (1 + gmpy2.exp(-v)), "silu": lambda v: v / (1 + gmpy2.exp(-v)),
           "gelu_erf": lambda v: v * gmpy2.erfc(-v / gmpy2.sqrt(2)) / 2,
           "gelu_tanh": lambda v: v / (1 + gmpy2.exp(-2 * gmpy2.sqrt(2 / gmpy2.const_pi()) * (
               v + gmpy2.mpfr(44715) / 1000000 * v ** 3)))}
    f = ref.get(fn) or getattr(gmpy2, fn)
    x = np.concatenate([dequantize(np.arange(1 << 16), "f16").astype(np.float64),
                        dequantize(np.arange(1 << 16), "bf16").astype(np.float64)])
    x = x[np.isfinite(x) & (x != 0)]
    with np.errstate(all="ignore"):
        y = CANDIDATES[fn].value(x)
    worst = 0.0
    with gmpy2.context(precision=200, emin=gmpy2.get_emin_min(), emax=gmpy2.get_emax_max()):
        for xi, yi in zip(x.tolist(), y.tolist()):
            if not math.isfinite(yi) or abs(yi) < 2.0 ** -1000:
                continue
            v = f(gmpy2.mpfr(xi))
            if gmpy2.is_finite(v) and v != 0:
                worst = max(worst, float(abs((yi - v) / v)))
    return -math.log2(worst) if worst else math.inf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--formats", default="e4m3fn,e5m2,f16,bf16")
    ap.add_argument("--functions", default=",".join(FUNCTIONS))
    ap.add_argument("--sample", type=int, default=1500, help="codes golden is timed on for 16-bit formats")
    ap.add_argument("--full-golden", default="f16:exp", help="fmt:fn pairs (comma-separated) timed on all codes")
    ap.add_argument("--no-errors", action="store_true", help="skip the candidate-error column (needs gmpy2)")
    a = ap.parse_args()
    full = {tuple(p.split(":")) for p in a.full_golden.split(",") if p}
    fns = a.functions.split(",")
    print(f"{'format':7} {'function':10} {'fast s':>7} {'golden':>7} {'golden s':>9} {'speedup':>8} {'diff':>5} "
          f"{'err':>11}")
    errors = {}
    for fname in a.formats.split(","):
        fmt = get_format(fname)
        codes = np.arange(1 << fmt.bits, dtype=np.int64)
        for fn in fns:
            t0 = time.perf_counter()
            fast = {}
            n_golden = 0
            for rnd in DETERMINISTIC:
                c, f, n = compute(fn, codes, fmt, Env(rnd), fmt)
                n_golden += n
                fast[rnd] = (c, f)
            t_fast = time.perf_counter() - t0
            exhaustive = fmt.bits <= 8 or (fname, fn) in full
            sample = codes.tolist() if exhaustive else random.Random(f"{fname}{fn}").sample(codes.tolist(), a.sample)
            t0 = time.perf_counter()
            gold = golden_run(fn, fmt, sample)
            t_gold = (time.perf_counter() - t0) * (1 if exhaustive else len(codes) / len(sample))
            diff = sum(1 for (rnd, c), (gc, gf) in gold.items()
                       if (int(fast[rnd][0][c]), int(fast[rnd][1][c])) != (gc, gf))
            if fn not in errors and not a.no_errors:
                errors[fn] = measured_error_bits(fn)
            err = errors.get(fn)
            err_s = "-" if err is None else f"{err:5.1f}/{CANDIDATES[fn].bits}"
            mark = "" if exhaustive else "~"
            print(f"{fname:7} {fn:10} {t_fast:7.2f} {n_golden:7d} {mark + format(t_gold, '.1f'):>9} "
                  f"{t_gold / t_fast:7.0f}x {diff:5d} {err_s:>11}", flush=True)


if __name__ == "__main__":
    main()
