"""fpverify.fast.elementary against the golden model: codes and flags.

Oracle: `fpverify.golden.elementary.evaluate` element by element. It is trusted because it is
validated exhaustively against MPFR on E4M3/E5M2 in all six deterministic modes (and on f16/bf16
under ``slow``) by tests/test_golden_elementary_mpfr.py, and it shares no datapath with the fast
path (mpmath enclosures + Ziv loop + `rounding.round_to_format` vs numpy float64 candidates + a
cell test + `fast.round_pack`). 8-bit formats are exhaustive in every deterministic mode and in
stochastic modes with explicit random bits; 16-bit formats are sampled (exhaustive under
``slow``); f32 is checked on generated near-boundary operands, where the fallback must engage.
The candidates' error bounds are checked against MPFR on every 8-bit operand and a f16 sample.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from fpverify.errors import InputError
from fpverify.fast.elementary import FUNCTIONS, compute, elementary, elementary_table
from fpverify.fast.elementary_candidates import CANDIDATES
from fpverify.formats import Overflow, get_format
from fpverify.golden.elementary import evaluate
from fpverify.rounding import DETERMINISTIC, Env, Mode, Rounding

STOCHASTIC = (Rounding(Mode.SR_A, 4), Rounding(Mode.SR_B, 6), Rounding(Mode.SR_C, 8))


def golden(fn, fmt, codes, env, out=None, r_bits=None):
    fmt = get_format(fmt)
    res = []
    for i, c in enumerate(np.asarray(codes).reshape(-1).tolist()):
        e = env if r_bits is None else Env(env.rounding, env.overflow, env.tininess, int(r_bits[i]),
                                           env.nan_policy)
        r = evaluate(fn, fmt, (c,), e, get_format(out) if out else None)
        res.append((r.code, int(r.flags)))
    return np.array([r[0] for r in res]), np.array([r[1] for r in res])


def assert_same(fn, fmt, codes, env, out=None, r_bits=None, **kw):
    got_c, got_f = elementary(fn, codes, fmt, env, out=out, random_bits=r_bits, with_flags=True, **kw)
    want_c, want_f = golden(fn, fmt, codes, env, out, r_bits)
    bad = np.flatnonzero((got_c != want_c) | (got_f != want_f))
    assert bad.size == 0, [(hex(int(np.asarray(codes)[i])), hex(int(got_c[i])), int(got_f[i]),
                            hex(int(want_c[i])), int(want_f[i])) for i in bad[:5]]


@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2"])
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_exhaustive_8bit_all_modes(fmt, fn):
    codes = np.arange(256)
    for rnd in DETERMINISTIC:
        c, f, n_golden = compute(fn, codes, get_format(fmt), Env(rnd), get_format(fmt))
        want_c, want_f = golden(fn, fmt, codes, Env(rnd))
        assert (c == want_c).all() and (f == want_f).all(), (fn, fmt, rnd)
        assert n_golden < 256  # the fast path decides most elements


@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2"])
@pytest.mark.parametrize("fn", ["exp", "log", "tanh", "gelu_tanh", "rsqrt", "sin"])
def test_exhaustive_8bit_stochastic_explicit_bits(fmt, fn):
    codes = np.arange(256)
    rng = np.random.default_rng(17)
    for rnd in STOCHASTIC:
        bits = rng.integers(0, 1 << rnd.nbits, size=256)
        assert_same(fn, fmt, codes, Env(rnd), r_bits=bits)


@pytest.mark.parametrize("policy", [Overflow.SATFINITE, Overflow.IEEE, Overflow.NAN])
def test_overflow_policies_8bit(policy):
    for fn in ("exp", "sinh", "recip"):
        assert_same(fn, "e5m2", np.arange(256), Env(overflow=policy))


@pytest.mark.parametrize("fmt", ["f16", "bf16"])
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_sampled_16bit_all_modes(fmt, fn):
    rng = random.Random(f"fast-{fmt}-{fn}")
    codes = np.array([rng.randrange(1 << 16) for _ in range(40)])
    for rnd in DETERMINISTIC:
        assert_same(fn, fmt, codes, Env(rnd))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["f16", "bf16"])
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_exhaustive_16bit_all_modes(fmt, fn):
    for rnd in DETERMINISTIC:
        assert_same(fn, fmt, np.arange(1 << 16), Env(rnd))


def test_other_result_format_and_tininess():
    codes = np.arange(0, 1 << 16, 97)
    assert_same("exp", "f16", codes, Env(), out="e4m3fn")
    assert_same("sigmoid", "bf16", codes, Env(Rounding(Mode.RTZ)), out="e5m2")
    from fpverify.rounding import Tininess
    assert_same("sin", "f16", codes, Env(tininess=Tininess.BEFORE), out="e5m2")


def near_boundary_f32(fn: str, count: int) -> np.ndarray:
    """f32 codes whose float64 candidate lies closest to a f32 midpoint or grid point (found by
    search over a fixed slice of operands; generated here, not taken from the literature)."""
    lo = {"exp": 0x3f800000, "log": 0x3f900000}.get(fn, 0x3e000000)
    codes = np.arange(lo, lo + (1 << 18), dtype=np.int64)
    x = codes.astype(np.uint32).view(np.float32).astype(np.float64)
    with np.errstate(all="ignore"):
        y = np.abs(CANDIDATES[fn].value(x))
    m, e = np.frexp(y)
    frac = np.ldexp(m, 25) % 1.0  # position inside half a f32 ulp (midpoints and grid points at 0)
    dist = np.minimum(frac, 1 - frac)
    return codes[np.argsort(dist)[:count]]


@pytest.mark.parametrize("fn", ["exp", "log", "sin", "gelu_tanh"])
def test_f32_near_boundary_falls_back(fn):
    codes = near_boundary_f32(fn, 6)
    _, _, n_golden = compute(fn, codes, get_format("f32"), Env(), get_format("f32"))
    assert n_golden >= 1  # the hardest of 2^18 operands are not decided in float64
    for rnd in (Rounding(Mode.RNE), Rounding(Mode.RUP), Rounding(Mode.RTO)):
        assert_same(fn, "f32", codes, Env(rnd))
    rng = random.Random(fn)
    assert_same(fn, "f32", np.array([rng.randrange(1 << 32) for _ in range(30)]), Env())


@pytest.mark.parametrize("fn", ["exp", "log"])
def test_f32_hardest_cases_of_the_domain(fn):
    """The hardest-to-round f32 operands of the whole domain (tests/data/f32_hard_cases.json, from
    benchmarks/find_f32_hard_cases.py: up to 72 bits needed) give golden's codes and flags in every
    deterministic mode; the ones beyond float64's reach must go to golden."""
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parent / "data" / "f32_hard_cases.json").read_text())[fn]
    codes = np.array([int(c["code"], 16) for region in data.values() for c in region["cases"]])
    hardest = np.array([int(region["cases"][0]["code"], 16) for region in data.values()])
    _, _, n_golden = compute(fn, hardest, get_format("f32"), Env(), get_format("f32"))
    assert n_golden == len(hardest)
    for rnd in DETERMINISTIC:
        assert_same(fn, "f32", codes, Env(rnd))


def test_exact_cases_go_to_golden():
    fmt = get_format("f16")
    codes = np.array([0x4000, 0x4400, 0x3c00, 0xbc00, 0x4800])  # 2 4 1 -1 8: exp2, log2 exact
    for fn in ("exp2", "log2"):
        _, _, n = compute(fn, codes, fmt, Env(), fmt)
        assert n == len(codes) - (fn == "log2")  # log2(-1): an invalid operation, broadcast below
        assert_same(fn, "f16", codes, Env(Rounding(Mode.RUP)))


@pytest.mark.parametrize("fn,fmt_name", [("log", "f16"), ("log1p", "bf16"), ("rsqrt", "e5m2"),
                                          ("log10", "e2m1fn"), ("log2", "e4m3fn")])
def test_operands_outside_the_domain_get_goldens_invalid_result(fn, fmt_name):
    """Oracle: golden element by element. Negative operands of log/rsqrt (below -1 for log1p) get
    the golden model's invalid result, computed twice and broadcast: NaN with invalid, or the nan
    policy's code in a format without NaN (e2m1fn: +0 by default, +max under 'max')."""
    from fpverify.formats import NanPolicy

    fmt = get_format(fmt_name)
    codes = np.arange(0, 1 << min(fmt.width, 16), 41 if fmt.width > 8 else 1)
    for env in (Env(), Env(Rounding(Mode.RDN)), Env(nan_policy=NanPolicy.MAX)):
        assert_same(fn, fmt_name, codes, env)
    _, _, n = compute(fn, codes, fmt, Env(), fmt)
    assert n < len(codes) // 4  # the negative half is not element-wise golden


def test_table_matches_compute_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path))
    from fpverify.fast import tables

    tables.clear_memo()
    c, f = elementary_table("tanh", "e4m3fn", Env(Rounding(Mode.RDN)))
    assert list(tmp_path.glob("tanh-fast-e4m3fn-e4m3fn-*.npz"))
    want_c, want_f = golden("tanh", "e4m3fn", np.arange(256), Env(Rounding(Mode.RDN)))
    assert (c == want_c).all() and (f == want_f).all()
    assert not c.flags.writeable
    big = np.tile(np.arange(256), 20)  # large calls go through the table
    assert (elementary("tanh", big, "e4m3fn", rounding="rdn") == np.tile(want_c, 20)).all()
    tables.clear_memo()


def test_stochastic_rng_reproducible():
    codes = np.arange(0x3c00, 0x3c00 + 64)
    a = elementary("exp", codes, "f16", rounding="sra8", rng=5)
    b = elementary("exp", codes, "f16", rounding="sra8", rng=5)
    assert (a == b).all()


@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2"])
def test_candidate_error_bounds_against_mpfr(fmt):
    gmpy2 = pytest.importorskip("gmpy2")
    from fpverify.fast import dequantize

    x = dequantize(np.arange(256), fmt).astype(np.float64)
    x = x[np.isfinite(x) & (x != 0)]
    rng = random.Random(fmt)
    f16 = dequantize(np.array([rng.randrange(0x7c00) for _ in range(60)]), "f16").astype(np.float64)
    x = np.concatenate([x, f16, -f16])
    ref = {"exp10": gmpy2.exp10, "atan": gmpy2.atan, "rsqrt": gmpy2.rec_sqrt, "recip": lambda v: 1 / v,
           "sigmoid": lambda v: 1 / (1 + gmpy2.exp(-v)), "silu": lambda v: v / (1 + gmpy2.exp(-v)),
           "gelu_erf": lambda v: v * gmpy2.erfc(-v / gmpy2.sqrt(2)) / 2,
           "gelu_tanh": lambda v: v / (1 + gmpy2.exp(-2 * gmpy2.sqrt(2 / gmpy2.const_pi()) * (
               v + gmpy2.mpfr(44715) / 1000000 * v ** 3)))}
    for fn, cand in CANDIDATES.items():
        with np.errstate(all="ignore"):
            y = cand.value(x)
        f = ref.get(fn) or getattr(gmpy2, fn)
        worst = 0.0
        with gmpy2.context(precision=200):
            for xi, yi in zip(x.tolist(), y.tolist()):
                v = f(gmpy2.mpfr(xi))
                if not (gmpy2.is_finite(v) and math.isfinite(yi)) or v == 0 or abs(yi) < 2.0 ** -1000:
                    continue
                worst = max(worst, float(abs((yi - v) / yi)))
        assert worst <= 2.0 ** -(cand.bits + 4), (fn, math.log2(worst) if worst else None)


def test_bad_input():
    with pytest.raises(InputError, match="unknown elementary function"):
        elementary("expp", [0], "f16")
    with pytest.raises(InputError, match="pow"):
        elementary("pow", [0], "f16")
    with pytest.raises(InputError, match="floating-point"):
        elementary("exp", [0], "int8")
    with pytest.raises(InputError, match="out of range"):
        elementary("exp", [256], "e4m3fn")
    with pytest.raises(InputError, match="integer"):
        elementary("exp", [1.5], "f16")
    with pytest.raises(InputError):
        elementary("exp", [0], "nosuchformat")
    with pytest.raises(InputError, match="at most 16 bits"):
        elementary_table("exp", "f32")
    with pytest.raises(InputError, match="deterministic"):
        elementary_table("exp", "f16", Env(Rounding(Mode.SR_A, 4)))


@pytest.mark.parametrize("out", ["e8m0fnu", "ue4m3", "p3109_8p1uf", "p3109_8p3se", "e2m1fn", "e4m3fnuz"])
def test_unusual_result_formats(out):
    """Unsigned, precision-1, P3109 (with Inf, one NaN), no-NaN and FNUZ results from e5m2 operands."""
    for fn in ("exp", "sin"):
        assert_same(fn, "e5m2", np.arange(256), Env(), out=out)


def test_power_by_table_and_by_golden():
    """Oracle: golden `pow` element by element. ≤ 8-bit deterministic: the cached 2^16-pair table
    (FP4 here: 256 pairs, every one checked); stochastic and 16-bit: golden per element."""
    from fpverify.fast import power
    from fpverify.golden.elementary import pow as golden_pow

    fp4 = get_format("e2m1fn")
    a, b = np.meshgrid(np.arange(16), np.arange(16), indexing="ij")
    for env in (Env(Rounding(Mode.RUP)), Env(Rounding(Mode.RNE))):
        c, f = power(a, b, fp4, env, with_flags=True)
        for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
            g = golden_pow(fp4, x, y, env)
            assert (int(c[x, y]), int(f[x, y])) == (g.code, int(g.flags)), (x, y)
    h = get_format("f16")
    xs, ys = np.array([0x3C00, 0x4000, 0xC000, 0x3800]), np.array([0x4000, 0x3800, 0x3C00, 0xBC00])
    env = Env(Rounding(Mode.SR_A, 4))
    c = power(xs, ys, h, env, random_bits=np.array([1, 7, 15, 0]))
    for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist())):
        g = golden_pow(h, x, y, Env(Rounding(Mode.SR_A, 4), random_bits=[1, 7, 15, 0][i]))
        assert int(c[i]) == g.code
    with pytest.raises(InputError):
        power(np.array([1.5]), np.array([1]), fp4)


@pytest.mark.parametrize("fmt_name", ["f16", "bf16"])
def test_expm1_far_below_zero_is_decided_by_its_anchor(fmt_name):
    """expm1(x) = -1 + e^x for x <= -1: float64 returns exactly -1 below x ~ -37, so only the anchor
    decides there. Oracle: golden element by element, every deterministic mode."""
    fmt = get_format(fmt_name)
    codes = np.array([c for c in range(0x8000, 0x10000, 53)
                      if not fmt.is_nan(c) and not fmt.is_inf(c) and fmt.value(c) <= -1])
    _, _, n = compute("expm1", codes, fmt, Env(), fmt)
    assert n == 0
    for rnd in DETERMINISTIC:
        assert_same("expm1", fmt_name, codes, Env(rnd))
