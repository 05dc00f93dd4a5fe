#!/usr/bin/env python3
"""The hardest-to-round binary32 inputs of exp and log, by exhaustive search over every f32 code.

    python benchmarks/find_f32_hard_cases.py [--functions exp,log] [--keep 400] [--top 16]
                                             [-o tests/data/f32_hard_cases.json]

The method of the worst-case tables in the literature (Lefèvre and Muller, "Worst cases for correct
rounding of the elementary functions in double precision", ARITH 2001), at binary32 size, where
plain enumeration is affordable:

1. Screen every finite f32 code whose result is neither trivially decided nor out of range with
   numpy's float64 function (error below 1 float64 ulp, i.e. 2^-52 relative): the distance of f(x)
   to the nearest binary32 rounding boundary (a representable number or a midpoint, i.e. a multiple
   of half the result's quantum, subnormal quantum included), in units of that half quantum. Keep
   the ``--keep`` nearest codes per function.
2. Re-measure those with MPFR (gmpy2) at 300 bits and keep the ``--top`` nearest. Their distance
   needs about 25 + log2(1/distance) correct bits to decide the rounding in every mode.

A float64 screen places f(x) to about 2^-27 half-quanta (SCREEN_ERROR = 2^-26 with margin), so the
kept list holds every code whose true distance is below (the last kept screened distance -
SCREEN_ERROR), printed as "complete below"; the MPFR step ranks them exactly.
The result is written as JSON for ``tests/test_golden_elementary_mpfr.py``.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # run from a clone without installing

import argparse
import json
import math
import time

import numpy as np

CHUNK = 1 << 22
# f32 codes screened per function and region: [lo, hi) code ranges. "taylor" is where f(x) is a
# short series in a tiny quantity (exp near 0, log near 1): its hardest cases come from the
# series' first terms (e.g. exp(2^-23 - 2^-47) = 1 + x + x^2/2 + ...), the "generic" region holds
# the cases that worst-case tables are about
RANGES = {
    # exp: |x| >= 2^-26 (below, exp(x) rounds like 1 + x and is decided by the first terms) up to
    # the overflow threshold 88.73 and down to -103.98 (below half the least subnormal)
    "exp": {"taylor": [(0x32800000, 0x3A800000), (0xB2800000, 0xBA800000)],
            "generic": [(0x3A800000, 0x42B17219), (0xBA800000, 0xC2CFF1B6)]},
    # log: every positive finite code, subnormals included; near 1: |x - 1| < 2^-10
    "log": {"taylor": [(0x3F7FC000, 0x3F802000)],
            "generic": [(0x00000001, 0x3F7FC000), (0x3F802000, 0x7F800000)]},
}
# the float64 screen's error in half binary32 quanta: numpy's exp/log are within 1 float64 ulp
# (2^-52 relative; glibc/numpy claim < 1 ulp), and y / half_q is exact, so the position of f(x) is
# off by at most 2^-52 * 2^25 half quanta; 2^-26 leaves a factor 2 of margin
SCREEN_ERROR = 2.0 ** -26
NUMPY = {"exp": np.exp, "log": np.log}


def screen(name: str, ranges, keep: int, progress=True) -> list[tuple[float, int]]:
    """The ``keep`` codes of ``ranges`` whose float64 f(x) lies nearest a binary32 boundary:
    (distance, code), nearest first."""
    best_d = np.empty(0)
    best_c = np.empty(0, dtype=np.int64)
    total = sum(hi - lo for lo, hi in ranges)
    done = 0
    t0 = time.time()
    for lo, hi in ranges:
        for start in range(lo, hi, CHUNK):
            codes = np.arange(start, min(start + CHUNK, hi), dtype=np.int64)
            x = codes.astype(np.uint32).view(np.float32).astype(np.float64)
            with np.errstate(all="ignore"):
                y = np.abs(NUMPY[name](x))
            ok = np.isfinite(y) & (y > 0)
            codes, y = codes[ok], y[ok]
            _, e = np.frexp(y)  # y = m * 2^e, m in [0.5, 1)
            # half a binary32 quantum: 2^(e-25) for normal results, 2^-150 for subnormal ones
            half_q = np.ldexp(1.0, np.maximum(e - 25, -150))
            t = y / half_q  # exact: a power-of-two scaling
            dist = np.abs(t - np.rint(t))
            if len(dist) > keep:
                idx = np.argpartition(dist, keep)[:keep]
                dist, codes = dist[idx], codes[idx]
            best_d = np.concatenate([best_d, dist])
            best_c = np.concatenate([best_c, codes])
            if len(best_d) > keep:
                idx = np.argpartition(best_d, keep)[:keep]
                best_d, best_c = best_d[idx], best_c[idx]
            done += len(x)
            if progress:
                print(f"\r{name}: {done / total:6.1%}  {time.time() - t0:6.1f} s", end="", file=_sys.stderr)
    if progress:
        print(file=_sys.stderr)
    order = np.argsort(best_d)
    return [(float(best_d[i]), int(best_c[i])) for i in order]


def exact_distance(name: str, code: int) -> float:
    """|f(x) - nearest boundary| in half binary32 quanta, from MPFR at 300 bits (as a float)."""
    import gmpy2

    ctx = gmpy2.context(precision=300)
    with gmpy2.local_context(ctx):
        x = gmpy2.mpfr(float(np.uint32(code).view(np.float32)))
        y = abs(gmpy2.exp(x) if name == "exp" else gmpy2.log(x))
        _, e = math.frexp(float(y))
        # float(y) may round up to the next binade only when y is within 2^-53 of a power of two,
        # which is itself a boundary: the distance is then computed against that power just the same
        half_q = gmpy2.mpfr(2) ** max(e - 25, -150)
        t = y / half_q
        return float(abs(t - gmpy2.rint(t)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--functions", default="exp,log")
    ap.add_argument("--keep", type=int, default=400)
    ap.add_argument("--top", type=int, default=16)
    ap.add_argument("-o", "--output", default=None)
    args = ap.parse_args()
    out = {}
    for name in args.functions.split(","):
        out[name] = {}
        for region, ranges in RANGES[name].items():
            t0 = time.time()
            screened = screen(name, ranges, args.keep)
            exact = sorted((exact_distance(name, c), c) for _, c in screened)[: args.top]
            count = sum(hi - lo for lo, hi in ranges)
            # every code whose true distance is below `complete` was kept: a screened distance is
            # within SCREEN_ERROR of the true one, and the last kept code screened at screened[-1]
            complete = screened[-1][0] - SCREEN_ERROR
            print(f"{name} ({region}): {count:,} codes screened in {time.time() - t0:.0f} s; "
                  f"the list is complete below a distance of {complete:.2e}")
            print("  code        x                        distance (half quanta)  bits to decide")
            for d, c in exact:
                x = float(np.uint32(c).view(np.float32))
                bits = 25 + (-math.log2(d) if d > 0 else math.inf)
                print(f"  0x{c:08X}  {x!r:24}  {d:.3e}               {bits:.1f}")
            out[name][region] = {"complete_below": complete,
                                 "cases": [{"code": f"0x{c:08X}", "distance": d} for d, c in exact]}
    if args.output:
        _Path(args.output).write_text(json.dumps(out, indent=1) + "\n")
        print(f"written {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
