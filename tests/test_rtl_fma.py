"""FPFMA (rtl/fp_fma.py) against the golden model (`fpverify.golden.fma`).

Oracles: golden calls (FP4 exhaustive, wide and mixed-format samples) and the vectorised golden FMA
of `fma_oracle` for ≤ 8-bit formats (itself checked against golden calls here). Results compare
NaN as a class, flags bit for bit. The full FP8 matrices (2^24 triples each) are `slow`.
"""

from __future__ import annotations

import numpy as np
import pytest

from fpverify import golden
from fpverify.errors import InputError
from fpverify.formats import FloatFormat, get_format
from fpverify.hdl.evaluate import evaluate, run_cycles
from fpverify.hdl.netlist import flatten
from fpverify.rounding import Env, Flags, Mode, Overflow, Rounding, Tininess, parse_rounding

from fma_oracle import fma_reference
from rtl.common import RM_CODES
from rtl.fp_fma import FPFMA
from test_rtl_common import MODE_NAMES, edge_codes, mismatches

MODES = {v: k for k, v in RM_CODES.items()}


def all_triples(fmt: FloatFormat, lo: int = 0, hi: int | None = None):
    w = fmt.width
    idx = np.arange(lo, (1 << 3 * w) if hi is None else hi, dtype=np.int64)
    return idx >> 2 * w, (idx >> w) & ((1 << w) - 1), idx & ((1 << w) - 1)


def fma_triples(fmt: FloatFormat, cfmt: FloatFormat, rng: np.random.Generator, n: int):
    """a, b edge codes; c an edge code, or near -a*b (cancellation, ± a few ulps), or the product's
    sign and exponent shifted down/up by 0 .. 2P + P_c + 4 (alignment, sticky, far addends)."""
    a, b = edge_codes(fmt, rng, n), edge_codes(fmt, rng, n)
    c = edge_codes(cfmt, rng, n)
    kind = rng.integers(0, 100, n)
    span = 2 * fmt.precision + cfmt.precision + 4
    for i in np.nonzero(kind < 60)[0]:
        prod = golden.mul(fmt, int(a[i]), int(b[i]), env=Env(Rounding(Mode.RTZ)), out=cfmt).code
        if cfmt.is_nan(prod) or cfmt.is_inf(prod) or prod & cfmt.mag_mask == 0:
            continue
        mag = prod & cfmt.mag_mask
        if kind[i] < 30:  # cancellation: c = -(a*b rounded) +- k ulps
            mag = int(np.clip(mag + int(rng.integers(-3, 4)), 1, cfmt.max_code))
            c[i] = (prod ^ cfmt.sign_bit) & cfmt.sign_bit | mag
        else:  # the exponent moved by d binades, random trailing bits
            d = int(rng.integers(-span // 2, span + 1))
            field = int(np.clip((mag >> cfmt.man_bits) - d, 0, cfmt.exp_mask - 1))
            trail = int(rng.integers(0, 1 << cfmt.man_bits))
            c[i] = (int(rng.integers(0, 2)) * cfmt.sign_bit) | (field << cfmt.man_bits) | trail
    return a, b, c


def mixed_golden(fmt: FloatFormat, cfmt: FloatFormat, out: FloatFormat, a: int, b: int, c: int, env: Env):
    """a*b + c with a, b widened exactly into c's format (an sNaN's invalid flag carried over)."""
    wa, wb = golden.convert(fmt, a, cfmt, env), golden.convert(fmt, b, cfmt, env)
    r = golden.fma(cfmt, wa.code, wb.code, c, env=env, out=out)
    extra = (wa.flags | wb.flags) & Flags.INVALID
    return r.code, int(r.flags | extra)


def check(unit: FPFMA, inputs: dict, want_codes, want_flags) -> None:
    r = evaluate(flatten(unit), inputs)
    bad = mismatches(unit.out_fmt, r["result"], r["flags"], want_codes, want_flags, inputs)
    assert not bad, f"FPFMA {unit.fmt.name}x{unit.addend_fmt.name}->{unit.out_fmt.name} {unit.rounding}:\n" + \
        "\n".join(bad)


def check_golden_calls(unit: FPFMA, inputs: dict, env_of) -> None:
    """Per-vector golden calls; ``env_of(i)`` gives the environment of vector i."""
    fmt, cfmt, out = unit.fmt, unit.addend_fmt, unit.out_fmt
    n = len(inputs["a"])
    wc, wf = np.zeros(n, np.uint64), np.zeros(n, np.uint64)
    for i in range(n):
        a, b, c = (int(inputs[k][i]) for k in "abc")
        if fmt == cfmt:
            g = golden.fma(fmt, a, b, c, env=env_of(i), out=None if out == fmt else out)
            wc[i], wf[i] = g.code, int(g.flags)
        else:
            wc[i], wf[i] = mixed_golden(fmt, cfmt, out, a, b, c, env_of(i))
    check(unit, inputs, wc, wf)


def check_exhaustive_oracle(fmt_name: str, mode: str, chunk: int = 1 << 21, **unit_kw) -> None:
    fmt = get_format(fmt_name)
    env_kw = {k: v for k, v in unit_kw.items() if k in ("overflow", "tininess")}
    env = Env(parse_rounding(mode), **{k: (Overflow(v) if k == "overflow" else Tininess(v)) for k, v in env_kw.items()})
    unit = FPFMA(fmt, rounding=mode, **unit_kw)
    nl = flatten(unit)
    total = 1 << 3 * fmt.width
    for lo in range(0, total, chunk):
        a, b, c = all_triples(fmt, lo, min(lo + chunk, total))
        r = evaluate(nl, {"a": a, "b": b, "c": c})
        wc, wf = fma_reference(fmt, a, b, c, env)
        bad = mismatches(fmt, r["result"], r["flags"], wc, wf, {"a": a, "b": b, "c": c})
        assert not bad, f"FPFMA {fmt_name} {mode} {unit_kw}:\n" + "\n".join(bad)


# ---- the oracle itself ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "rne"), ("e5m2", "rdn"), ("e4m3", "rto"), ("e3m2fn", "rup")])
def test_vectorised_oracle_matches_golden_calls(fmt, mode):
    f = get_format(fmt)
    env = Env(parse_rounding(mode))
    rng = np.random.default_rng(5)
    a, b, c = fma_triples(f, f, rng, 4000)
    oc, of = fma_reference(f, a, b, c, env)
    g = [golden.fma(f, int(x), int(y), int(z), env=env) for x, y, z in zip(a, b, c)]
    bad = mismatches(f, oc, of, [r.code for r in g], [int(r.flags) for r in g], {"a": a, "b": b, "c": c})
    assert not bad, "\n".join(bad)


# ---- exhaustive small formats ---------------------------------------------------------------


@pytest.mark.parametrize("mode", MODE_NAMES)
def test_fp4_exhaustive_golden_calls(mode):
    fmt = get_format("e2m1fn")
    a, b, c = all_triples(fmt)
    env = Env(parse_rounding(mode))
    check_golden_calls(FPFMA(fmt, rounding=mode), {"a": a, "b": b, "c": c}, lambda i: env)


@pytest.mark.parametrize("fmt,mode", [("e3m2fn", "rne"), ("e2m3fn", "rdn")])
def test_fp6_exhaustive(fmt, mode):
    check_exhaustive_oracle(fmt, mode)


@pytest.mark.slow
@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "rne"), ("e5m2", "rne"), ("e5m2", "rtz"), ("e4m3", "rup")])
def test_fp8_exhaustive(fmt, mode):
    """Every one of the 2^24 triples (netlist evaluator vs the vectorised golden FMA)."""
    check_exhaustive_oracle(fmt, mode)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", ["e3m2fn", "e2m3fn", "e2m1fn"])
def test_small_exhaustive_full_matrix(fmt, mode):
    check_exhaustive_oracle(fmt, mode)


@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2", "p3109_8p3se", "e4m3fnuz"])
def test_fp8_sampled(fmt, mode):
    f = get_format(fmt)
    rng = np.random.default_rng(abs(hash((fmt, mode))) % 1000)
    a, b, c = fma_triples(f, f, rng, 30000)
    wc, wf = fma_reference(f, a, b, c, Env(parse_rounding(mode)))
    check(FPFMA(f, rounding=mode), {"a": a, "b": b, "c": c}, wc, wf)


# ---- rm port, stochastic, overflow policies, tininess ---------------------------------------


@pytest.mark.parametrize("fmt", ["e2m1fn", "e3m2fn"])
def test_rm_port_exhaustive(fmt):
    f = get_format(fmt)
    unit = FPFMA(f, rounding="port")
    nl = flatten(unit)
    a, b, c = all_triples(f)
    for mode, code in RM_CODES.items():
        r = evaluate(nl, {"a": a, "b": b, "c": c, "rm": np.full(len(a), code)})
        wc, wf = fma_reference(f, a, b, c, Env(Rounding(mode)))
        bad = mismatches(f, r["result"], r["flags"], wc, wf, {"a": a, "b": b, "c": c})
        assert not bad, f"rm={code}:\n" + "\n".join(bad)
    for code in (6, 7):  # reserved codes act as RNE
        r = evaluate(nl, {"a": a[:5000], "b": b[:5000], "c": c[:5000], "rm": code})
        wc, wf = fma_reference(f, a[:5000], b[:5000], c[:5000], Env())
        assert not mismatches(f, r["result"], r["flags"], wc, wf, {"a": a[:5000]})


@pytest.mark.parametrize("mode", [Mode.SR_A, Mode.SR_B, Mode.SR_C])
def test_stochastic_fp4_exhaustive(mode):
    """Every (a, b, c, R) for FP4 with N = 2 random bits."""
    fmt, n = get_format("e2m1fn"), 2
    a, b, c = all_triples(fmt)
    r = np.repeat(np.arange(1 << n), len(a))
    a, b, c = (np.tile(x, 1 << n) for x in (a, b, c))
    unit = FPFMA(fmt, rounding=Rounding(mode, n))
    check_golden_calls(unit, {"a": a, "b": b, "c": c, "rbits": r},
                       lambda i: Env(Rounding(mode, n), random_bits=int(r[i])))


def test_stochastic_e4m3_sampled():
    fmt, n = get_format("e4m3fn"), 4
    rng = np.random.default_rng(9)
    a, b, c = fma_triples(fmt, fmt, rng, 3000)
    r = rng.integers(0, 1 << n, 3000)
    check_golden_calls(FPFMA(fmt, rounding=Rounding(Mode.SR_A, n)), {"a": a, "b": b, "c": c, "rbits": r},
                       lambda i: Env(Rounding(Mode.SR_A, n), random_bits=int(r[i])))


@pytest.mark.parametrize("fmt,overflow,mode", [("e4m3fn", "satfinite", "rne"), ("e5m2", "satfinite", "rne"),
                                               ("e5m2", "satpropagate", "rup"), ("e5m2", "nan", "rne"),
                                               ("e3m2fn", "ieee", "rdn"), ("p3109_8p3se", "satfinite", "rtz")])
def test_overflow_policies(fmt, overflow, mode):
    f = get_format(fmt)
    rng = np.random.default_rng(2)
    a, b, c = fma_triples(f, f, rng, 20000)
    wc, wf = fma_reference(f, a, b, c, Env(parse_rounding(mode), overflow=Overflow(overflow)))
    check(FPFMA(f, rounding=mode, overflow=overflow), {"a": a, "b": b, "c": c}, wc, wf)


@pytest.mark.parametrize("fmt,mode", [("e3m2fn", "rne"), ("e2m3fn", "rup")])
def test_tininess_before_exhaustive(fmt, mode):
    check_exhaustive_oracle(fmt, mode, tininess="before")


# ---- wide and mixed formats (sampled) -------------------------------------------------------


@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", ["bf16", "f16", "f32"])
def test_wide_sampled(fmt, mode):
    f = get_format(fmt)
    rng = np.random.default_rng(abs(hash((fmt, mode))) % 1000)
    a, b, c = fma_triples(f, f, rng, 600)
    env = Env(parse_rounding(mode))
    check_golden_calls(FPFMA(f, rounding=mode), {"a": a, "b": b, "c": c}, lambda i: env)


@pytest.mark.parametrize("fmt,cfmt,mode", [("bf16", "f32", "rne"), ("bf16", "f32", "port"), ("e4m3fn", "bf16", "rne"),
                                           ("e5m2", "f16", "rdn"), ("e2m1fn", "e4m3fn", "rup"),
                                           ("f16", "f32", "rtz")])
def test_mixed_formats_sampled(fmt, cfmt, mode):
    """a, b : fmt; c, y : cfmt (e.g. bf16 x bf16 + f32 -> f32)."""
    f, cf = get_format(fmt), get_format(cfmt)
    rng = np.random.default_rng(4)
    a, b, c = fma_triples(f, cf, rng, 800)
    unit = FPFMA(f, addend_fmt=cf, out_fmt=cf, rounding=mode)
    inputs = {"a": a, "b": b, "c": c}
    if mode == "port":
        inputs["rm"] = rng.integers(0, 6, 800)
        check_golden_calls(unit, inputs, lambda i: Env(Rounding(MODES[int(inputs["rm"][i])])))
    else:
        env = Env(parse_rounding(mode))
        check_golden_calls(unit, inputs, lambda i: env)


def test_mixed_fp4_into_e4m3_exhaustive():
    f, cf = get_format("e2m1fn"), get_format("e4m3fn")
    idx = np.arange(16 * 16 * 256)
    a, b, c = idx >> 12, (idx >> 8) & 15, idx & 255
    env = Env()
    check_golden_calls(FPFMA(f, addend_fmt=cf, rounding="rne"), {"a": a, "b": b, "c": c}, lambda i: env)


def test_narrower_output_rounds_with_its_policy():
    """bf16 operands into an E4M3 result: allowed with an explicit overflow policy."""
    f, out = get_format("bf16"), get_format("e4m3fn")
    rng = np.random.default_rng(8)
    a, b, c = fma_triples(f, f, rng, 600)
    env = Env(overflow=Overflow.SATFINITE)
    check_golden_calls(FPFMA(f, out_fmt=out, overflow="satfinite"), {"a": a, "b": b, "c": c}, lambda i: env)


# ---- structure, pipelining, bad input -------------------------------------------------------


def test_named_stages_and_one_multiplier():
    nl = flatten(FPFMA("bf16", addend_fmt="f32"))
    for name in ["unpack_a_sig", "unpack_b_sig", "unpack_c_sig", "unpack_c_exp", "product", "product_exp",
                 "align_shift", "align_sig", "align_sticky", "sum", "sum_exp", "norm_sig", "norm_exp",
                 "round_guard", "round_sticky", "round_up", "pack_result", "pack_flags"]:
        assert name in nl.signals, name
    muls = [c for c in nl.cells if c.op == "*"]
    assert len(muls) == 1
    assert len(nl.signals["product"]) == 16


@pytest.mark.parametrize("fmt,cfmt", [("f32", "f32"), ("bf16", "f32"), ("f16", "f16")])
def test_window_is_bounded_and_narrow(fmt, cfmt):
    """The alignment window is about 2P + 2 bits (P_out + G + 4 when the output dominates: the
    reference frame's width, `fma_window`), not the exact 400-bit span; all cells ≤ 64 bits."""
    unit = FPFMA(fmt, addend_fmt=cfmt, rounding="port")
    nl = flatten(unit)
    p = get_format(fmt).precision
    assert len(nl.signals["align_sig"]) == unit.window <= max(2 * p, get_format(cfmt).precision) + 5
    assert max(len(c.out) for c in nl.cells) <= 64


@pytest.mark.parametrize("latency", [1, 2, 4, 6])
def test_pipelined_streams_like_combinational(latency):
    rng = np.random.default_rng(latency)
    comb = flatten(FPFMA("e5m2", rounding="port"))
    piped = flatten(FPFMA("e5m2", rounding="port", latency=latency))
    assert piped.is_sequential
    f = get_format("e5m2")
    cycles = []
    for _ in range(latency + 3):
        a, b, c = fma_triples(f, f, rng, 1500)
        cycles.append({"a": a, "b": b, "c": c, "rm": rng.integers(0, 6, 1500)})
    trace = run_cycles(piped, cycles)
    for t in range(len(cycles) - latency):
        want = evaluate(comb, cycles[t])
        for port in ("result", "flags"):
            assert np.array_equal(trace[t + latency][port], want[port]), (t, port)


def test_bad_parameters():
    with pytest.raises(InputError, match="overflow policy"):
        FPFMA("bf16", out_fmt="e4m3fn")
    with pytest.raises(InputError, match="cannot represent"):
        FPFMA("e4m3fn", addend_fmt="f16", out_fmt="e5m2")
    with pytest.raises(Exception, match="rounding"):
        FPFMA("e4m3fn", rounding="nearest-ish")
    with pytest.raises(Exception, match="integer format|unsigned|subnormals|unknown"):
        FPFMA("e4m3fn", addend_fmt="int8")


def test_amaranth_simulator_agrees_on_a_sample():
    """Amaranth's own simulator on the generated FMA (independent of the numpy evaluator)."""
    from amaranth.sim import Simulator

    f, cf = get_format("bf16"), get_format("f32")
    unit = FPFMA(f, addend_fmt=cf, rounding="port")
    rng = np.random.default_rng(3)
    a, b, c = fma_triples(f, cf, rng, 120)
    rm = rng.integers(0, 6, 120)
    got = []

    async def bench(ctx):
        for i in range(len(a)):
            for port, v in ((unit.a, a), (unit.b, b), (unit.c, c), (unit.rm, rm)):
                ctx.set(port, int(v[i]))
            got.append((ctx.get(unit.result), ctx.get(unit.flags)))

    sim = Simulator(unit)
    sim.add_testbench(bench)
    sim.run()
    for i, (code, flags) in enumerate(got):
        wc, wf = mixed_golden(f, cf, cf, int(a[i]), int(b[i]), int(c[i]), Env(Rounding(MODES[int(rm[i])])))
        assert (code == wc or (cf.is_nan(code) and cf.is_nan(wc))) and flags == wf & 0x1F, i


def test_narrow_output_without_policy_exits_2_from_the_cli():
    import subprocess
    import sys
    from pathlib import Path

    r = subprocess.run([sys.executable, "-m", "fpverify.cli", "verilog", "rtl.fp_fma.FPFMA(fmt = bf16, out_fmt = e4m3fn)"],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 2, r.stderr
    assert "overflow policy" in r.stderr and "Traceback" not in r.stderr
