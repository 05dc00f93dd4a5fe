"""Fast conversions vs the golden model (the oracle: `golden.convert`, exact rationals).

Exhaustive over all float16 / bfloat16 inputs (via golden `unary_table`, cached), sampled with
hypothesis for float32/float64 sources including double-rounding traps, stochastic modes with
explicit R, and the specialised kernels/LUT vs the general integer path.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fpverify import golden
from fpverify.fast import convert
from fpverify.fast.convert import dequantize, quantize
from fpverify.fast.tables import unary_table
from fpverify.formats import Overflow, all_formats, get_format
from fpverify.rounding import DETERMINISTIC, RNE, RTZ, RUP, Env, Mode, Rounding

SMALL = [f for f in all_formats() if f.width <= 8]
ML_NAMES = {"float16": "f16", "bfloat16": "bf16"}


def _all_codes(src: str) -> np.ndarray:
    import ml_dtypes

    dt = np.float16 if src == "f16" else ml_dtypes.bfloat16
    return np.arange(1 << 16, dtype=np.uint16).view(dt)


def _exhaustive(src: str, dst, env: Env) -> None:
    want_codes, want_flags = unary_table("convert", src, env, out=dst)
    try:
        got, flags = quantize(_all_codes(src), dst, env, with_flags=True)
    except Exception as exc:  # the golden model must refuse the same combination
        with pytest.raises(type(exc)):
            golden.convert(get_format(src), 0x7C00 if src == "f16" else 0x7F80, get_format(dst), env)
            golden.convert(get_format(src), 0x5BFF, get_format(dst), env)
        return
    bad = np.flatnonzero((got != want_codes) | (flags != want_flags))
    assert bad.size == 0, (src, dst, env, [hex(int(b)) for b in bad[:5]],
                           got[bad[:5]], want_codes[bad[:5]], flags[bad[:5]], want_flags[bad[:5]])


@pytest.mark.parametrize("rnd", [RNE, RTZ, RUP], ids=str)
@pytest.mark.parametrize("src,dst", [("f16", "e4m3fn"), ("f16", "e2m1fn"), ("bf16", "e5m2"),
                                     ("bf16", "mxint8")])
def test_all_f16_bf16_inputs_default_modes(src, dst, rnd):
    _exhaustive(src, dst, Env(rnd))


@pytest.mark.slow
@pytest.mark.parametrize("ov", [None, Overflow.SATFINITE, Overflow.IEEE, Overflow.NAN, Overflow.SATPROPAGATE],
                         ids=lambda o: getattr(o, "value", "default"))
@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
@pytest.mark.parametrize("dst", [f.name for f in SMALL])
@pytest.mark.parametrize("src", ["f16", "bf16"])
def test_all_f16_bf16_inputs_full_matrix(src, dst, rnd, ov):
    fmt = get_format(dst)
    if ov is Overflow.NAN and not getattr(fmt, "has_nan", False):
        pytest.skip("overflow=nan needs a NaN")
    _exhaustive(src, dst, Env(rnd, overflow=ov))


# ---- float32 / float64 sources, hypothesis ------------------------------------------------


def _golden_bits(src_name: str, bits: list[int], fmt, env: Env, r=None):
    src = get_format(src_name)
    out = []
    for i, b in enumerate(bits):
        e = env if r is None else Env(env.rounding, env.overflow, env.tininess, int(r[i]), env.nan_policy)
        res = golden.convert(src, b, fmt, e)
        out.append((res.code, int(res.flags)))
    return out


def _traps(fmt, rng: np.random.Generator, n: int, dtype) -> np.ndarray:
    """Values exactly at, and one source ulp either side of, midpoints between target codes."""
    codes = np.arange(1 << fmt.width)
    vals = dequantize(codes, fmt, np.float64)
    vals = np.unique(vals[np.isfinite(vals)])
    mids = (vals[:-1] + vals[1:]) / 2  # exact in float64 (<= 8-bit values)
    mids = np.concatenate([mids, [vals[-1] * 1.0625, vals[-1] + (vals[-1] - vals[-2]) / 2]])
    pick = rng.choice(mids, size=n).astype(dtype)
    step = rng.integers(-1, 2, size=n)
    return np.nextafter(pick, np.where(step > 0, np.inf, -np.inf).astype(dtype)) * (step != 0) + pick * (step == 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), fmt_i=st.integers(0, len(SMALL) - 1),
       mode_i=st.integers(0, len(DETERMINISTIC) - 1), wide=st.booleans(),
       ov=st.sampled_from([None, Overflow.SATFINITE]))
def test_f32_f64_sources_with_midpoint_traps(seed, fmt_i, mode_i, wide, ov):
    fmt, env = SMALL[fmt_i], Env(DETERMINISTIC[mode_i], overflow=ov)
    rng = np.random.default_rng(seed)
    dtype, udt, name = (np.float64, np.uint64, "f64") if wide else (np.float32, np.uint32, "f32")
    x = _traps(fmt, rng, 40, dtype)
    raw = rng.integers(0, np.iinfo(udt).max, size=20, dtype=udt, endpoint=True).view(dtype)
    x = np.concatenate([x, -x[:10], raw, np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)])
    try:
        got, flags = quantize(x, fmt, env, with_flags=True)
    except Exception as exc:
        with pytest.raises(type(exc)):
            _golden_bits(name, x.view(udt).tolist(), fmt, env)
        return
    want = _golden_bits(name, x.view(udt).tolist(), fmt, env)
    assert list(zip(got.tolist(), flags.tolist())) == want


def test_f64_values_that_round_differently_via_f32():
    """x = 1 + 2^-4 + 2^-40 (e5m2 midpoint plus a bit f32 loses): direct RNE goes up, via f32 ties to even."""
    x = np.array([1 + 2**-3 + 2**-40, -(1 + 2**-3 + 2**-40), 448 + 16 + 2**-30], dtype=np.float64)
    direct = quantize(x, "e5m2")
    via32 = quantize(x.astype(np.float32), "e5m2")
    want = [golden.convert(get_format("f64"), int(b), get_format("e5m2")).code for b in x.view(np.uint64)]
    assert direct.tolist() == want
    assert direct[0] != via32[0]  # the double-rounding trap is real and avoided
    e4 = quantize(x[2:], "e4m3fn")
    assert e4.tolist() == [golden.convert(get_format("f64"), int(x[2:].view(np.uint64)[0]), get_format("e4m3fn")).code]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), fmt_i=st.integers(0, len(SMALL) - 1),
       mode=st.sampled_from([Mode.SR_A, Mode.SR_B, Mode.SR_C]), nbits=st.sampled_from([1, 3, 8, 13, 31]),
       wide=st.booleans())
def test_stochastic_modes_with_explicit_random_bits(seed, fmt_i, mode, nbits, wide):
    fmt, rnd = SMALL[fmt_i], Rounding(mode, nbits)
    rng = np.random.default_rng(seed)
    dtype, udt, name = (np.float64, np.uint64, "f64") if wide else (np.float32, np.uint32, "f32")
    x = np.concatenate([_traps(fmt, rng, 30, dtype),
                        (rng.standard_normal(20) * 2.0 ** rng.integers(-20, 12, 20)).astype(dtype)])
    r = rng.integers(0, 1 << nbits, size=x.size)
    env = Env(rnd)
    try:
        got, flags = quantize(x, fmt, env, random_bits=r, with_flags=True)
        nf = quantize(x, fmt, env, random_bits=r)  # the flag-free kernels
    except Exception as exc:
        with pytest.raises(type(exc)):
            _golden_bits(name, x.view(udt).tolist(), fmt, env, r)
        return
    want = _golden_bits(name, x.view(udt).tolist(), fmt, env, r)
    assert list(zip(got.tolist(), flags.tolist())) == want
    assert nf.tolist() == [w[0] for w in want]


def test_seeded_generator_is_reproducible_and_unbiased():
    x = np.full(200_000, 1 + 2**-5, dtype=np.float32)  # 1/4 of the way from 1 to 1.125 in e4m3fn
    env = Env(Rounding(Mode.SR_A, 8))
    a = quantize(x, "e4m3fn", env, rng=np.random.default_rng(7))
    b = quantize(x, "e4m3fn", env, rng=7)
    assert np.array_equal(a, b)
    up = (a == 0x39).mean()
    assert set(np.unique(a).tolist()) == {0x38, 0x39} and abs(up - 0.25) < 0.01


# ---- the specialised paths agree with the general integer path ------------------------------


@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2", "e2m1fn", "e4m3fnuz", "p3109_8p3se", "bf16", "f16", "int8"])
def test_kernels_and_lut_match_general_path(fmt, monkeypatch):
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2**32, 60_000, dtype=np.uint64).astype(np.uint32)
    e = rng.integers(127 - 30, 127 + 30, bits.size).astype(np.uint32)
    bits[:40_000] = (bits[:40_000] & np.uint32(0x807FFFFF)) | (e[:40_000] << np.uint32(23))
    bits[:500] &= np.uint32(0xFFFF0000)  # exact ties / zero low halves for the LUT sticky bit
    bits[500:1000] = (bits[500:1000] & np.uint32(0xFFFF0000)) | np.uint32(0x8000)
    x = bits.view(np.float32)
    for rnd in DETERMINISTIC + (Rounding(Mode.SR_A, 8), Rounding(Mode.SR_B, 8), Rounding(Mode.SR_C, 8)):
        r = rng.integers(0, 256, x.size) if rnd.mode.stochastic else None
        for ov in (None, Overflow.SATFINITE):
            env = Env(rnd, overflow=ov)
            fast, ff = quantize(x, fmt, env, random_bits=r, with_flags=True)
            fast_nf = quantize(x, fmt, env, random_bits=r)
            monkeypatch.setattr(convert, "_USE_KERNELS", False)
            slow, sf = quantize(x, fmt, env, random_bits=r, with_flags=True)
            monkeypatch.setattr(convert, "_USE_KERNELS", True)
            assert np.array_equal(fast, slow) and np.array_equal(ff, sf) and np.array_equal(fast_nf, slow)


# ---- decoding and ml_dtypes views ------------------------------------------------------------


@pytest.mark.parametrize("fmt", [f.name for f in SMALL] + [pytest.param(n, marks=pytest.mark.slow) for n in ("f16", "bf16")])
def test_dequantize_is_exact_and_round_trips(fmt):
    f = get_format(fmt)
    codes = np.arange(1 << f.width)
    vals = dequantize(codes, f, np.float64)
    for c in codes.tolist():
        try:
            v = f.value(c)
        except Exception:
            continue
        if isinstance(v, float):
            assert (np.isnan(v) and np.isnan(vals[c])) or v == vals[c]
        else:
            assert vals[c] == float(v)
            if v == 0:
                assert np.signbit(vals[c]) == bool(f.has_neg_zero and c & f.sign_bit)
    finite = np.isfinite(vals)
    back = quantize(vals[finite], f)
    again = dequantize(back, f, np.float64)
    assert np.array_equal(again, vals[finite])


def test_ml_dtypes_agree_on_rne_casts():
    import ml_dtypes

    from fpverify.fast import as_ml_dtypes

    x = np.random.default_rng(0).standard_normal(50_000).astype(np.float32) * 2.0 ** np.random.default_rng(1).integers(-12, 10, 50_000)
    for name, dt in [("e4m3fn", ml_dtypes.float8_e4m3fn), ("e5m2", ml_dtypes.float8_e5m2),
                     ("e4m3fnuz", ml_dtypes.float8_e4m3fnuz), ("e2m1fn", ml_dtypes.float4_e2m1fn),
                     ("e3m2fn", ml_dtypes.float6_e3m2fn), ("e2m3fn", ml_dtypes.float6_e2m3fn)]:
        ours = as_ml_dtypes(quantize(x, name), name)
        assert ours.dtype == dt
        theirs = x.astype(dt)
        assert np.array_equal(ours.view(np.uint8), theirs.view(np.uint8)), name


def test_bad_inputs():
    with pytest.raises(TypeError):
        quantize(np.arange(4), "e4m3fn")
    with pytest.raises(ValueError):
        quantize(np.ones(3, np.float32), "e4m3fn", Env(Rounding(Mode.SR_A, 4)), random_bits=np.array([0, 16, 1]))


def test_bf16_underflow_flag_of_f32_subnormals_near_min_normal():
    """After-rounding tininess of an f32 subnormal just below 2^-126 reads bits the bf16 lookup
    table summarises; the flags must still match golden (they take the general path)."""
    from fpverify import golden

    f32, bf16 = get_format("f32"), get_format("bf16")
    bits = np.array([0x007FFFFF, 0x007FFFFE, 0x807FFEF0, 0x007F8001, 0x007F8000, 0x007FC000, 0x00400000],
                    dtype=np.uint32)
    for rnd in DETERMINISTIC:
        env = Env(rnd)
        codes, flags = quantize(bits.view(np.float32), bf16, env, with_flags=True)
        for b, c, f in zip(bits.tolist(), codes.tolist(), flags.tolist()):
            r = golden.convert(f32, b, bf16, env)
            assert (c, f) == (r.code, int(r.flags)), (hex(b), str(rnd))
