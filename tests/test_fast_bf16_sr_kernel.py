"""`fpverify.fast.bf16_sr_kernel`: bf16 add/sub/mul/div in SR-A/B/C by one float32 operation and
integer arithmetic on its bit pattern (random bits R, any N), the rare set redone exactly.

Oracles:
* the int64 datapath (`arith.compute`, independent of this kernel, checked against golden in
  test_fast_arith.py) on structured pairs x every R for N = 1..4 and sampled R up to N = 32;
* the golden model (`arith.golden_apply`) on the rare cases (exponent gaps 14-40 where the float32
  sum is inexact, borrowing below powers of two, cancellation, the overflow threshold, subnormal
  results, zero operands), on N up to 64, and on hypothesis-drawn pairs;
* the containment claim: wherever the kernel's own code differs from the exact one, the element is
  in the rare set it reports.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpverify.fast import arith, bf16_sr_kernel
from fpverify.fast.operands import unpack
from fpverify.formats import Overflow, get_format
from fpverify.rounding import Env, Mode, Rounding

BF16 = get_format("bf16")
OPS = bf16_sr_kernel.OPS
MODES = bf16_sr_kernel.MODES
SPECIALS = [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x7F81, 0x7F7F, 0xFF7F, 0x0001, 0x8001,
            0x007F, 0x0080, 0x3F80, 0xBF80]


def _code(sign, exp, sig):
    return ((np.asarray(sign) << 15) | (np.asarray(exp) << 7) | np.asarray(sig)).astype(np.uint16)


def _pairs(op: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pairs around every rare case and every branch of the kernel, plus specials crossed."""
    rng = np.random.default_rng(seed)
    sa, sb = rng.integers(0, 2, n), rng.integers(0, 2, n)
    ma, mb = rng.integers(0, 128, n), rng.integers(0, 128, n)
    if op in ("add", "sub"):
        ea = rng.integers(0, 255, n)
        gap = rng.integers(0, 41, n)  # 0-15: exact float32 sums; 16-40: inexact (E != 0)
        eb = np.clip(ea - gap, 0, 254)
        ma = np.where(rng.random(n) < 0.25, 0, ma)  # powers of two: borrowing steps into the finer binade
        mb = np.where(rng.random(n) < 0.1, 0, mb)
        ea = np.where(rng.random(n) < 0.1, 254, ea)  # the overflow threshold
        ma = np.where(ea == 254, np.where(rng.random(n) < 0.5, 127, ma), ma)
        a, b = _code(sa, ea, ma), _code(sb, eb, mb)
        cancel = rng.random(n) < 0.05
        b = np.where(cancel, a ^ (0x8000 if op == "add" else 0), b)
        swap = rng.random(n) < 0.5
        a, b = np.where(swap, b, a), np.where(swap, a, b)
    else:
        ea = rng.integers(0, 255, n)
        target = rng.integers(-20, 30, n)  # result exponent field: subnormal range, around 2^-126, normal
        target = np.where(rng.random(n) < 0.2, rng.integers(250, 258, n), target)  # overflow threshold
        eb = target - ea + 127 if op == "mul" else ea - target + 127
        eb = np.where((eb < 0) | (eb > 254), rng.integers(0, 255, n), eb)
        a, b = _code(sa, ea, ma), _code(sb, eb, mb)
    sp = np.array(SPECIALS, np.uint16)
    a = np.concatenate([a, np.repeat(sp, sp.size)])
    b = np.concatenate([b, np.tile(sp, sp.size)])
    return a, b


def _int64(op, a, b, env, r):
    code, _ = arith.compute(op, [unpack(a, BF16), unpack(b, BF16)], BF16, env, r.astype(np.int64), False)
    return code.astype(np.uint16)


def _targeted_r(op, a, b, n, rng):
    """R in [0, 2^n): a third uniform, a third placing the float32 result's low half L (or L - 1,
    a borrow) one below the carry (``L + (R >> j) = 2^16 - 1``: the bits below decide), the rest
    the extremes 0 and 2^n - 1."""
    fa = (a.astype(np.uint32) << 16).view(np.float32)
    fb = (b.astype(np.uint32) << 16).view(np.float32)
    with np.errstate(all="ignore"):
        s = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op](fa, fb)
    low = s.view(np.uint32).astype(np.int64) & 0xFFFF
    low = np.where(rng.random(a.size) < 0.5, low, (low - 1) & 0xFFFF)
    j = n - 16
    if j >= 0:
        near = ((0xFFFF - low) << j) + rng.integers(0, 1 << j, a.size)
    else:  # the bias R << (16 - n) lands just at or below 2^16 - L
        near = (0xFFFF - low + 1) >> (16 - n)
    pick = rng.integers(0, 4, a.size)
    r = np.where(pick == 0, rng.integers(0, 1 << n, a.size),
                 np.where(pick == 1, 0, np.where(pick == 2, (1 << n) - 1, near)))
    return r.astype(np.int64) % (1 << n)


def _check(a, b, r, got, want, what):
    bad = np.flatnonzero(got != want)
    if bad.size:
        i = bad[0]
        raise AssertionError(f"{what}: {int(a[i]):#06x}, {int(b[i]):#06x}, R={int(r[i])} got {int(got[i]):#06x} "
                             f"want {int(want[i]):#06x} ({bad.size} mismatches)")


def test_applies_only_to_bf16_stochastic_ieee_without_flags():
    sr = Env(Rounding(Mode.SR_C, 8))
    assert all(bf16_sr_kernel.applies(op, BF16, sr) for op in OPS)
    assert not bf16_sr_kernel.applies("fma", BF16, sr)
    assert not bf16_sr_kernel.applies("sqrt", BF16, sr)
    assert not bf16_sr_kernel.applies("add", BF16, Env())
    assert not bf16_sr_kernel.applies("add", BF16, sr, with_flags=True)
    assert not bf16_sr_kernel.applies("add", BF16, Env(Rounding(Mode.SR_A, 8), overflow=Overflow.SATFINITE))
    assert not bf16_sr_kernel.applies("add", get_format("f16"), sr)
    assert not bf16_sr_kernel.applies("add", BF16, sr, get_format("f32"))
    assert bf16_sr_kernel.applies("mul", BF16, Env(Rounding(Mode.SR_B, 64)))
    assert bf16_sr_kernel.applies("div", BF16, Env(Rounding(Mode.SR_B, 60)))
    assert not bf16_sr_kernel.applies("div", BF16, Env(Rounding(Mode.SR_B, 61)))


def _every_r(op, a, b, mode, n):
    """Every pair against every R in [0, 2^n): int64 datapath vs arith.apply."""
    k = 1 << n
    aa, bb = np.repeat(a, k), np.repeat(b, k)
    r = np.tile(np.arange(k, dtype=np.int64), a.size)
    env = Env(Rounding(mode, n))
    got = arith.apply(op, (aa, bb), BF16, env, random_bits=r)
    _check(aa, bb, r, got, _int64(op, aa, bb, env, r), f"{op} {mode.value}{n}")


@pytest.mark.parametrize("op", OPS)
def test_every_random_value_for_small_n_against_int64(op):
    a, b = _pairs(op, 1500, seed=1)
    for mode in MODES:
        for n in (1, 2, 3, 4):
            _every_r(op, a, b, mode, n)


@pytest.mark.parametrize("op", OPS)
def test_sampled_random_bits_up_to_n32_against_int64(op):
    a, b = _pairs(op, 3000, seed=2)
    rng = np.random.default_rng(3)
    for mode in MODES:
        for n in (5, 7, 8, 12, 15, 16, 17, 20, 24, 31, 32):
            r = _targeted_r(op, a, b, n, rng)
            env = Env(Rounding(mode, n))
            got = arith.apply(op, (a, b), BF16, env, random_bits=r)
            _check(a, b, r, got, _int64(op, a, b, env, r), f"{op} {mode.value}{n}")


@pytest.mark.parametrize("op", OPS)
def test_rare_cases_and_wide_n_against_golden(op):
    a, b = _pairs(op, 250, seed=4)
    rng = np.random.default_rng(5)
    for mode in MODES:
        for n in (1, 8, 16, 17, 33, 45, 60, 63):
            r = rng.integers(0, 1 << n, a.size, dtype=np.int64)
            env = Env(Rounding(mode, n))
            got = arith.apply(op, (a, b), BF16, env, random_bits=r)
            _check(a, b, r, got, arith.golden_apply(op, [a, b], BF16, env, BF16, r), f"{op} {mode.value}{n}")


def _sum_near_decision(n_pairs: int, seed: int):
    """Sums whose float32 result is inexact (gap > 15), a bf16 value (s = a: borrow below a power of
    two) or one float32 ulp away, with R chosen so that the carry from phi decides."""
    rng = np.random.default_rng(seed)
    ea = rng.integers(30, 250, n_pairs)
    ma = np.where(rng.random(n_pairs) < 0.5, 0, rng.integers(0, 128, n_pairs))
    gap = rng.integers(14, 41, n_pairs)
    a = _code(rng.integers(0, 2, n_pairs), ea, ma)
    b = _code(rng.integers(0, 2, n_pairs), ea - gap, rng.integers(0, 128, n_pairs))
    return a, b


@pytest.mark.parametrize("mode", MODES)
def test_inexact_sums_where_phi_decides_against_golden(mode):
    a, b = _sum_near_decision(400, seed=6)
    rng = np.random.default_rng(7)
    for n in (8, 15, 16, 17, 18, 24, 40):
        r = _targeted_r("add", a, b, n, rng)
        for op in ("add", "sub"):
            if op == "sub":
                r = _targeted_r("sub", a, b, n, rng)
            env = Env(Rounding(mode, n))
            want = arith.golden_apply(op, [a, b], BF16, env, BF16, r)
            got = arith.apply(op, (a, b), BF16, env, random_bits=r)
            _check(a, b, r, got, want, f"{op} {mode.value}{n}")
            # <= 32 inexact sums in a chunk take the index-list route: every 20-pair slice
            few = np.concatenate([arith.apply(op, (a[k:k + 20], b[k:k + 20]), BF16, env, random_bits=r[k:k + 20])
                                  for k in range(0, a.size, 20)])
            _check(a, b, r, few, want, f"{op} {mode.value}{n} (few)")


@pytest.mark.parametrize("op", OPS)
def test_rare_set_contains_every_kernel_error(op):
    a, b = _pairs(op, 4000, seed=8)
    rng = np.random.default_rng(9)
    for mode in MODES:
        for n in (3, 16, 20):
            rnd = Rounding(mode, n)
            r = rng.integers(0, 1 << n, a.size)
            code, rare = bf16_sr_kernel.rounded(op, a, b, BF16, rnd, r)
            want = _int64(op, a, b, Env(rnd), r)
            wrong = np.flatnonzero(code != want)
            assert np.isin(wrong, rare).all(), (op, rnd, wrong[~np.isin(wrong, rare)][:5])
            if op in ("add", "sub"):  # only specials and overflows are rare for sums
                assert rare.size < 0.1 * a.size


def test_overflow_threshold_rounds_stochastically_then_to_inf():
    # max finite + half an ulp (exact): SR-A with R >= 2^(N-1) goes to +Inf, else max
    mx, half = 0x7F7F, _code(0, 254 - 8, 0)
    n = 4
    r = np.arange(16)
    for mode in MODES:
        got = arith.add(np.full(16, mx), np.full(16, half), BF16, Env(Rounding(mode, n)), random_bits=r)
        want = arith.golden_apply("add", [np.full(16, mx), np.full(16, half)], BF16, Env(Rounding(mode, n)), BF16, r)
        assert (got == want).all()
        assert set(got.tolist()) == {0x7F7F, 0x7F80}
        neg = arith.sub(np.full(16, mx | 0x8000), np.full(16, half), BF16, Env(Rounding(mode, n)), random_bits=r)
        assert set(neg.tolist()) == {0xFF7F, 0xFF80}


def test_zero_signs_and_exact_results():
    env = Env(Rounding(Mode.SR_C, 8))
    r = np.array([0, 255, 17, 128])
    x = np.array([0x3F80, 0xC123, 0x0001, 0x7F7F], np.uint16)
    assert (arith.add(x, x ^ 0x8000, BF16, env, random_bits=r) == 0).all()  # x + (-x) = +0
    assert (arith.sub(x, x, BF16, env, random_bits=r) == 0).all()
    assert (arith.add(np.full(4, 0x8000), np.full(4, 0x8000), BF16, env, random_bits=r) == 0x8000).all()
    assert (arith.mul(x, np.full(4, 0x8000), BF16, env, random_bits=r) == (x & 0x8000) ^ 0x8000).all()
    assert (arith.div(x, np.zeros(4, np.uint16), BF16, env, random_bits=r) == (x & 0x8000) | 0x7F80).all()
    assert (arith.div(np.zeros(4, np.uint16), x, BF16, env, random_bits=r) == x & 0x8000).all()
    assert (arith.mul(x, np.full(4, 0x3F80), BF16, env, random_bits=r) == x).all()  # exact: no rounding
    nan = arith.mul(np.array([0x0000, 0x7FC0]), np.array([0x7F80, 0x3F80]), BF16, env, random_bits=r[:2])
    want = arith.golden_apply("mul", [np.array([0x0000, 0x7FC0]), np.array([0x7F80, 0x3F80])], BF16, env, BF16, r[:2])
    assert (nan == want).all()


@pytest.mark.parametrize("op", OPS)
def test_subnormal_results_against_golden(op):
    rng = np.random.default_rng(10)
    n = 3000
    if op in ("add", "sub"):
        a = _code(rng.integers(0, 2, n), rng.integers(0, 3, n), rng.integers(0, 128, n))
        b = _code(rng.integers(0, 2, n), rng.integers(0, 3, n), rng.integers(0, 128, n))
    else:
        a, b = _pairs(op, n, seed=11)
        a, b = a[:n], b[:n]
    for mode in MODES:
        r = rng.integers(0, 1 << 8, a.size)
        env = Env(Rounding(mode, 8))
        got = arith.apply(op, (a, b), BF16, env, random_bits=r)
        _check(a, b, r, got, arith.golden_apply(op, [a, b], BF16, env, BF16, r), f"{op} {mode.value}8")


def test_rng_and_explicit_bits_agree_with_the_int64_path():
    a, b = _pairs("mul", 3000, seed=12)
    env = Env(Rounding(Mode.SR_A, 8))
    for op in OPS:
        fast = arith.apply(op, (a, b), BF16, env, rng=5)
        old = arith.USE_BF16_SR_KERNEL
        arith.USE_BF16_SR_KERNEL = False
        try:
            slow = arith.apply(op, (a, b), BF16, env, rng=np.random.default_rng(5))
        finally:
            arith.USE_BF16_SR_KERNEL = old
        assert (fast == slow).all()
        r = arith.random_bits_for(env.rounding, a.shape, env, rng=5)
        assert (arith.apply(op, (a, b), BF16, env, random_bits=r) == fast).all()
    # the scalar env.random_bits and broadcasting
    env7 = Env(Rounding(Mode.SR_B, 4), random_bits=7)
    got = arith.add(a.reshape(-1, 1)[:40], b[:30].reshape(1, -1), BF16, env7)
    assert got.shape == (40, 30)
    aa, bb = np.broadcast_arrays(a.reshape(-1, 1)[:40], b[:30].reshape(1, -1))
    want = _int64("add", aa.ravel(), bb.ravel(), env7, np.full(aa.size, 7))
    assert (got.ravel() == want).all()


def test_chunk_boundaries_and_dtypes():
    n = bf16_sr_kernel.CHUNK + 1234
    rng = np.random.default_rng(13)
    a = rng.integers(0, 1 << 16, n).astype(np.uint16)
    b = rng.integers(0, 1 << 16, n).astype(np.uint16)
    env = Env(Rounding(Mode.SR_C, 6))
    r = rng.integers(0, 64, n)
    for op in OPS:
        got = arith.apply(op, (a.astype(np.int64), b), BF16, env, random_bits=r)
        assert got.dtype == np.uint16
        _check(a, b, r, got, _int64(op, a, b, env, r), op)
    with pytest.raises(ValueError):
        arith.add(np.array([0x10000]), np.array([1]), BF16, env, random_bits=np.array([1]))


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)), min_size=1, max_size=40),
       op=st.sampled_from(OPS), mode=st.sampled_from(MODES), n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_hypothesis_against_golden(pairs, op, mode, n, seed):
    a = np.array([p[0] for p in pairs], np.uint16)
    b = np.array([p[1] for p in pairs], np.uint16)
    if op in ("add", "sub"):  # bring the exponents close enough to be interesting half of the time
        b = np.where(np.arange(b.size) % 2 == 0, (b & 0x807F) | (((a >> 7) & 0xFF) - (b % 24)).clip(0, 254) << 7, b)
        b = b.astype(np.uint16)
    r = np.random.default_rng(seed).integers(0, 1 << n, a.size)
    env = Env(Rounding(mode, n))
    got = arith.apply(op, (a, b), BF16, env, random_bits=r)
    _check(a, b, r, got, arith.golden_apply(op, [a, b], BF16, env, BF16, r), f"{op} {mode.value}{n}")


@pytest.mark.parametrize("op", OPS)
def test_sparse_operands_leave_no_rare_elements(op):
    """ReLU-like operands (half +-0): exact results, pruned from the rare set on the whole chunk."""
    rng = np.random.default_rng(14)
    n = 20000
    a = _code(rng.integers(0, 2, n), rng.integers(100, 150, n), rng.integers(0, 128, n))
    a = np.where(rng.random(n) < 0.5, np.where(rng.random(n) < 0.5, 0x0000, 0x8000), a).astype(np.uint16)
    b = _code(rng.integers(0, 2, n), rng.integers(100, 150, n), rng.integers(0, 128, n))
    rnd = Rounding(Mode.SR_C, 8)
    r = rng.integers(0, 256, n)
    code, rare = bf16_sr_kernel.rounded(op, a, b, BF16, rnd, r)
    assert rare.size == 0
    _check(a, b, r, code, _int64(op, a, b, Env(rnd), r), op)
    code, rare = bf16_sr_kernel.rounded(op, b, a, BF16, rnd, r)  # x / 0 = Inf: exact too
    assert rare.size == 0
    _check(b, a, r, code, _int64(op, b, a, Env(rnd), r), op)


@pytest.mark.slow
@pytest.mark.parametrize("op", OPS)
def test_every_code_against_the_int64_path(op):
    """Every bf16 code a × 128 codes b (every other exponent, one significand each, both signs)
    with uniform R per element, SR-A/B/C at N = 8, 16, 20, against the int64 datapath
    (`arith.USE_BF16_SR_KERNEL = False`): 2^16 × 128 pairs per case (~10 s per op)."""
    rng = np.random.default_rng(15)
    a_all = np.arange(1 << 16, dtype=np.uint16)
    b_set = (np.arange(0, 256, 4) << 7) | rng.integers(0, 128, 64)
    b_set = np.concatenate([b_set, b_set | 0x8000]).astype(np.uint16)
    a, b = np.tile(a_all, b_set.size), np.repeat(b_set, a_all.size)
    for mode in MODES:
        for n in (8, 16, 20):
            env = Env(Rounding(mode, n))
            r = rng.integers(0, 1 << n, a.size)
            got = arith.apply(op, (a, b), BF16, env, random_bits=r)
            arith.USE_BF16_SR_KERNEL = False
            try:
                want = arith.apply(op, (a, b), BF16, env, random_bits=r)
            finally:
                arith.USE_BF16_SR_KERNEL = True
            _check(a, b, r, got, want, f"{op} {mode.value}{n}")
