#!/usr/bin/env python3
"""Monolithic proofs of every small (FP4/FP6/FP8) RTL unit against the symbolic reference.

For every signed registry float format of at most 8 bits and every rounding mode, flattens
`rtl.fp_add.FPAdder`, `rtl.fp_mul.FPMultiplier` and `rtl.lmul.LMulUnit` (variant A for every mode,
variants B and C once, default ieee_like/satfinite policy) and proves each equal to the reference
(results and flags) with `fpverify.prove.api.prove_equivalence`. Prints one row per proof
(unit, format, mode, status, wall and CPU seconds) and a summary; the budget is 1 s per proof,
measured in process CPU time (the machine may be shared; wall time is shown too).

    python benchmarks/bench_prove_small.py [--solver z3|bitwuzla] [--formats e4m3fn,e2m1fn]
        [--modes rne,rtz] [--units add,mul,lmul] [--timeout 60] [--budget 1.0]

Exit status 0 iff every proof is PROVED within the budget. Ctrl-C prints the partial table.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpverify.formats import FloatFormat, all_formats, get_format  # noqa: E402
from fpverify.golden.lmul import LMulPolicy, LMulSpecials, LMulVariant  # noqa: E402
from fpverify.hdl.netlist import flatten  # noqa: E402
from fpverify.prove.api import PortMap, prove_equivalence  # noqa: E402
from fpverify.rounding import Env, parse_rounding  # noqa: E402

MODES = ["rne", "rna", "rtz", "rup", "rdn", "rto", "sra4", "srb4", "src4"]


def small_formats() -> list[str]:
    return [f.name for f in all_formats()
            if isinstance(f, FloatFormat) and f.signed and f.width <= 8]


def jobs(formats, modes, units):
    """(unit label, op, format, mode label, factory, env, lmul policy)."""
    from rtl.fp_add import FPAdder
    from rtl.fp_mul import FPMultiplier
    from rtl.lmul import LMulUnit

    for fname in formats:
        fmt = get_format(fname)
        for mode in modes:
            env = Env(parse_rounding(mode))
            if "add" in units:  # the adder's `sub` port selects a - b: proved for both values
                yield "FPAdder", "add", fmt, mode, lambda f=fmt, m=mode: FPAdder(f, rounding=m), env, None
            if "mul" in units:
                yield "FPMultiplier", "mul", fmt, mode, lambda f=fmt, m=mode: FPMultiplier(f, rounding=m), env, None
            if "lmul" in units:
                pol = LMulPolicy(LMulVariant.REAL, LMulSpecials.IEEE_LIKE)
                yield ("LMulUnit[A]", "lmul", fmt, mode,
                       lambda f=fmt, m=mode, p=pol: LMulUnit(f, p, rounding=m), env, pol)
        if "lmul" in units:
            for variant in (LMulVariant.BIT_ADD, LMulVariant.NORMALIZE_TRUNCATE):
                pol = LMulPolicy(variant, LMulSpecials.IEEE_LIKE)
                yield (f"LMulUnit[{variant.value}]", "lmul", fmt, "-",
                       lambda f=fmt, p=pol: LMulUnit(f, p), Env(), pol)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--solver", default="z3", choices=["z3", "bitwuzla"])
    ap.add_argument("--formats", default=",".join(small_formats()))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--units", default="add,mul,lmul")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--budget", type=float, default=1.0, help="seconds allowed per proof")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    formats = [f for f in args.formats.split(",") if f]
    modes = [m for m in args.modes.split(",") if m]
    units = set(args.units.split(","))
    rows = []
    print(f"{'unit':<14} {'format':<14} {'mode':<6} {'status':<8} {'wall s':>7} {'cpu s':>7} {'build s':>8}",
          flush=True)
    t_all = time.perf_counter()
    try:
        for label, op, fmt, mode, factory, env, pol in jobs(formats, modes, units):
            t0 = time.perf_counter()
            try:
                nl = flatten(factory())
            except Exception as e:  # a generator that rejects the combination
                rows.append((label, fmt.name, mode, "SKIP", 0.0, 0.0, 0.0))
                print(f"{label:<14} {fmt.name:<14} {mode:<6} {'SKIP':<8} ({type(e).__name__}: {e})", flush=True)
                continue
            build = time.perf_counter() - t0
            ports = PortMap(sub="sub") if "sub" in nl.inputs else PortMap()
            r = prove_equivalence(nl, op, fmt, env=env, lmul_policy=pol, ports=ports, timeout_s=args.timeout,
                                  solver=args.solver)
            rows.append((label, fmt.name, mode, r.status, r.cpu_seconds, build, r.seconds))
            flag = "" if r.status == "PROVED" and r.cpu_seconds <= args.budget else "  <--"
            print(f"{label:<14} {fmt.name:<14} {mode:<6} {r.status:<8} {r.seconds:7.2f} {r.cpu_seconds:7.2f} "
                  f"{build:8.2f}{flag}", flush=True)
            if r.status != "PROVED":
                print("   ", (r.message or "") + ("\n" + r.counterexample.decoded if r.counterexample else ""))
    except KeyboardInterrupt:
        print("interrupted: partial results below", flush=True)
    done = [r for r in rows if r[3] != "SKIP"]
    proved = [r for r in done if r[3] == "PROVED"]
    slow = [r for r in proved if r[4] > args.budget]
    secs = sorted(r[4] for r in done)
    print(f"\n{len(proved)}/{len(done)} PROVED ({len(rows) - len(done)} skipped), "
          f"{len(slow)} over the {args.budget:.1f} s budget; "
          + (f"prove CPU time median {secs[len(secs) // 2]:.2f} s, max {secs[-1]:.2f} s; " if secs else "")
          + f"wall {time.perf_counter() - t_all:.0f} s ({args.solver})")
    by_unit: dict[str, list] = {}
    for r in done:
        by_unit.setdefault(r[0].split("[")[0], []).append(r)
    for unit, rs in by_unit.items():
        print(f"  {unit:<14} {sum(r[3] == 'PROVED' for r in rs)}/{len(rs)} PROVED, max {max(r[4] for r in rs):.2f} s")
    return 0 if done and len(proved) == len(done) and not slow else 1


if __name__ == "__main__":
    sys.exit(main())
