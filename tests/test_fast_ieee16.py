"""float32 -> f16 / bf16 on chunks by bit rounding (`fast.ieee16`), in all six deterministic modes.

Oracles: the golden model (`golden.convert`, exact rationals) on a trap set built here (ties,
one float32 ulp either side, overflow thresholds, subnormal boundaries, NaN payloads, ±0, float32
subnormals); the general integer path of `fast.convert` (``_kernels=False``, itself checked
against golden in test_fast_convert.py) on every bf16 / f16 code's neighbourhood (all 2^16
codes); numpy's float32 -> float16 cast and ml_dtypes' float32 -> bfloat16 cast for RNE (IEEE
round-to-nearest-even with gradual underflow and overflow to Inf: exact for non-NaN inputs).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpverify import golden
from fpverify.fast import convert, ieee16
from fpverify.formats import NanPolicy, Overflow, get_format
from fpverify.rounding import DETERMINISTIC, Env, Mode, Rounding

ml_dtypes = pytest.importorskip("ml_dtypes")

NAN_BITS = [0x7F800001, 0x7FBFFFFF, 0x7FC00000, 0x7FFFFFFF, 0x7F80FFFF, 0x7FFF0001, 0x7FFF8000,
            0xFF800001, 0xFFC00000, 0xFFFFFFFF, 0xFFFF0001, 0xFFFF8000, 0xFF80FFFF]


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).astype(np.float32)


def _both_signs(bits: np.ndarray) -> np.ndarray:
    bits = np.asarray(bits, dtype=np.uint32) & np.uint32(0x7FFFFFFF)
    return np.concatenate([bits, bits | np.uint32(0x80000000)])


def _bf16_neighbourhoods() -> np.ndarray:
    """Every bf16 code (as a float32 high half) with the low halves that decide every mode."""
    hi = np.arange(1 << 16, dtype=np.uint32) << np.uint32(16)
    lows = np.array([0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x4000, 0xC000], np.uint32)
    return (hi[:, None] | lows[None, :]).ravel()


def _f16_neighbourhoods() -> np.ndarray:
    """Every finite f16 magnitude code: its value, the midpoint to the next code, and one float32
    ulp either side of both (exact: f16 values and midpoints have <= 12 significant bits)."""
    v = np.arange(0x7C00, dtype=np.uint16).view(np.float16).astype(np.float64)
    nxt = np.append(v[1:], 65536.0)  # the midpoint above the largest finite is the overflow threshold
    mid = ((v + nxt) / 2).astype(np.float32).view(np.uint32)
    val = v.astype(np.float32).view(np.uint32)
    pts = [val, val + np.uint32(1), mid - np.uint32(1), mid, mid + np.uint32(1), val[1:] - np.uint32(1)]
    return _both_signs(np.concatenate(pts))


def _edges() -> np.ndarray:
    """Specials, zeros, float32 subnormals, overflow thresholds and the bottom of both formats."""
    vals = [0.0, 2.0**-149, 2.0**-130, 2.0**-126, 2.0**-27, 2.0**-26, 2.0**-25, 2.0**-24, 1.5 * 2.0**-25,
            2.0**-14, 65504.0, 65519.0, 65520.0, 65536.0, 1e5, 3.3895313892515355e38,
            3.3961775292304990e38, 3.4028234663852886e38, np.inf]
    bits = [*_f32(vals).view(np.uint32).tolist(), 1, 0x7FFFFF, 0x400000, 0x8000, 0x18000, 0x7F7F7FFF,
            0x7F7F8000, 0x7F7F8001, 0x7F7FFFFF, 0x7F7F0001, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x477FFFFF]
    return np.concatenate([_both_signs(np.array(bits, np.uint32)), np.array(NAN_BITS, np.uint32)])


def _bits(name: str) -> np.ndarray:
    return np.concatenate([_bf16_neighbourhoods() if name == "bf16" else _f16_neighbourhoods(), _edges()])


def _integer_path(x: np.ndarray, name: str, env: Env) -> np.ndarray:
    return convert.quantize(x, name, env, _kernels=False)


@pytest.mark.parametrize("name", ["bf16", "f16"])
@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
def test_every_code_neighbourhood_equals_integer_path(name, rnd):
    bits = _bits(name)
    x = bits.view(np.float32)
    env = Env(rnd)
    assert ieee16.supports(get_format(name), env)
    got = convert.quantize(x, name, env)
    want = _integer_path(x, name, env)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, [(hex(int(b)), hex(int(g)), hex(int(w))) for b, g, w in
                           zip(bits[bad[:5]], got[bad[:5]], want[bad[:5]])]


@pytest.mark.parametrize("name", ["bf16", "f16"])
@pytest.mark.parametrize("policy", [Overflow.SATFINITE, Overflow.SATPROPAGATE, Overflow.NAN])
def test_other_overflow_policies_equal_integer_path(name, policy):
    rng = np.random.default_rng(7)
    bits = _bits(name)
    bits = np.concatenate([_edges(), rng.choice(bits, 20000)])
    x = bits.view(np.float32)
    for rnd in DETERMINISTIC:
        env = Env(rnd, overflow=policy)
        got = convert.quantize(x, name, env)
        want = _integer_path(x, name, env)
        assert np.array_equal(got, want), (str(rnd), [hex(int(b)) for b in bits[got != want][:5]])


def _golden(bits: np.ndarray, name: str, env: Env) -> list[int]:
    f32, fmt = get_format("f32"), get_format(name)
    return [golden.convert(f32, int(b), fmt, env).code for b in bits.tolist()]


@pytest.mark.parametrize("name", ["bf16", "f16"])
def test_traps_equal_golden_in_all_modes(name):
    """Ties, one ulp either side, thresholds, subnormal boundaries, NaN payloads against golden."""
    rng = np.random.default_rng(11)
    bits = np.concatenate([_edges(), rng.choice(_bits(name), 400, replace=False)])
    x = bits.view(np.float32)
    for rnd in DETERMINISTIC:
        for policy in (None, Overflow.SATFINITE):
            env = Env(rnd, overflow=policy)
            got = convert.quantize(x, name, env).tolist()
            want = _golden(bits, name, env)
            bad = [(hex(b), hex(g), hex(w)) for b, g, w in zip(bits.tolist(), got, want) if g != w]
            assert not bad, (str(rnd), policy, bad[:5])


@pytest.mark.parametrize("name", ["bf16", "f16"])
def test_rne_equals_library_cast_for_non_nan(name):
    """The libraries' RNE casts are IEEE RNE: the same codes wherever x is not a NaN."""
    x = _bits(name).view(np.float32)
    x = x[~np.isnan(x)]
    dt = np.float16 if name == "f16" else ml_dtypes.bfloat16
    with np.errstate(over="ignore"):
        lib = x.astype(dt).view(np.uint16)
    assert np.array_equal(convert.quantize(x, name), lib)


@pytest.mark.parametrize("name", ["bf16", "f16"])
def test_nan_results_follow_the_nan_policy(name):
    fmt = get_format(name)
    x = np.array(NAN_BITS, np.uint32).view(np.float32)
    for rnd in DETERMINISTIC:
        for nanp in (None, NanPolicy.ZERO):
            env = Env(rnd, nan_policy=nanp)
            assert set(convert.quantize(x, name, env).tolist()) == {golden.convert(
                get_format("f32"), 0x7FC00000, fmt, env).code}


@pytest.mark.parametrize("name", ["bf16", "f16"])
def test_chunk_boundaries_shapes_and_rare_elements(name, monkeypatch):
    """Small chunks so that specials sit on and across chunk edges; 2-D, strided and empty input."""
    monkeypatch.setattr(ieee16, "CHUNK_BF16", 1000)
    monkeypatch.setattr(ieee16, "CHUNK_F16", 1000)
    rng = np.random.default_rng(3)
    u = rng.integers(0, 1 << 32, 5003, dtype=np.uint64).astype(np.uint32)
    u[::997] = np.uint32(0x7FC00000)
    u[999:1002] = np.array([0xFF800000, 0x7F7FFFFF, 0x477FF001], np.uint32)
    x = u.view(np.float32)
    if name == "f16":  # move most exponents near f16's range (subnormals, overflow, NaNs kept)
        e = (np.uint32(96) + ((u >> np.uint32(23)) & np.uint32(63))) << np.uint32(23)  # 2^-31 .. 2^32
        x = ((u & np.uint32(0x807FFFFF)) | e).view(np.float32)
        x[::997] = np.nan
    for rnd in DETERMINISTIC:
        for policy in (None, Overflow.SATFINITE):
            env = Env(rnd, overflow=policy)
            assert np.array_equal(convert.quantize(x, name, env), _integer_path(x, name, env))
    y = np.concatenate([x, x[:1]]).reshape(36, 139)[:, ::2]  # non-contiguous 2-D
    got = convert.quantize(y, name, Env(Rounding(Mode.RUP)))
    assert got.shape == y.shape and got.dtype == np.uint16
    assert np.array_equal(got, _integer_path(np.ascontiguousarray(y), name, Env(Rounding(Mode.RUP))))
    assert convert.quantize(np.zeros(0, np.float32), name, Env(Rounding(Mode.RTO))).shape == (0,)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(["bf16", "f16"]),
       rnd=st.sampled_from(DETERMINISTIC), scale=st.integers(-40, 20))
def test_hypothesis_float32_sources(seed, name, rnd, scale):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(3000) * 2.0**scale).astype(np.float32)
    raw = rng.integers(0, 1 << 32, 500, dtype=np.uint64).astype(np.uint32).view(np.float32)
    x = np.concatenate([x, raw])
    env = Env(rnd)
    assert np.array_equal(convert.quantize(x, name, env), _integer_path(x, name, env))


def test_supports():
    assert ieee16.supports(get_format("bf16"), Env(overflow=Overflow.SATFINITE))  # overflow goes to `fix`
    assert ieee16.supports(get_format("f16"), Env(Rounding(Mode.RTO)))
    assert not ieee16.supports(get_format("bf16"), Env(Rounding(Mode.SR_A, 8)))
    assert not ieee16.supports(get_format("e5m2"), Env())
    assert not ieee16.supports(get_format("tf32"), Env())


# ---- float64 sources: rounded to odd on the float32 grid, then the float32 path ----------------


def _f64_traps(name: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """Target midpoints and codes, exactly and one float64 ulp / 2^-30 relative either side (the
    double-rounding traps: float32 RNE would land on a midpoint), beyond float32's range and below
    its smallest subnormal, float64 subnormals, specials."""
    codes = np.arange(1 << 16, dtype=np.uint32)
    with np.errstate(invalid="ignore"):
        if name == "bf16":
            vals = (codes << np.uint32(16)).view(np.float32).astype(np.float64)
        else:
            vals = codes.astype(np.uint16).view(np.float16).astype(np.float64)
    vals = np.unique(np.abs(vals[np.isfinite(vals)]))
    mids = (vals[:-1] + vals[1:]) / 2
    top = vals[-1] + (vals[-1] - vals[-2]) / 2  # overflow threshold
    pts = rng.choice(np.concatenate([vals, mids, [top]]), n)
    pick = np.concatenate([pts, np.nextafter(pts, np.inf), np.nextafter(pts, -np.inf),
                           pts * (1 + 2.0**-30), pts * (1 - 2.0**-30)])
    special = [0.0, 5e-324, 2.0**-1022, 2.0**-150, 2.0**-149 * 0.75, 2.0**-149 * 1.5, 2.0**-126 * (1 - 2.0**-40),
               3.4028235677973366e38, 3.4028234663852886e38 * (1 + 2.0**-40), 1e300, np.inf, np.nan,
               65520.0 - 2.0**-37, 65520.0 + 2.0**-37, 2.0**-25 + 2.0**-60, 2.0**-25 - 2.0**-60]
    x = np.concatenate([pick, special])
    x = np.concatenate([x, -x])
    nan_payloads = np.array([0x7FF0000000000001, 0x7FF0000020000000, 0xFFF8000000000000, 0x7FFFFFFFFFFFFFFF],
                            dtype=np.uint64).view(np.float64)
    return np.concatenate([x, nan_payloads])


@pytest.mark.parametrize("name", ["bf16", "f16"])
def test_float64_sources_equal_golden_in_all_modes(name):
    rng = np.random.default_rng(5)
    x = _f64_traps(name, rng, 60)
    f64, fmt = get_format("f64"), get_format(name)
    for rnd in DETERMINISTIC:
        for policy in (None, Overflow.SATFINITE):
            env = Env(rnd, overflow=policy)
            got = convert.quantize(x, name, env).tolist()
            want = [golden.convert(f64, int(b), fmt, env).code for b in x.view(np.uint64).tolist()]
            bad = [(float(v), hex(g), hex(w)) for v, g, w in zip(x.tolist(), got, want) if g != w]
            assert not bad, (str(rnd), policy, bad[:5])


@pytest.mark.parametrize("name", ["bf16", "f16"])
@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
def test_float64_sources_equal_integer_path(name, rnd):
    rng = np.random.default_rng(9)
    x = np.concatenate([_f64_traps(name, rng, 4000), rng.standard_normal(20000) * 2.0 ** rng.integers(-160, 140, 20000),
                        rng.integers(0, 1 << 64, 5000, dtype=np.uint64).view(np.float64)])
    env = Env(rnd)
    assert np.array_equal(convert.quantize(x, name, env), _integer_path(x, name, env))


def test_round_to_odd_f32():
    """Exact values pass; inexact ones land on the odd float32 neighbour on x's side."""
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.standard_normal(5000) * 2.0 ** rng.integers(-160, 140, 5000), [np.inf, -np.inf, 0.0, -0.0]])
    y = ieee16.round_to_odd_f32(x)
    yd = y.astype(np.float64)
    exact = yd == x
    with np.errstate(over="ignore"):
        assert np.array_equal(exact, x == x.astype(np.float32).astype(np.float64))
    odd = (y.view(np.uint32) & 1) == 1
    assert np.all(odd | exact)
    lo, hi = np.minimum(yd, x), np.maximum(yd, x)
    with np.errstate(all="ignore"):  # Inf - Inf; the step beyond the largest float32
        toward_x = np.copysign(np.inf, x - yd).astype(np.float32)
        nxt = np.nextafter(y, toward_x).astype(np.float64)  # the next float32 beyond y toward x
    assert np.all(exact | (nxt >= hi) | (nxt <= lo))  # so y is a float32 neighbour of x
    assert np.isnan(ieee16.round_to_odd_f32(np.array([np.nan]))[0])


def _ro_formats():
    from fpverify.formats import all_formats

    return [f for f in all_formats() if ieee16.ro_f32_exact(f) and f.width <= 16]


def test_ro_f32_exact_covers_the_small_formats():
    names = {f.name for f in _ro_formats()}
    assert {"e4m3fn", "e5m2", "e2m1fn", "bf16", "f16"} <= names
    assert ieee16.ro_f32_exact(get_format("tf32")) and not ieee16.ro_f32_exact(get_format("f32"))


@pytest.mark.parametrize("fmt", _ro_formats(), ids=lambda f: f.name)
def test_float64_sources_into_small_formats_equal_integer_path_and_golden(fmt):
    """float64 -> every small float format via round-to-odd on the float32 grid: all six modes,
    two overflow policies, against the integer path (codes of values at, and one float64 ulp
    either side of, every midpoint) and golden (a sample)."""
    from fpverify.fast import dequantize

    rng = np.random.default_rng(13)
    with np.errstate(all="ignore"):
        vals = dequantize(np.arange(1 << fmt.width), fmt, np.float64)
    vals = np.unique(np.abs(vals[np.isfinite(vals)]))
    mids = (vals[:-1] + vals[1:]) / 2
    pts = np.concatenate([vals, mids, [vals[-1] * 1.5, vals[-1] * 2, 1e300, 1e-300, 5e-324, np.inf, np.nan]])
    if pts.size > 3000:
        pts = rng.choice(pts, 3000)
    x = np.concatenate([pts, np.nextafter(pts, np.inf), np.nextafter(pts, -np.inf), pts * (1 + 2.0**-35)])
    x = np.concatenate([x, -x])
    sample = rng.choice(x, 60)
    f64 = get_format("f64")
    for rnd in DETERMINISTIC:
        for policy in (None, Overflow.SATFINITE):
            env = Env(rnd, overflow=policy)
            try:
                want = convert.quantize(x, fmt, env, _kernels=False)
            except Exception as exc:  # the fast route must refuse the same combination
                with pytest.raises(type(exc)):
                    convert.quantize(x, fmt, env)
                continue
            assert np.array_equal(convert.quantize(x, fmt, env), want), (str(rnd), policy)
            got = convert.quantize(sample, fmt, env).tolist()
            assert got == [golden.convert(f64, int(b), fmt, env).code for b in sample.view(np.uint64).tolist()]
