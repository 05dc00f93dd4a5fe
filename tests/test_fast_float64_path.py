"""The float64 path of `fpverify.fast.arith` (`fast/float64_path.py`): float64 operations rounded
to odd, then rounded once into the target; RNE through float32 where double rounding is innocuous.

Oracles:
* the golden model (`arith.golden_apply`: exact rationals, the project's reference semantics) on
  trap sets, hypothesis-drawn operands and targeted edge cases — slow, so on a few hundred
  elements per configuration;
* the int64 datapath (`arith.compute`: integer significands, its own round-and-pack; checked
  against golden exhaustively for <= 8-bit formats in test_fast_arith.py) on large random arrays
  and exhaustively where cheap: two independent datapaths that agree bit for bit;
* Python Fractions for the round-to-odd contract of the float64/float32 intermediates.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpverify.fast import arith, float64_path, traps
from fpverify.fast.operands import unpack
from fpverify.formats import Overflow, get_format
from fpverify.rounding import DETERMINISTIC, Env, Mode, Rounding

FORMATS = ("bf16", "f16", "tf32", "f32", "e4m3fn", "e5m2")
OPS = ("add", "sub", "mul", "div", "sqrt", "fma")
OTHER_POLICIES = (Overflow.SATFINITE, Overflow.SATPROPAGATE, Overflow.NAN)


def _arity(op):
    return 1 if op == "sqrt" else 3 if op == "fma" else 2


def _int64(op, ops, fmt, env, out=None):
    """Codes of the int64 datapath (the independent cross-check)."""
    out = fmt if out is None else out
    code, _ = arith.compute(op, [unpack(np.asarray(o).reshape(-1), fmt) for o in ops], out, env, 0, False)
    return code.astype(np.int64)


def _fast(op, ops, fmt, env, out=None):
    out = fmt if out is None else out
    assert float64_path.applies(op, fmt, env, out), (op, fmt.name, out.name, str(env.rounding), env.overflow)
    return float64_path.apply(op, [np.asarray(o) for o in ops], fmt, env, out).astype(np.int64)


def _report(ops, got, want, what):
    bad = np.flatnonzero(got != want)
    if bad.size:
        i = bad[0]
        raise AssertionError(f"{what}: {[hex(int(o[i])) for o in ops]} got {int(got[i]):#x} "
                             f"want {int(want[i]):#x} ({bad.size} mismatches)")


def _golden(op, ops, fmt, env, out=None):
    out = fmt if out is None else out
    return arith.golden_apply(op, [np.asarray(o) for o in ops], fmt, env, out).astype(np.int64)


def _policies_for(fmt):
    pols = [None]
    for p in OTHER_POLICIES:
        try:
            Env(overflow=p).overflow_for(fmt)
        except Exception:
            continue
        pols.append(p)
    return pols


# ---- golden on trap sets: every op x mode x overflow policy ---------------------------------------


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("name", FORMATS)
def test_golden_on_traps(name, op):
    """Trap operands (ties, near-ties, overflow thresholds, subnormal boundaries, specials): the
    format's default policy on 300 cases, every other policy on the first 120."""
    fmt = get_format(name)
    full = [o.astype(np.int64) for o in traps.trap_operands(fmt, op, 300, seed=5)]
    for rnd in DETERMINISTIC:
        for pol in _policies_for(fmt):
            ops = full if pol is None else [o[:120] for o in full]
            env = Env(rnd, pol)
            if not float64_path.applies(op, fmt, env, fmt):
                assert name == "f32" and pol not in (None, Overflow.IEEE)  # f32: IEEE policy only
                continue
            _report(ops, _fast(op, ops, fmt, env), _golden(op, ops, fmt, env), f"{op} {name} {rnd} {pol}")


# ---- int64 datapath on large random arrays -------------------------------------------------------


def _random_codes(fmt, n, rng):
    """Uniform random bit patterns (NaN, Inf, zeros, subnormals included) plus small magnitudes."""
    c = rng.integers(0, 1 << fmt.bits, n, dtype=np.int64)
    small = rng.integers(0, 1 << (fmt.man_bits + 3), n, dtype=np.int64) | (rng.integers(0, 2, n) * fmt.sign_bit)
    return np.where(rng.random(n) < 0.2, small, c)


@pytest.mark.parametrize("name", FORMATS)
def test_matches_int64_datapath_on_random_arrays(name):
    fmt = get_format(name)
    rng = np.random.default_rng(hash(name) & 0xFFFF)
    n = 6000
    for op in OPS:
        ops = [_random_codes(fmt, n, rng) for _ in range(_arity(op))]
        for rnd in DETERMINISTIC:
            env = Env(rnd)
            _report(ops, _fast(op, ops, fmt, env), _int64(op, ops, fmt, env), f"{op} {name} {rnd}")


@pytest.mark.parametrize("src,dst", [("bf16", "f16"), ("f16", "bf16"), ("e4m3fn", "bf16"), ("bf16", "f32"),
                                     ("tf32", "f32"), ("f32", "bf16"), ("f32", "tf32"), ("f16", "e5m2")])
def test_mixed_result_formats_match_int64(src, dst):
    fmt, out = get_format(src), get_format(dst)
    rng = np.random.default_rng(7)
    for op in OPS:
        ops = [_random_codes(fmt, 1500, rng) for _ in range(_arity(op))]
        for rnd in DETERMINISTIC:
            for pol in ((None, Overflow.SATFINITE) if dst != "f32" else (None,)):
                env = Env(rnd, pol)
                _report(ops, _fast(op, ops, fmt, env, out), _int64(op, ops, fmt, env, out),
                        f"{op} {src}->{dst} {rnd} {pol}")


# ---- exhaustive where cheap (the double-rounding claims of the RNE float32 shortcut) -------------


@pytest.mark.parametrize("name", ["f16", "bf16"])
def test_sqrt_exhaustive_16bit(name):
    fmt = get_format(name)
    c = np.arange(1 << 16, dtype=np.int64)
    for rnd in DETERMINISTIC:
        env = Env(rnd)
        _report([c], _fast("sqrt", [c], fmt, env), _int64("sqrt", [c], fmt, env), f"sqrt {name} {rnd}")


@pytest.mark.parametrize("name", ["e4m3fn", "e5m2", "e2m1fn", "e3m2fn"])
def test_small_formats_every_pair(name):
    """Every operand pair, through the float64 path directly (arith.apply would use its tables)."""
    fmt = get_format(name)
    n = 1 << fmt.bits
    a, b = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    for op in ("add", "sub", "mul", "div", "sqrt"):
        ops = [a] if op == "sqrt" else [a, b]
        for rnd in (Rounding(Mode.RNE), Rounding(Mode.RUP), Rounding(Mode.RTO)):
            env = Env(rnd)
            _report(ops, _fast(op, ops, fmt, env), _int64(op, ops, fmt, env), f"{op} {name} {rnd}")


def _values_to_codes(fmt, values):
    from fpverify.fast import quantize

    return quantize(np.asarray(values, np.float64), fmt).astype(np.int64)


def test_direct_rne_products_and_quotients_below_float32_normals():
    """bf16/tf32 RNE mul/div run as float32 operations: results in float32's subnormal range (the
    case the double-rounding argument treats separately) against the int64 datapath."""
    rng = np.random.default_rng(3)
    for name in ("bf16", "tf32"):
        fmt = get_format(name)
        n = 20000
        ea = rng.integers(-133, -60, n).astype(np.float64)
        a = np.ldexp(1 + rng.integers(0, 1 << fmt.man_bits, n) / 2.0 ** fmt.man_bits, ea.astype(int))
        eb = rng.integers(-80, -40, n)
        b = np.ldexp(1 + rng.integers(0, 1 << fmt.man_bits, n) / 2.0 ** fmt.man_bits, eb)
        ca, cb = _values_to_codes(fmt, a), _values_to_codes(fmt, b)
        cbig = _values_to_codes(fmt, np.ldexp(b, 100))
        for op, ops in (("mul", [ca, cb]), ("div", [ca, cbig])):
            env = Env()
            assert float64_path.f32_rne_direct(op, fmt, fmt, env) == (name == "bf16" or op == "div")
            _report(ops, _fast(op, ops, fmt, env), _int64(op, ops, fmt, env), f"{op} {name} tiny")


@pytest.mark.parametrize("name", ["bf16", "tf32"])
def test_float32_error_free_route_at_the_range_ends(name):
    """Wide-range formats through the float32 TwoSum / product route: rounding errors far below
    the sum (their product with the sum underflows in float32), products in float32's subnormal
    range and beyond float32's range (redone in float64), in every mode, against the int64 path."""
    fmt = get_format(name)
    rng = np.random.default_rng(11)
    n = 4000
    sig = lambda: 1 + rng.integers(0, 1 << fmt.man_bits, n) / 2.0 ** fmt.man_bits  # noqa: E731
    sign = lambda: np.where(rng.random(n) < 0.5, -1.0, 1.0)  # noqa: E731
    ea = rng.integers(-126, -60, n)
    a = sign() * np.ldexp(sig(), ea)
    b = sign() * np.ldexp(sig(), np.maximum(ea - rng.integers(fmt.precision, 40, n), -126 - fmt.man_bits))
    big = sign() * np.ldexp(sig(), rng.integers(100, 128, n))
    tiny = sign() * np.ldexp(sig(), rng.integers(-133, -30, n))
    ca, cb, cbig, ctiny = (_values_to_codes(fmt, v) for v in (a, b, big, tiny))
    cases = [("add", [ca, cb]), ("sub", [ca, cb]), ("add", [cbig, cbig]), ("mul", [ctiny, ctiny]),
             ("mul", [cbig, cbig]), ("mul", [ca, ctiny])]
    for op, ops in cases:
        assert float64_path.f32_eft(op, fmt, fmt)
        for rnd in DETERMINISTIC:
            for pol in (None, Overflow.SATFINITE):
                env = Env(rnd, pol)
                _report(ops, _fast(op, ops, fmt, env), _int64(op, ops, fmt, env), f"{op} {name} {rnd} {pol}")


# ---- flags (targets whose range ends below 2^127: f16, FP8) ----------------------------------------


@pytest.mark.parametrize("name,out", [("f16", "f16"), ("e4m3fn", "e4m3fn"), ("e5m2", "e5m2"), ("bf16", "f16"),
                                      ("f16", "e2m1fn")])
def test_flags_match_int64_and_golden(name, out):
    """Codes and flags (inexact, underflow under both tininess rules, overflow, saturated,
    invalid, infinite) against the int64 datapath on random bit patterns, and against golden on
    trap operands."""
    from fpverify.rounding import Tininess

    fmt, outf = get_format(name), get_format(out)
    rng = np.random.default_rng(5)
    for op in OPS:
        rand = [_random_codes(fmt, 2000, rng) for _ in range(_arity(op))]
        trap = [o.astype(np.int64) for o in traps.trap_operands(fmt, op, 60, seed=9)]
        for rnd in DETERMINISTIC:
            for pol, tin in ((None, Tininess.AFTER), (Overflow.SATFINITE, Tininess.BEFORE)):
                env = Env(rnd, pol, tin)
                assert float64_path.flags_exact(outf)
                got_c, got_f = float64_path.apply_with_flags(op, rand, fmt, env, outf)
                want_c, want_f = arith.compute(op, [unpack(o, fmt) for o in rand], outf, env, 0, True)
                _report(rand, got_c.astype(np.int64) * 256 + got_f, want_c * 256 + want_f,
                        f"flags {op} {name}->{out} {rnd} {pol} {tin}")
                got_c, got_f = float64_path.apply_with_flags(op, trap, fmt, env, outf)
                gc, gf = arith.golden_apply(op, trap, fmt, env, outf, 0, True)
                _report(trap, got_c.astype(np.int64) * 256 + got_f, gc.astype(np.int64) * 256 + gf,
                        f"golden flags {op} {name}->{out} {rnd} {pol} {tin}")


@pytest.mark.parametrize("op", OPS)
def test_flags_on_every_combination_of_special_operands(op):
    """Zeros, infinities, quiet and signalling NaNs, extremes: every operand combination, codes and
    flags against golden (TestFloat found 0 * Inf + qNaN here)."""
    import itertools

    fmt = get_format("f16")
    pool = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x7C01, 0x3C00, 0xBC00, 0x7BFF, 0x0001, 0x8001]
    combos = np.array(list(itertools.product(pool, repeat=_arity(op))), np.int64)
    ops = [combos[:, i] for i in range(_arity(op))]
    for rnd in (Rounding(Mode.RNE), Rounding(Mode.RDN)):
        env = Env(rnd)
        got_c, got_f = arith.apply(op, ops, fmt, env, with_flags=True)
        gc, gf = arith.golden_apply(op, ops, fmt, env, fmt, 0, True)
        _report(ops, got_c.astype(np.int64) * 256 + got_f, gc.astype(np.int64) * 256 + gf, f"specials {op} {rnd}")


def test_flags_dispatch():
    """Flags stay on the int64 datapath where the clamp matters (bf16, tf32, f32) and where the
    float32 quantizer has no flag table (f16); <= 8-bit targets take the float64 path."""
    env = Env()
    for name in ("bf16", "tf32", "f32"):
        assert not float64_path.flags_exact(get_format(name))
        assert not float64_path.applies("add", get_format(name), env, with_flags=True)
    assert float64_path.flags_exact(get_format("f16"))
    assert float64_path.applies("fma", get_format("e4m3fn"), env, with_flags=True)
    assert float64_path.applies("fma", get_format("bf16"), env, get_format("e5m2"), with_flags=True)


# ---- targeted edge cases against golden -----------------------------------------------------------


def test_exact_cancellation_zero_signs():
    """x - x, (+0) + (-0), (-0) + (-0), a*b - a*b: +0 except under RDN (golden's rule)."""
    for name in ("bf16", "f16", "f32", "e4m3fn"):
        fmt = get_format(name)
        x = _values_to_codes(fmt, [1.5, -3.0, 0.0, -0.0, 0.0, -0.0, 2.0])
        y = _values_to_codes(fmt, [1.5, -3.0, -0.0, -0.0, 0.0, 0.0, 2.0])
        z = _values_to_codes(fmt, [-2.25, -9.0, 0.0, -0.0, -0.0, 0.0, -4.0])
        for rnd in DETERMINISTIC:
            env = Env(rnd)
            for op, ops in (("sub", [x, y]), ("add", [x, z]), ("fma", [x, y, z])):
                _report(ops, _fast(op, ops, fmt, env), _golden(op, ops, fmt, env), f"{op} {name} {rnd}")


def test_f32_ties_overflow_and_subnormals():
    """binary32 one-code corrections: exact ties (RNA; quotients and products tie in the subnormal
    range), the overflow threshold, subnormal results."""
    fmt = get_format("f32")
    f = np.float32
    big = float(np.finfo(f).max)
    a = np.array([1.0, 1.0, big, big, -big, 2.0 ** -126, 2.0 ** -149, 3 * 2.0 ** -149, 1 + 2.0 ** -23, 1.0,
                  2.0 ** -149, 5 * 2.0 ** -149, big, 1.0], np.float64)
    b = np.array([2.0 ** -24, 3 * 2.0 ** -25, big, 2.0 ** 103, -2.0 ** 103, -2.0 ** -149, 0.5, 0.5,
                  1 + 2.0 ** -23, -(2.0 ** -24), 2.0, -2.0, 0.5, 3.0], np.float64)
    ca = a.astype(f).view(np.uint32).astype(np.int64)
    cb = b.astype(f).view(np.uint32).astype(np.int64)
    for rnd in DETERMINISTIC:
        env = Env(rnd)
        for op in ("add", "sub", "mul", "div"):
            _report([ca, cb], _fast(op, [ca, cb], fmt, env), _golden(op, [ca, cb], fmt, env), f"{op} f32 {rnd}")


@settings(max_examples=60, deadline=None)
@given(data=st.data(), name=st.sampled_from(["bf16", "f16", "tf32", "f32"]), op=st.sampled_from(OPS),
       rnd=st.sampled_from(DETERMINISTIC))
def test_hypothesis_against_golden(data, name, op, rnd):
    fmt = get_format(name)
    code = st.integers(0, (1 << fmt.bits) - 1)
    ops = [np.array(data.draw(st.lists(code, min_size=8, max_size=8)), np.int64) for _ in range(_arity(op))]
    env = Env(rnd)
    _report(ops, _fast(op, ops, fmt, env), _golden(op, ops, fmt, env), f"{op} {name} {rnd}")


# ---- the round-to-odd contract against Fractions ---------------------------------------------------


def _ro(x: Fraction, p: int, qmin: int) -> Fraction:
    """x rounded to odd at p bits, quantum at least 2^qmin (float32: -149, float64: -1074)."""
    if x == 0:
        return x
    neg, m = x < 0, abs(x)
    e = m.numerator.bit_length() - m.denominator.bit_length()
    if Fraction(2) ** e > m:
        e -= 1
    q = Fraction(2) ** max(e - p + 1, qmin)
    t = m // q
    r = t * q if t * q == m else (t | 1) * q
    return -r if neg else r


@settings(max_examples=150, deadline=None)
@given(st.integers(1, (1 << 24) - 1), st.integers(1, (1 << 24) - 1), st.integers(-80, 80),
       st.integers(-80, 80), st.sampled_from(["add", "sub", "div", "fma", "sqrt"]))
def test_round_to_odd_contract(x, y, ex, ey, op):
    """ro24 of (v, res) from `exact` is the exact result rounded to odd on the float32 grid; ro53
    on the float64 grid (both independent of how `exact` got there)."""
    a, b = float(x) * 2.0 ** ex, float(-y) * 2.0 ** ey
    fa, fb = Fraction(a), Fraction(b)
    if op == "sqrt":  # v: 26-bit floor root; every 24- and 25-bit grid point is on its 26-bit grid
        v, res = float64_path.exact(op, [np.array([a])])
        r24 = Fraction(float(float64_path.ro24(v, res)[0]))
        if r24 * r24 != fa:  # inexact: odd at 24 bits and bracketing sqrt(a)
            q = Fraction(2) ** (int(np.frexp(float(r24))[1]) - 24)
            t = r24 / q
            assert t.denominator == 1 and t.numerator % 2 == 1 and (r24 - q) ** 2 < fa < (r24 + q) ** 2, a
        r53 = Fraction(float(float64_path.ro53(v, res)[0]))  # in the root's open 26-bit interval
        q26 = Fraction(2) ** (int(np.frexp(float(r53))[1]) - 26)
        lo = (r53 // q26) * q26
        assert lo * lo == fa == r53 * r53 or lo * lo < fa < (lo + q26) ** 2, a
        return
    if op == "fma":
        vals, exact = [np.array([a]), np.array([b]), np.array([a])], fa * fb + fa
    else:
        vals = [np.array([a]), np.array([b])]
        exact = {"add": fa + fb, "sub": fa - fb, "div": fa / fb}[op]
    v, res = float64_path.exact(op, vals)
    r24 = Fraction(float(float64_path.ro24(v, res)[0]))
    f32max = Fraction(float(np.finfo(np.float32).max))
    if abs(exact) >= 2 ** 128:  # beyond float32: the odd largest finite (above every target's max)
        assert r24 == (f32max if exact > 0 else -f32max), (op, a, b)
    else:
        assert r24 == _ro(exact, 24, -149), (op, a, b)
    assert Fraction(float(float64_path.ro53(v, res)[0])) == _ro(exact, 53, -1074), (op, a, b)


# ---- dispatch ---------------------------------------------------------------------------------------


def test_dispatch(monkeypatch):
    """arith.apply takes the float64 path for deterministic calls without flags, else the int64 one."""
    calls = []
    real = float64_path.apply
    monkeypatch.setattr(float64_path, "apply", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    a = np.arange(0, 1000, dtype=np.uint16)
    b = np.arange(1000, 0, -1).astype(np.uint16)
    want, _ = arith.apply("add", (a, b), "bf16", Env(), with_flags=True)  # bf16 flags: int64 path
    got = arith.apply("add", (a, b), "bf16")
    assert calls == ["add"] and np.array_equal(got, want) and got.dtype == want.dtype
    arith.apply("add", (a, b), "bf16", Env(Rounding(Mode.SR_A, 4)), rng=0)
    arith.apply("add", (a, b), "f32", Env(overflow=Overflow.SATFINITE))
    assert calls == ["add"]
    assert not float64_path.applies("add", get_format("f64"), Env())
    with pytest.raises(ValueError):
        arith.apply("mul", (np.array([1 << 16]), np.array([1])), "bf16")
