"""MXDotTOSA (rtl/mx_dot_tosa.py; `MXDot(..., semantics="tosa")`) against golden.

Oracle: golden `mx_dot_tosa_rounded` (fpverify/golden/blocks.py: golden fp32 mul/add in the TOSA
order, exact rationals; its code is `mx_dot_tosa`'s), itself checked against the fast engine's
`mx_dot_tosa` (fpverify/fast/blocks.py: numpy float32 arithmetic, an independent datapath; codes
only, NaN as a class since numpy's NaN sign is the CPU's). Vectors: dense samples per element
format (special-biased elements, cancelling pairs, scales around the fp32 overflow / underflow
edges and the NaN scale), exhaustive E2M1 k = 2 against the fast engine, Amaranth's simulator on
a few vectors (a cross-check of the evaluator). Seeded TOSA bugs (benchmarks/seeded_bugs/
mx_dot_tosa.py) must disagree with golden and be localised against golden's per-stage trace.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from fpverify.errors import InputError
from fpverify.fast.blocks import MXArray
from fpverify.fast.blocks import mx_dot_tosa as fast_mx_dot_tosa
from fpverify.formats import get_format
from fpverify.golden.blocks import MXBlock, MXPolicy, mx_dot_exact, mx_dot_tosa, mx_dot_tosa_rounded
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten

from rtl.mx_dot import MXDot
from rtl.mx_dot_tosa import MXDotTOSA

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.mx_dot_tosa import ReversedOrderMXDotTOSA, ScaleNotRoundedMXDotTOSA  # noqa: E402

F32 = get_format("f32")
ELEMS = ("e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn", "mxint8")
# scale exponents e = sa + sb - 254 at the fp32 edges: Inf above 127, subnormal below -126, 0 below -149
EDGE_EXPS = (-254, -160, -151, -150, -149, -148, -140, -127, -126, -20, 0, 20, 100, 127, 128, 200, 254)


def special_codes(fmt) -> list[int]:
    """Zeros, extremes and NaN/Inf codes of an element format (both signs)."""
    w = fmt.width
    out = {0, 1 << (w - 1), 1, (1 << (w - 1)) | 1, (1 << (w - 1)) - 1, (1 << w) - 1}
    if hasattr(fmt, "max_code"):
        out |= {fmt.max_code, fmt.max_code | (1 << (w - 1))}
    for c in range(1 << w):
        if hasattr(fmt, "is_nan") and (fmt.is_nan(c) or fmt.is_inf(c)):
            out.add(c)
    return sorted(out)


def blocks(ea: str, eb: str, k: int, n: int, seed: int):
    """n dense sample block pairs: special-biased elements, cancelling halves, edge scales."""
    fa, fb = get_format(ea), get_format(eb)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << fa.width, (n, k))
    b = rng.integers(0, 1 << fb.width, (n, k))
    sp_a, sp_b = np.array(special_codes(fa)), np.array(special_codes(fb))
    a = np.where(rng.random((n, k)) < 0.15, rng.choice(sp_a, (n, k)), a)
    b = np.where(rng.random((n, k)) < 0.15, rng.choice(sp_b, (n, k)), b)
    if k >= 2 and ea == eb:  # cancellation: the second half negates the first half's products
        h = k // 2
        cancel = rng.random(n) < 0.3
        a[cancel, h:2 * h] = a[cancel, :h] ^ (1 << (fa.width - 1))
        b[cancel, h:2 * h] = b[cancel, :h]
    e = np.where(rng.random(n) < 0.5, rng.choice(EDGE_EXPS, n), rng.integers(-254, 255, n))
    sa = np.clip(rng.integers(0, 255, n), np.maximum(e + 254 - 254, 0), np.minimum(e + 254, 254))
    sb = e + 254 - sa
    nan = rng.random(n) < 0.05
    sa = np.where(nan & (rng.random(n) < 0.5), 0xFF, sa)
    sb = np.where(nan & (sa != 0xFF), 0xFF, sb)
    return a, b, sa, sb


def packed(codes: np.ndarray, width: int):
    return sum(codes[:, i].astype(object) << (i * width) for i in range(codes.shape[1]))


def golden(ea, eb, a_row, b_row, sa, sb, trace=None):
    return mx_dot_tosa_rounded([MXBlock(int(sa), tuple(map(int, a_row)))], [MXBlock(int(sb), tuple(map(int, b_row)))],
                               ea, eb, trace=trace)


def run(unit, a, b, sa, sb, probes=()):
    ins = {"a": packed(a, unit.elem_a.width), "b": packed(b, unit.elem_b.width), "scale_a": sa, "scale_b": sb}
    return evaluate(flatten(unit), ins, probes)


def mismatches(unit, a, b, sa, sb) -> list[int]:
    r = run(unit, a, b, sa, sb)
    ea, eb = unit.elem_a.name, unit.elem_b.name
    bad = []
    for i in range(len(sa)):
        g = golden(ea, eb, a[i], b[i], sa[i], sb[i])
        if int(r["result"][i]) != g.code or int(r["flags"][i]) != int(g.flags):
            bad.append(i)
    return bad


def fast_codes(ea, eb, a, b, sa, sb) -> np.ndarray:
    k = a.shape[1]
    pol = MXPolicy(block_size=k)
    x = MXArray(np.asarray(sa, np.uint8)[:, None], a.astype(np.uint8), get_format(ea), pol)
    y = MXArray(np.asarray(sb, np.uint8)[:, None], b.astype(np.uint8), get_format(eb), pol)
    return fast_mx_dot_tosa(x, y)


def same_as_fast(codes: np.ndarray, fast: np.ndarray) -> np.ndarray:
    """Bitwise equal to the fast engine's float32, NaN as a class."""
    bits = fast.view(np.uint32).astype(np.uint64)
    codes = np.asarray(codes, dtype=np.uint64)
    is_nan = ((codes >> 23) & 0xFF == 0xFF) & (codes & 0x7FFFFF != 0)
    return np.where(np.isnan(fast), is_nan, codes == bits)


# ---- the oracle itself ---------------------------------------------------------------------------

@pytest.mark.parametrize("elem", ELEMS)
def test_golden_rounded_is_mx_dot_tosa_and_agrees_with_fast(elem):
    for k, n in ((1, 150), (4, 150), (32, 25)):
        a, b, sa, sb = blocks(elem, elem, k, n, seed=k + 100)
        codes = []
        for i in range(n):
            blk_a, blk_b = [MXBlock(int(sa[i]), tuple(map(int, a[i])))], [MXBlock(int(sb[i]), tuple(map(int, b[i])))]
            r = mx_dot_tosa_rounded(blk_a, blk_b, elem)
            assert r.code == mx_dot_tosa(blk_a, blk_b, elem), (a[i], b[i], sa[i], sb[i])
            codes.append(r.code)
        assert same_as_fast(np.array(codes), fast_codes(elem, elem, a, b, sa, sb)).all()


# ---- the unit against golden -------------------------------------------------------------------

@pytest.mark.parametrize("elem", ELEMS)
@pytest.mark.parametrize("k", [1, 2, 4])
def test_against_golden(elem, k):
    a, b, sa, sb = blocks(elem, elem, k, 600, seed=k)
    bad = mismatches(MXDot(elem, k, semantics="tosa"), a, b, sa, sb)
    assert not bad, f"{len(bad)} mismatches, first {a[bad[0]]} {b[bad[0]]} {sa[bad[0]]} {sb[bad[0]]}"


@pytest.mark.parametrize("ea,eb,k", [("e4m3fn", "e5m2", 4), ("e2m1fn", "mxint8", 3), ("e5m2", "e5m2", 8)])
def test_mixed_elements_and_other_k(ea, eb, k):
    a, b, sa, sb = blocks(ea, eb, k, 300, seed=7)
    assert not mismatches(MXDotTOSA(ea, k, elem_b=eb), a, b, sa, sb)


@pytest.mark.slow
@pytest.mark.parametrize("elem", ELEMS)
def test_against_golden_k32(elem):
    """k = 32 (the OCP block): 31 fp32 adders in sequence (elaboration alone takes ~3 s)."""
    a, b, sa, sb = blocks(elem, elem, 32, 200, seed=32)
    assert not mismatches(MXDotTOSA(elem, 32), a, b, sa, sb)


def test_e2m1_k2_exhaustive_against_fast_engine():
    """Every pair of E2M1 blocks (2^16) under scale exponents at each fp32 edge; codes against the
    fast engine (flags against golden on a stride of the same vectors)."""
    unit = MXDotTOSA("e2m1fn", 2)
    nl = flatten(unit)
    idx = np.arange(1 << 16)
    a, b = np.stack([idx & 15, (idx >> 4) & 15], 1), np.stack([(idx >> 8) & 15, idx >> 12], 1)
    for sa, sb in ((127, 127), (254, 254), (255, 127), (1, 103), (2, 103), (20, 105)):
        sav, sbv = np.full(len(idx), sa), np.full(len(idx), sb)
        r = evaluate(nl, {"a": idx & 0xFF, "b": idx >> 8, "scale_a": sav, "scale_b": sbv})
        ok = same_as_fast(r["result"], fast_codes("e2m1fn", "e2m1fn", a, b, sav, sbv))
        assert ok.all(), f"scales {sa},{sb}: first mismatch at {np.flatnonzero(~ok)[0]}"
        for i in range(sa % 7, len(idx), 1031):
            g = golden("e2m1fn", "e2m1fn", a[i], b[i], sa, sb)
            assert (int(r["result"][i]), int(r["flags"][i])) == (g.code, int(g.flags)), (a[i], b[i], sa, sb)


@pytest.mark.slow
def test_e2m1_k2_exhaustive_flags_against_golden():
    """Every pair of E2M1 blocks at two scale pairs, codes and flags against golden (~45 s loaded)."""
    unit = MXDotTOSA("e2m1fn", 2)
    idx = np.arange(1 << 16)
    a, b = np.stack([idx & 15, (idx >> 4) & 15], 1), np.stack([(idx >> 8) & 15, idx >> 12], 1)
    for sa, sb in ((2, 103), (254, 254)):
        assert not mismatches(unit, a, b, np.full(len(idx), sa), np.full(len(idx), sb))


# ---- specials, spelled out (each also checked against golden) -------------------------------------

E5M2_ONE, E5M2_INF, E5M2_NAN, E5M2_MAX = 0x3C, 0x7C, 0x7E, 0x7B
NX, UF, OF, NV = 1, 2, 4, 16
SPECIAL_CASES = [
    # (a codes, b codes, sa, sb, expected f32 code, expected flags)
    ((E5M2_ONE, E5M2_ONE), (E5M2_ONE, E5M2_ONE), 127, 127, 0x40000000, 0),  # 1 + 1 = 2
    ((E5M2_INF, 0), (0, E5M2_ONE), 127, 127, 0x7FC00000, NV),  # Inf * 0: NaN, invalid
    ((E5M2_INF, E5M2_INF | 0x80), (E5M2_ONE, E5M2_ONE), 127, 127, 0x7FC00000, NV),  # Inf - Inf
    ((E5M2_INF, E5M2_ONE), (E5M2_ONE, E5M2_ONE), 127, 127, 0x7F800000, 0),  # Inf propagates
    ((E5M2_NAN, E5M2_ONE), (E5M2_ONE, E5M2_ONE), 127, 127, 0x7FC00000, 0),  # NaN element: quiet
    ((E5M2_ONE, E5M2_ONE), (E5M2_ONE, E5M2_ONE), 0xFF, 127, 0x7FC00000, 0),  # NaN scale
    ((E5M2_INF, 0), (0, 0), 127, 0xFF, 0x7FC00000, NV),  # NaN scale, Inf*0 still raises invalid
    ((0x80, 0x80), (E5M2_ONE, E5M2_ONE), 127, 127, 0, 0),  # -0 * 1 + -0 * 1: +0 (sum from +0)
    ((E5M2_ONE | 0x80, 0), (E5M2_ONE, 0), 0, 0, 0, UF | NX),  # -1 * fp32(2^-254) = -1 * 0 = -0; + +0 = +0
    ((E5M2_MAX, E5M2_MAX), (E5M2_MAX, E5M2_MAX), 254, 254, 0x7F800000, OF | NX),  # scale 2^254: Inf
    ((0, 0), (0, 0), 254, 254, 0x7FC00000, OF | NX | NV),  # 0 * Inf scale: invalid
    ((E5M2_MAX, 0), (E5M2_MAX, 0), 1, 103, 0, UF | NX),  # e = -150: fp32(2^-150) = 0, not 2^-118
    ((E5M2_ONE, 0), (E5M2_ONE, 0), 1, 104, 1, 0),  # e = -149: the smallest subnormal, exact
    ((E5M2_ONE, E5M2_ONE), (0x01, 0x01), 127, 127, 0x38000000, 0),  # 2^-16 + 2^-16: exact
    ((E5M2_MAX, 0x01), (E5M2_MAX, 0x01), 127, 127, 0x4F440000, NX),  # 57344^2 + 2^-32: inexact sum
]


@pytest.mark.parametrize("case", range(len(SPECIAL_CASES)))
def test_specials(case):
    ca, cb, sa, sb, code, flags = SPECIAL_CASES[case]
    g = golden("e5m2", "e5m2", ca, cb, sa, sb)
    assert (g.code, int(g.flags)) == (code, flags), "golden disagrees with the stated TOSA semantics"
    r = run(MXDotTOSA("e5m2", 2), np.array([ca]), np.array([cb]), np.array([sa]), np.array([sb]))
    assert (int(r["result"][0]), int(r["flags"][0])) == (code, flags)


# ---- Amaranth's simulator: a cross-check of the evaluator ----------------------------------------

def test_amaranth_simulator_agrees_with_the_evaluator():
    from fpverify.hdl import pysim

    a, b, sa, sb = blocks("e4m3fn", "e4m3fn", 2, 12, seed=5)
    vec = {"a": [int(x) for x in packed(a, 8)], "b": [int(x) for x in packed(b, 8)],
           "scale_a": [int(x) for x in sa], "scale_b": [int(x) for x in sb]}
    sim = pysim.simulate(MXDotTOSA("e4m3fn", 2), vec, outputs=["result", "flags"])
    ev = evaluate(flatten(MXDotTOSA("e4m3fn", 2)), vec)
    for port in ("result", "flags"):
        assert [int(x) for x in sim[port]] == [int(x) for x in ev[port]]
    for i in range(len(sa)):
        g = golden("e4m3fn", "e4m3fn", a[i], b[i], sa[i], sb[i])
        assert (int(sim["result"][i]), int(sim["flags"][i])) == (g.code, int(g.flags))


# ---- seeded TOSA bugs: caught by the evaluator cross-check, localised on golden's trace ------------

STAGE_ORDER = lambda k: [f"tosa_prod{i}" for i in range(k)] + [f"tosa_blk{i}" for i in range(k)] + \
    ["tosa_scale", "tosa_scaled", "result"]  # noqa: E731


@pytest.mark.parametrize("bug,elem,k,stages", [(ReversedOrderMXDotTOSA, "e4m3fn", 4, ("tosa_blk0",)),
                                               (ScaleNotRoundedMXDotTOSA, "e2m1fn", 2, ("tosa_scale", "tosa_scaled"))])
def test_seeded_bugs_are_caught_and_localised(bug, elem, k, stages):
    """The first stage (in datapath order) whose code differs from golden's trace is the one the bug
    changes (the unrounded scale's own code may still read 0: then the scale multiply is first)."""
    a, b, sa, sb = blocks(elem, elem, k, 300, seed=13)
    bad = mismatches(bug(elem, k), a, b, sa, sb)
    assert bad, "the seeded bug was not caught"
    i = bad[0]
    trace: dict[str, int] = {}
    golden(elem, elem, a[i], b[i], sa[i], sb[i], trace)
    names = STAGE_ORDER(k)
    got = run(bug(elem, k), a[i:i + 1], b[i:i + 1], sa[i:i + 1], sb[i:i + 1], probes=names[:-1])
    first = next(s for s in names if int(got[s][0]) != trace[s])
    assert first in stages
    assert not mismatches(MXDotTOSA(elem, k), a[i:i + 1], b[i:i + 1], sa[i:i + 1], sb[i:i + 1])


# ---- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("kw,msg", [(dict(out_fmt="bf16"), "out_fmt must be f32"), (dict(rounding="rtz"), "nearest-even"),
                                    (dict(rounding="port"), "nearest-even"), (dict(rounding="sra8"), "nearest-even"),
                                    (dict(overflow="satfinite"), "overflow"), (dict(tininess="before"), "tininess"),
                                    (dict(k=0), "k must be"), (dict(k=65), "k must be"),
                                    (dict(elem="f16"), "not an MX element")])
def test_bad_parameters(kw, msg):
    args = dict(elem="e4m3fn", k=4, semantics="tosa")
    args.update(kw)
    with pytest.raises(InputError, match=msg):
        MXDot(**args)


def test_semantics_parameter_selects_the_unit():
    units = {MXDotTOSA: [MXDot("e2m1fn", 2, semantics="tosa"), MXDot("e2m1fn", 2, "f32", "rne", None, "after", None, "TOSA")],
             MXDot: [MXDot("e2m1fn", 2), MXDot("e2m1fn", 2, semantics="exact")]}
    for cls, made in units.items():
        for u in made:
            assert type(u) is cls
            flatten(u)  # elaborated (no UnusedElaboratable warning)


def test_bad_semantics_from_the_cli_exits_2():
    import subprocess

    r = subprocess.run([sys.executable, "-m", "fpverify.cli", "verilog",
                        "rtl.mx_dot.MXDot(elem = e4m3fn, k = 4, semantics = tosa, out_fmt = bf16)"],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 2, r.stderr
    assert "out_fmt must be f32" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("elem", ["e2m3fn", "e3m2fn", "e2m1fn", "mxint8"])
def test_small_elements_tosa_sum_is_exact(elem):
    """For these formats every fp32 partial sum of k <= 64 products is exact (|sum| / quantum < 2^24,
    e.g. E3M2: 64 * 784 / 2^-8 < 2^24), so with a scale that fp32 holds exactly (-149 <= e <= 127) the
    TOSA order gives the exact sum rounded once (golden `mx_dot_exact`): the documented claim."""
    a, b, _, _ = blocks(elem, elem, 64, 30, seed=64)
    rng = np.random.default_rng(1)
    for i in range(len(a)):
        e = int(rng.integers(-149, 128))
        sa = int(rng.integers(max(e, 0), min(e + 254, 254) + 1))
        blk_a, blk_b = [MXBlock(sa, tuple(map(int, a[i])))], [MXBlock(e + 254 - sa, tuple(map(int, b[i])))]
        assert mx_dot_tosa(blk_a, blk_b, elem) == mx_dot_exact(blk_a, blk_b, elem).code
