#!/usr/bin/env python3
"""fpverify.fast side by side with ml_dtypes, pychop and gfloat: ns/element and mismatches.

    python benchmarks/bench_fast.py [--section all|fp8conv|conv16|arith|sr] [--n 1000000] [--repeat 5]
                                    [--traps 2000] [--slow-n 20000] [--formats bf16,e2m1fn,...]

Sections (each prints one table):

* ``fp8conv``: f32 -> e4m3fn/e5m2/e2m1fn in every mode (ours) against ml_dtypes' RNE cast and gfloat.
* ``conv16``: f32 and f64 -> bf16 and -> f16 in every deterministic mode (ours) against ml_dtypes
  (bf16) and numpy (f16) RNE casts; mismatches of each library against the golden semantics on a
  trap set of float64 values (ties, one float32 ulp off ties: double-rounding traps, overflow
  thresholds, subnormal boundaries), cast from float64 and from float32.
* ``arith``: add sub mul div sqrt fma in bf16, f16, tf32, f32, e5m2, e4m3fn, then every other
  format ml_dtypes also has (e4m3, e4m3fnuz, e5m2fnuz, e4m3b11fnuz, e3m4, e2m3fn, e3m2fn, e2m1fn,
  e8m0fnu; ``--formats`` picks a subset, in the given order): ml_dtypes / numpy
  typed arrays (RNE, no fma), the int64 datapath alone (RNE), ``arith.apply`` as shipped (the
  float64 path where it applies) in each deterministic mode, pychop (``Chop`` on float64 results;
  fma emulated as chop(a*b + c)), gfloat (``round_ndarray`` of the float64 result). Mismatches
  are counted against the golden model on `fast.traps.trap_operands` (ours in all six modes;
  NaN matches NaN; zeros must agree in sign).
* ``sr``: bf16 add/sub/mul/div in SR-A/B/C (8 random bits; also src16, sra24 and ``rng=``) through
  the int64 datapath ("before") and `fast.bf16_sr_kernel`, beside ml_dtypes' and our RNE, same
  arrays and random bits; mismatches against golden on the trap set.

Timings are best-of-``repeat`` on a shared machine: upper bounds. gfloat is timed on ``--slow-n``
elements (it is far slower). Before timing, ours is checked against golden on the trap set.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # run from a clone without installing

import argparse
import time

import numpy as np

from fpverify.fast import arith, dequantize, ml_dtype_for, quantize, traps
from fpverify.formats import get_format
from fpverify.rounding import DETERMINISTIC, Env, Mode, Rounding


def best_ns(fn, n_elems: int, repeat: int) -> float:
    fn()  # warm up (tables, imports)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) / n_elems * 1e9


def _optional(name):
    try:
        return __import__(name)
    except Exception as exc:  # report, do not hide
        print(f"({name} not available: {exc!r})")
        return None


def _same(want: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Equal float64 values with equal signs of zero, or both NaN."""
    want, got = np.asarray(want, np.float64), np.asarray(got, np.float64)
    return (np.isnan(want) & np.isnan(got)) | ((want == got) & (np.signbit(want) == np.signbit(got)))


def _fmt_ns(v) -> str:
    return "-" if v is None else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


# ---- fp8conv -----------------------------------------------------------------------------------


def section_fp8conv(args, ml, gfloat) -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(args.n) * 2.0 ** rng.integers(-8, 8, args.n)).astype(np.float32)
    print(f"\nf32 -> FP8/FP4, {args.n:,} elements, best of {args.repeat} (ns/element; ratio = ours / ml_dtypes RNE)")
    print(f"{'format':8} {'mode':10} {'ours':>8} {'ml_dtypes':>10} {'ratio':>7} {'gfloat':>9}")
    for name in ("e4m3fn", "e5m2", "e2m1fn"):
        dt = ml_dtype_for(name) if ml else None
        mlv = best_ns(lambda: x.astype(dt), args.n, args.repeat) if dt is not None else None
        if dt is not None and not np.array_equal(quantize(x, name), x.astype(dt).view(np.uint8)):
            raise SystemExit(f"MISMATCH vs ml_dtypes RNE for {name}")
        gfv = None
        if gfloat is not None and name != "e2m1fn":
            from gfloat import formats as gff

            fi = {"e4m3fn": gff.format_info_ocp_e4m3, "e5m2": gff.format_info_ocp_e5m2}[name]
            xs = x[: args.slow_n].astype(np.float64)
            gfv = best_ns(lambda: gfloat.encode_ndarray(fi, gfloat.round_ndarray(fi, xs)), xs.size, 2)
        rb = rng.integers(0, 256, args.n, dtype=np.uint32)
        for rnd in DETERMINISTIC + (Rounding(Mode.SR_A, 8), Rounding(Mode.SR_C, 8)):
            env = Env(rnd)
            r = rb if rnd.mode.stochastic else None
            ours = best_ns(lambda: quantize(x, name, env, random_bits=r), args.n, args.repeat)
            ratio = f"{ours / mlv:6.2f}x" if mlv else "-"
            print(f"{name:8} {str(rnd):10} {ours:8.2f} {_fmt_ns(mlv):>10} {ratio:>7} "
                  f"{_fmt_ns(gfv if rnd.mode is Mode.RNE else None):>9}")
    x64 = rng.standard_normal(args.n) * 2.0 ** rng.integers(-8, 8, args.n)
    print("\nf64 -> FP8/FP4, deterministic modes (ours: rounded to odd on the float32 grid, then the "
          "float32 path; ml_dtypes casts float64 through float32, i.e. rounds twice)")
    print(f"{'format':8} {'mode':10} {'ours':>8} {'ml_dtypes':>10} {'ratio':>7}")
    for name in ("e4m3fn", "e5m2", "e2m1fn"):
        dt = ml_dtype_for(name) if ml else None
        mlv = best_ns(lambda: x64.astype(dt), args.n, args.repeat) if dt is not None else None
        for rnd in DETERMINISTIC:
            ours = best_ns(lambda: quantize(x64, name, Env(rnd)), args.n, args.repeat)
            ratio = f"{ours / mlv:6.2f}x" if mlv else "-"
            print(f"{name:8} {str(rnd):10} {ours:8.2f} {_fmt_ns(mlv):>10} {ratio:>7}")


# ---- conv16 ------------------------------------------------------------------------------------


def section_conv16(args, ml) -> None:
    rng = np.random.default_rng(1)
    x64 = rng.standard_normal(args.n) * 2.0 ** rng.integers(-8, 8, args.n)
    print(f"\nf32/f64 -> bf16 / f16, {args.n:,} elements, best of {args.repeat} "
          "(ns/element; ratio = ours / library RNE; ml_dtypes' f64 -> bf16 double-rounds, see below)")
    print(f"{'source':6} {'target':6} {'library':10} {'lib RNE':>8} " + " ".join(f"{str(r):>7}" for r in DETERMINISTIC)
          + f" {'worst ratio':>11}")
    for src, x in (("f32", x64.astype(np.float32)), ("f64", x64)):
        for name in ("bf16", "f16"):
            dt = ml_dtype_for(name) if (ml or name == "f16") else None
            lib = "ml_dtypes" if name == "bf16" else "numpy"
            with np.errstate(all="ignore"):
                libv = best_ns(lambda: x.astype(dt), args.n, args.repeat) if dt is not None else None
            ours = [best_ns(lambda: quantize(x, name, Env(r)), args.n, args.repeat) for r in DETERMINISTIC]
            worst = f"{max(ours) / libv:10.2f}x" if libv else "-"
            print(f"{src:6} {name:6} {lib:10} {_fmt_ns(libv):>8} " + " ".join(f"{v:7.2f}" for v in ours)
                  + f" {worst:>11}")
    print("\nmismatches against golden on the conversion trap set (RNE)")
    print(f"{'target':6} {'source':7} {'cases':>7} {'ours':>6} {'library':>8} {'pychop':>7} {'gfloat':>7}")
    pychop, gfloat = _optional("pychop"), _optional("gfloat")
    for name in ("bf16", "f16"):
        fmt = get_format(name)
        v64 = traps.trap_values(fmt, args.traps, seed=4)
        for src, v in (("f64", v64), ("f32", v64.astype(np.float32))):
            want = dequantize(quantize(v, fmt, _kernels=False), fmt, np.float64)
            ours = np.count_nonzero(~_same(want, dequantize(quantize(v, fmt), fmt, np.float64)))
            dt = ml_dtype_for(name) if (ml or name == "f16") else None
            with np.errstate(all="ignore"):
                libm = np.count_nonzero(~_same(want, v.astype(dt).astype(np.float64))) if dt is not None else None
                pc = None
                if pychop is not None:
                    ch = pychop.Chop(fmt.exp_bits, fmt.man_bits, rmode=1)
                    pc = np.count_nonzero(~_same(want, np.asarray(ch(v.astype(np.float64)), np.float64)))
                gf = None
                if gfloat is not None:
                    from gfloat import formats as gff

                    fi = gff.format_info_bfloat16 if name == "bf16" else gff.format_info_binary16
                    gf = np.count_nonzero(~_same(want, gfloat.round_ndarray(fi, v.astype(np.float64))))
            print(f"{name:6} {src:7} {v.size:>7} {ours:>6} {_fmt_ns(libm) if libm is None else libm:>8} "
                  f"{'-' if pc is None else pc:>7} {'-' if gf is None else gf:>7}")


# ---- arith -------------------------------------------------------------------------------------


_NP_OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}


def _f64_op(op, vals):
    with np.errstate(all="ignore"):
        if op == "sqrt":
            return np.sqrt(vals[0])
        if op == "fma":
            return vals[0] * vals[1] + vals[2]
        return _NP_OPS[op](vals[0], vals[1])


def _lib_for(name: str, ml):
    """(library name, numpy dtype) whose typed arrays run ``name`` arithmetic (RNE), or (None, None)."""
    if name == "f32":
        return "numpy", np.dtype(np.float32)
    if name == "f16":
        return "numpy", np.dtype(np.float16)
    dt = ml_dtype_for(name) if ml else None
    return ("ml_dtypes", dt) if dt is not None else (None, None)


def _timed_ours(op, codes, fmt, env, n, repeat, float64_path: bool, bf16_kernel: bool = True) -> float:
    old = arith.USE_FLOAT64_PATH, arith.USE_BF16_KERNEL
    arith.USE_FLOAT64_PATH, arith.USE_BF16_KERNEL = float64_path, bf16_kernel
    try:
        return best_ns(lambda: arith.apply(op, codes, fmt, env), n, repeat)
    finally:
        arith.USE_FLOAT64_PATH, arith.USE_BF16_KERNEL = old


ARITH_FORMATS = ("bf16", "f16", "tf32", "f32", "e5m2", "e4m3fn",  # then the other ml_dtypes formats
                 "e4m3", "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e3m4", "e2m3fn", "e3m2fn", "e2m1fn", "e8m0fnu")


def section_arith(args, ml) -> None:
    pychop, gfloat = _optional("pychop"), _optional("gfloat")
    gf_info = {}
    if gfloat is not None:
        from gfloat import formats as gff

        gf_info = {"bf16": gff.format_info_bfloat16, "f16": gff.format_info_binary16,
                   "e5m2": gff.format_info_ocp_e5m2, "e4m3fn": gff.format_info_ocp_e4m3,
                   "e2m3fn": gff.format_info_ocp_e2m3, "e3m2fn": gff.format_info_ocp_e3m2,
                   "e2m1fn": gff.format_info_ocp_e2m1}
    modes = DETERMINISTIC
    print(f"\narithmetic, {args.n:,} random elements (gfloat: {args.slow_n:,}), best of {args.repeat}: ns/element"
          f"\n  lib = ml_dtypes (bf16, FP8) or numpy (f16, f32) typed arrays, RNE; int64 = the integer datapath"
          f" alone (RNE; <= 8-bit formats: its tables);\n  then arith.apply as shipped (float64 path where it"
          f" applies) per mode; ratio = slowest mode / lib;\n  mism. = mismatches vs golden on {args.traps}"
          f" trap cases x 6 modes (ours; lib/pychop/gfloat: RNE only)")
    print(f"{'fmt':6} {'op':4} {'lib':>6} {'int64':>6} " + " ".join(f"{str(r):>6}" for r in modes)
          + f" {'ratio':>6} {'pychop':>7} {'gfloat':>7} | {'mism.: ours':>11} {'lib':>5} {'pychop':>6} {'gfloat':>6}")
    rng = np.random.default_rng(2)
    for name in args.formats:
        fmt = get_format(name)
        libname, dt = _lib_for(name, ml)
        sat = fmt.specials.value == "none"  # gfloat: formats without Inf/NaN saturate (fpverify: SATFINITE)
        chop = None
        if pychop is not None and fmt.specials.value == "ieee":
            chop = pychop.Chop(fmt.exp_bits, fmt.man_bits, rmode=1)
        for op in arith.OPS:
            arity = 1 if op == "sqrt" else 3 if op == "fma" else 2
            vals = [(rng.standard_normal(args.n) * 4).astype(np.float32) for _ in range(arity)]
            if op == "sqrt" or not fmt.signed:
                vals = [np.abs(v) for v in vals]
            codes = [quantize(v, fmt) for v in vals]
            old = _timed_ours(op, codes, fmt, Env(), args.n, max(1, args.repeat // 2), False)
            ours = [_timed_ours(op, codes, fmt, Env(r), args.n, args.repeat, True) for r in modes]
            typed = [c.view(dt) if dt is not None and dt.itemsize == c.itemsize else None for c in codes]
            f64 = [dequantize(c, fmt, np.float64) for c in codes]
            mlv = pcv = gfv = None
            with np.errstate(all="ignore"):
                if dt is not None and op != "fma" and all(t is not None for t in typed):
                    fn = np.sqrt if op == "sqrt" else _NP_OPS[op]
                    mlv = best_ns(lambda: fn(*typed), args.n, args.repeat)
                if chop is not None:
                    pcv = best_ns(lambda: chop(_f64_op(op, [chop(v) for v in f64])), args.n, max(1, args.repeat // 2))
                if name in gf_info:
                    small = [v[: args.slow_n] for v in f64]
                    gfv = best_ns(lambda: gfloat.round_ndarray(gf_info[name], _f64_op(op, small), sat=sat),
                                  args.slow_n, 2)
            # mismatches on the trap set
            tops = traps.trap_operands(fmt, op, args.traps, seed=11)
            np.seterr(invalid="ignore")  # decoding signalling NaN codes through float32
            mine = 0
            want = None
            for r in modes:
                gold = arith.golden_apply(op, tops, fmt, Env(r), fmt)
                got = arith.apply(op, tops, fmt, Env(r))
                mine += np.count_nonzero(~_same(dequantize(gold, fmt, np.float64), dequantize(got, fmt, np.float64)))
                if r.mode is Mode.RNE:
                    want = dequantize(gold, fmt, np.float64)
            tv = [dequantize(t, fmt, np.float64) for t in tops]
            mm = {}
            with np.errstate(all="ignore"):
                if mlv is not None:
                    fn = np.sqrt if op == "sqrt" else _NP_OPS[op]
                    res = fn(*[t.astype({1: np.uint8, 2: np.uint16, 4: np.uint32}[dt.itemsize]).view(dt) for t in tops])
                    mm["ml"] = np.count_nonzero(~_same(want, res.astype(np.float64)))
                if chop is not None:
                    mm["pc"] = np.count_nonzero(~_same(want, chop(_f64_op(op, [chop(v) for v in tv]))))
                if name in gf_info:
                    mm["gf"] = np.count_nonzero(~_same(want, gfloat.round_ndarray(gf_info[name], _f64_op(op, tv),
                                                                                 sat=sat)))
            if args.bf16_before and name == "bf16" and op in ("add", "sub", "mul", "div"):
                before = [_timed_ours(op, codes, fmt, Env(r), args.n, args.repeat, True, False) for r in modes]
                print(f"{'(bf16':6} {op:4} {'':>6} {'':>6} " + " ".join(f"{_fmt_ns(v):>6}" for v in before)
                      + (f" {max(before) / mlv:5.1f}x" if mlv else "") + "  without fast.bf16_kernel)")
            ratio = f"{max(ours) / mlv:5.1f}x" if mlv else "-"
            print(f"{name:6} {op:4} {_fmt_ns(mlv):>6} {_fmt_ns(old):>6} " + " ".join(f"{_fmt_ns(v):>6}" for v in ours)
                  + f" {ratio:>6} {_fmt_ns(pcv):>7} {_fmt_ns(gfv):>7} | {mine:>11} {mm.get('ml', '-'):>5} "
                  f"{mm.get('pc', '-'):>6} {mm.get('gf', '-'):>6}", flush=True)


# ---- sr: bf16 stochastic rounding --------------------------------------------------------------


def _timed_sr(op, codes, env, n, repeat, kernel: bool, **kw) -> float:
    old = arith.USE_BF16_SR_KERNEL
    arith.USE_BF16_SR_KERNEL = kernel
    try:
        return best_ns(lambda: arith.apply(op, codes, "bf16", env, **kw), n, repeat)
    finally:
        arith.USE_BF16_SR_KERNEL = old


def section_sr(args, ml) -> None:
    """bf16 add/sub/mul/div: ml_dtypes RNE and ours (RNE) beside SR-A/B/C with 8 random bits through
    the int64 datapath ("before", `arith.USE_BF16_SR_KERNEL = False`) and `fast.bf16_sr_kernel`,
    explicit random bits (the same array everywhere); then wider N (the carry path) and rng=."""
    fmt = get_format("bf16")
    sr8 = [Rounding(m, 8) for m in (Mode.SR_A, Mode.SR_B, Mode.SR_C)]
    wide_n = [Rounding(Mode.SR_C, 16), Rounding(Mode.SR_A, 24)]
    print(f"\nbf16 stochastic rounding, {args.n:,} elements, best of {args.repeat} (before: of "
          f"{max(1, args.repeat // 2)}): ns/element, explicit random bits;\n  'add upd' = w + 1e-4*g (w, g "
          f"standard normal: most float32 sums inexact); rng = src8 with rng=seed (drawing included);\n"
          f"  ratio = slowest of sra8/srb8/src8 now / ml_dtypes RNE; mism. = mismatches vs golden on "
          f"{args.traps} trap pairs x (sra8 srb8 src8 src16 sra24)")
    print(f"{'op':8} {'ml RNE':>6} {'RNE':>6} | {'before: sra8':>12} {'srb8':>6} {'src8':>6} | "
          f"{'now: sra8':>9} {'srb8':>6} {'src8':>6} {'src16':>6} {'sra24':>6} {'rng':>6} | {'ratio':>6} {'mism.':>5}")
    rng = np.random.default_rng(4)
    r8 = rng.integers(0, 1 << 8, args.n)
    for op in ("add", "add upd", "sub", "mul", "div"):
        name = op.split()[0]
        x = (rng.standard_normal(args.n) * 4).astype(np.float32)
        y = (rng.standard_normal(args.n) * (1e-4 if op == "add upd" else 4)).astype(np.float32)
        codes = [quantize(x, fmt), quantize(y, fmt)]
        mlv = None
        if ml is not None:
            typed = [c.view(ml.bfloat16) for c in codes]
            with np.errstate(all="ignore"):
                mlv = best_ns(lambda: _NP_OPS[name](*typed), args.n, args.repeat)
        rne = _timed_ours(name, codes, fmt, Env(), args.n, args.repeat, True)
        before = [_timed_sr(name, codes, Env(r), args.n, max(1, args.repeat // 2), False, random_bits=r8)
                  for r in sr8]
        now = [_timed_sr(name, codes, Env(r), args.n, args.repeat, True, random_bits=r8) for r in sr8]
        wide = [_timed_sr(name, codes, Env(r), args.n, args.repeat, True,
                          random_bits=rng.integers(0, 1 << r.nbits, args.n)) for r in wide_n]
        seeded = _timed_sr(name, codes, Env(sr8[2]), args.n, args.repeat, True, rng=7)
        tops = traps.trap_operands(fmt, name, args.traps, seed=11)
        mism = 0
        for r in sr8 + wide_n:
            bits = rng.integers(0, 1 << r.nbits, tops[0].size)
            gold = arith.golden_apply(name, tops, fmt, Env(r), fmt, bits)
            mism += np.count_nonzero(arith.apply(name, tops, fmt, Env(r), random_bits=bits) != gold)
        ratio = f"{max(now) / mlv:5.1f}x" if mlv else "-"
        print(f"{op:8} {_fmt_ns(mlv):>6} {_fmt_ns(rne):>6} | {_fmt_ns(before[0]):>12} {_fmt_ns(before[1]):>6} "
              f"{_fmt_ns(before[2]):>6} | {_fmt_ns(now[0]):>9} {_fmt_ns(now[1]):>6} {_fmt_ns(now[2]):>6} "
              f"{_fmt_ns(wide[0]):>6} {_fmt_ns(wide[1]):>6} {_fmt_ns(seeded):>6} | {ratio:>6} {mism:>5}", flush=True)
    # a training step through the emulation API: w = w - g * lr in bf16, src8, seeded context
    from fpverify.fast.emulate import Context, FPArray

    w0, g0 = rng.standard_normal(args.n).astype(np.float32), rng.standard_normal(args.n).astype(np.float32)
    steps = {}
    for kernel in (False, True):
        ctx = Context("src8", seed=0)
        w, g = FPArray.from_float(w0, "bf16", ctx), FPArray.from_float(g0, "bf16", ctx)
        old = arith.USE_BF16_SR_KERNEL
        arith.USE_BF16_SR_KERNEL = kernel
        try:
            steps[kernel] = best_ns(lambda: w - g * 1e-3, args.n, max(1, args.repeat // (1 if kernel else 2)))
        finally:
            arith.USE_BF16_SR_KERNEL = old
    print(f"FPArray step w - g*1e-3 (bf16, src8, seeded Context: mul + sub + two draws): "
          f"before {_fmt_ns(steps[False])}, now {_fmt_ns(steps[True])} ns/element")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--section", default="all", choices=["all", "fp8conv", "conv16", "arith", "sr"])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--traps", type=int, default=2000)
    ap.add_argument("--slow-n", type=int, default=20_000)
    ap.add_argument("--formats", default=",".join(ARITH_FORMATS),
                    help="arith section: comma-separated formats (default: %(default)s)")
    ap.add_argument("--bf16-before", action="store_true",
                    help="arith section: also time bf16 add/sub/mul/div with fast.bf16_kernel switched off")
    args = ap.parse_args()
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for f in args.formats:
        get_format(f)  # unknown names fail here, before any timing
    ml = _optional("ml_dtypes")
    if args.section in ("all", "fp8conv"):
        section_fp8conv(args, ml, _optional("gfloat"))
    if args.section in ("all", "conv16"):
        section_conv16(args, ml)
    if args.section in ("all", "arith"):
        section_arith(args, ml)
    if args.section in ("all", "sr"):
        section_sr(args, ml)


if __name__ == "__main__":
    main()
