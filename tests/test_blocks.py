"""Block formats: fast (numpy) vs golden (exact rationals) on hypothesis blocks, plus known examples.

Oracle: `fpverify.golden.blocks` (exact; element rounding through the golden kernel). Known
examples from formats.md §5 and ml_dtypes/gfloat conventions pin the golden model itself.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st

from fpverify.fast import blocks as F
from fpverify.golden import blocks as G
from fpverify.golden.blocks import ExpOverflow, MXPolicy, NanInBlock, NVFP4Order, NVFP4Policy, ScaleRule, ZeroBlock
from fpverify.formats import get_format
from fpverify.rounding import Env, Mode, Rounding

ELEMS = ["e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn", "mxint8"]


def _block_values(draw_seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(draw_seed)
    kind = rng.integers(0, 4)
    scale = 2.0 ** rng.integers(-140, 130)
    x = rng.standard_normal(n) * scale
    if kind == 1:  # exact element grid points and midpoints
        x = np.round(rng.standard_normal(n) * 16) / 8 * 2.0 ** rng.integers(-5, 5)
    if kind == 2:
        x[rng.integers(0, n, 3)] = 0.0
    with np.errstate(over="ignore"):
        return x.astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), elem=st.sampled_from(ELEMS), rule=st.sampled_from(list(ScaleRule)),
       zero=st.sampled_from(list(ZeroBlock)), expov=st.sampled_from(list(ExpOverflow)),
       rnd=st.sampled_from([Mode.RNE, Mode.RNA]), neg2=st.booleans())
def test_mx_quantize_fast_matches_golden(seed, elem, rule, zero, expov, rnd, neg2):
    if rule is ScaleRule.EVEN and elem == "mxint8":
        rule = ScaleRule.OCP_FLOOR
    pol = MXPolicy(rule, zero, expov, NanInBlock.NAN_SCALE, Rounding(rnd), neg2)
    x = np.concatenate([_block_values(seed, 32), _block_values(seed + 1, 32), np.zeros(32, np.float32)])
    x = np.where(np.isfinite(x), x, np.float32(1e38)).astype(np.float32)
    q = F.mx_quantize(x, elem, pol)
    want = G.mx_quantize([float(v) for v in x], elem, pol)
    assert q.scales.tolist() == [b.scale for b in want]
    assert q.codes.tolist() == [c for b in want for c in b.codes]
    deq = F.mx_dequantize(q, np.float64)
    gd = G.mx_dequantize(want, elem, pol)
    assert all((math.isnan(g) and math.isnan(d)) if isinstance(g, float) else Fraction(float(d)) == g
               for d, g in zip(deq.tolist(), gd))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), elem=st.sampled_from(ELEMS), nblocks=st.integers(1, 3))
def test_mx_dots_fast_match_golden(seed, elem, nblocks):
    xa = np.concatenate([_block_values(seed + i, 32) for i in range(nblocks)])
    xb = np.concatenate([_block_values(seed + 7 + i, 32) for i in range(nblocks)])
    xa, xb = (np.nan_to_num(v, posinf=1e30, neginf=-1e30).astype(np.float32) for v in (xa, xb))
    qa, qb = F.mx_quantize(xa, elem), F.mx_quantize(xb, elem)
    ga, gb = G.mx_quantize([float(v) for v in xa], elem), G.mx_quantize([float(v) for v in xb], elem)
    exact = F.mx_dot_exact(qa, qb)
    assert int(exact) == G.mx_dot_exact(ga, gb, elem).code
    tosa = F.mx_dot_tosa(qa, qb)
    assert int(np.float32(tosa).view(np.uint32)) == G.mx_dot_tosa(ga, gb, elem) or (
        np.isnan(tosa) and get_format("f32").is_nan(G.mx_dot_tosa(ga, gb, elem)))


def test_mx_batched_rows():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 64)).astype(np.float32)
    y = rng.standard_normal((3, 64)).astype(np.float32)
    qa, qb = F.mx_quantize(x, "e4m3fn"), F.mx_quantize(y, "e4m3fn")
    assert qa.scales.shape == (3, 2) and qa.codes.shape == (3, 64)
    got = F.mx_dot_exact(qa, qb)
    for r in range(3):
        ga = G.mx_quantize([float(v) for v in x[r]], "e4m3fn")
        gb = G.mx_quantize([float(v) for v in y[r]], "e4m3fn")
        assert int(got[r]) == G.mx_dot_exact(ga, gb, "e4m3fn").code


def test_known_examples():
    # formats.md §5.1: E2M1 block with amax 7 gets X = 1 and 7 becomes 6
    b = G.mx_quantize_block([7.0] + [0.0] * 31, "e2m1fn")
    assert b.scale == 127 and b.codes[0] == 0x7
    q = F.mx_quantize(np.array([7.0] + [0.0] * 31, np.float32), "e2m1fn")
    assert q.scales[0] == 127 and q.codes[0] == 0x7 and F.mx_dequantize(q)[0] == 6.0
    # emax_elem per formats.md
    assert [G.emax_elem(get_format(e)) for e in ELEMS] == [8, 15, 2, 4, 2, 0]
    # all-zero block: X = 2^-127 (code 0); FP32_MIN_NORMAL floor: 2^(-126 - emax)
    assert G.mx_quantize_block([0.0] * 32, "e4m3fn").scale == 0
    assert G.mx_quantize_block([0.0] * 32, "mxint8", MXPolicy(zero_block=ZeroBlock.FP32_MIN_NORMAL)).scale == 127 - 126
    assert G.mx_quantize_block([2.0**-140] * 32, "mxint8", MXPolicy(zero_block=ZeroBlock.FP32_MIN_NORMAL)).scale == 1
    # NaN in the block: NaN scale (TOSA), decodes to all NaN
    nb = G.mx_quantize_block([1.0, float("nan")] + [0.0] * 30, "e4m3fn")
    assert nb.scale == 0xFF and all(math.isnan(v) for v in G.mx_block_values(nb, "e4m3fn"))
    # shared exponent > 127: clip vs NaN
    big = [3.0e38] * 32  # 2^127.8: CEIL with MXINT8 (emax 0) asks for 2^128
    assert G.mx_quantize_block(big, "mxint8", MXPolicy(ScaleRule.CEIL)).scale == 254
    assert G.mx_quantize_block(big, "mxint8", MXPolicy(ScaleRule.CEIL, exp_overflow=ExpOverflow.NAN)).scale == 0xFF
    assert F.mx_quantize(np.array(big, np.float32), "mxint8", MXPolicy(ScaleRule.CEIL, exp_overflow=ExpOverflow.NAN)).scales[0] == 0xFF
    # MXINT8: -2 allowed by default, symmetric with the knob
    assert G.mx_quantize_block([-1.999, 1.0], "mxint8").codes[0] == 0x80  # X = 1, -1.999 -> -128/64
    assert G.mx_quantize_block([-1.999, 1.0], "mxint8", MXPolicy(mxint8_allow_neg2=False)).codes[0] == 0x81
    assert F.mx_quantize(np.array([-1.999] + [1.0] * 31, np.float32), "mxint8",
                         MXPolicy(mxint8_allow_neg2=False)).codes[0] == 0x81
    # scale rules differ where documented: amax 7 in E2M1 -> FLOOR X=1 (clamps), CEIL/TOSA X=2
    assert G.mx_quantize_block([7.0], "e2m1fn", MXPolicy(ScaleRule.CEIL)).scale == 128
    assert G.mx_quantize_block([7.0], "e2m1fn", MXPolicy(ScaleRule.TOSA)).scale == 128
    # E4M3 TOSA: amax 464 = out_max -> ceil(log2 1) = 0
    assert G.mx_quantize_block([464.0], "e4m3fn", MXPolicy(ScaleRule.TOSA)).scale == 127


def test_mx_elements_match_ml_dtypes_after_scaling():
    import ml_dtypes

    x = np.random.default_rng(2).standard_normal(32 * 50).astype(np.float32)
    q = F.mx_quantize(x, "e4m3fn")
    xb = x.reshape(50, 32)
    e = q.scales.astype(np.int64) - 127
    scaled = np.ldexp(xb.astype(np.float64), -e[:, None]).astype(np.float32)  # exact here (normal range)
    ref = np.clip(scaled, -448, 448).astype(ml_dtypes.float8_e4m3fn).view(np.uint8).ravel()
    assert np.array_equal(q.codes, ref)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), order=st.sampled_from(list(NVFP4Order)), sr=st.booleans())
def test_nvfp4_fast_matches_golden(seed, order, sr):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(48) * 2.0 ** rng.integers(-30, 30)).astype(np.float32)
    x[rng.integers(0, 48, 4)] = 0
    if rng.integers(0, 4) == 0:
        x[:16] = 0  # an all-zero block
    pol = NVFP4Policy(order, Rounding(Mode.SR_A, 8) if sr else Rounding(Mode.RNE))
    r = rng.integers(0, 256, 48) if sr else None
    q = F.nvfp4_quantize(x, pol, random_bits=r)
    g = G.nvfp4_quantize([float(v) for v in x], pol, random_bits=None if r is None else r.tolist())
    assert Fraction(float(q.s_enc)) == g.s_enc and Fraction(float(q.s_dec)) == g.s_dec
    assert q.scales.tolist() == list(g.scales) and q.codes.tolist() == list(g.codes)
    assert [Fraction(float(v)) for v in F.nvfp4_dequantize(q)] == G.nvfp4_dequantize(g, pol)



def test_nvfp4_known_scale():
    # amax_tensor = amax_block = 2688/448*6... choose amax 6: S_enc = 448, block scale 6*448/6 = 448 -> 0x7E
    g = G.nvfp4_quantize([6.0, 3.0, -1.5] + [0.0] * 13)
    assert g.s_enc == 448 and g.scales == (0x7E,)
    assert g.codes[:3] == (0x7, 0x5, 0xB)  # 6, 3, -1.5 exactly
    # x̂ = fp32(fp32(q * s_b) * S_dec) with S_dec = fp32(1/448): within one fp32 ulp of x
    deq = G.nvfp4_dequantize(g)[:3]
    assert all(abs(d - v) <= abs(v) * Fraction(1, 2**23) for d, v in zip(deq, [6, 3, Fraction(-3, 2)]))
    assert [Fraction(float(v)) for v in F.nvfp4_dequantize(F.nvfp4_quantize(
        np.array([6.0, 3.0, -1.5] + [0.0] * 13, np.float32)))[:3]] == deq
    # exact NVFP4 dot: Σ (q s_b S_dec)(q' s_b' S_dec') with one rounding
    dot = G.nvfp4_dot_exact(g, g)
    assert dot.code == G.from_value(sum(E * E for E in [Fraction(6), Fraction(3), Fraction(3, 2)]) * (448 * g.s_dec) ** 2,
                                    G.F32).code


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 3), out=st.sampled_from(["f32", "bf16", "e4m3fn"]),
       mode=st.sampled_from([Mode.RNE, Mode.RTZ, Mode.RUP]))
def test_nvfp4_fast_dot_matches_golden(seed, rows, out, mode):
    """Oracle: golden nvfp4_dot_exact (exact rationals, one rounding) on each row."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, 64)) * 2.0 ** rng.integers(-20, 20)).astype(np.float32)
    y = (rng.standard_normal((rows, 64)) * 2.0 ** rng.integers(-20, 20)).astype(np.float32)
    y[:, 16:32] = 0  # an all-zero block on one side
    env = Env(Rounding(mode))
    qa = [F.nvfp4_quantize(x[r]) for r in range(rows)]
    qb = [F.nvfp4_quantize(y[r]) for r in range(rows)]
    for r in range(rows):
        got = F.nvfp4_dot_exact(qa[r], qb[r], out, env)
        ga = G.NVFP4Tensor(Fraction(float(qa[r].s_enc)), Fraction(float(qa[r].s_dec)),
                           tuple(qa[r].scales.tolist()), tuple(qa[r].codes.tolist()))
        gb = G.NVFP4Tensor(Fraction(float(qb[r].s_enc)), Fraction(float(qb[r].s_dec)),
                           tuple(qb[r].scales.tolist()), tuple(qb[r].codes.tolist()))
        assert int(got) == G.nvfp4_dot_exact(ga, gb, out, env).code
