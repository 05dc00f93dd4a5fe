"""fpverify.fast.dotprod: exact-then-round-once and sequential accumulation, against golden oracles.

Oracles: the exact Fraction sum of the decoded products rounded by `golden.from_value` (exact
order); a Python loop of `golden.fma` (sequential order in the operand format), and of exact
Fraction steps rounded by `golden.from_value` (sequential in a wider accumulator).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from fpverify import golden
from fpverify.fast import traps
from fpverify.fast.dotprod import convert_codes, dot, matmul
from fpverify.formats import get_format
from fpverify.rounding import DETERMINISTIC, Env, Mode, Rounding


def _finite_codes(fmt, n, rng, k):
    if fmt.bits <= 16:
        pool = np.array([c for c in range(1 << fmt.bits) if not fmt.is_special(c)], np.int64)
        return pool[rng.integers(0, pool.size, (n, k))]
    ops = traps.trap_operands(fmt, "fma", n * k, seed=int(rng.integers(1000)))[0]
    return np.where(np.vectorize(lambda c: fmt.is_special(int(c)))(ops), 0, ops).reshape(n, k)


def _value(fmt, c):
    return Fraction(fmt.value(int(c)))


@pytest.mark.parametrize("src,dst", [("e4m3fn", "f32"), ("bf16", "bf16"), ("f32", "f32"), ("e5m2", "e4m3fn"),
                                     ("e2m1fn", "bf16")])
@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
def test_exact_order_rounds_the_exact_sum_once(src, dst, rnd):
    fmt, out = get_format(src), get_format(dst)
    rng = np.random.default_rng(len(src) * 31 + len(dst))
    a, b = _finite_codes(fmt, 40, rng, 7), _finite_codes(fmt, 40, rng, 7)
    env = Env(rnd)
    codes, flags = dot(a, b, fmt, env, out=out, with_flags=True)
    for i in range(40):
        total = sum(_value(fmt, x) * _value(fmt, y) for x, y in zip(a[i], b[i]))
        g = golden.from_value(total, out, env)
        if total == 0:  # sign of an exact zero is the dot product's own rule (tested below)
            assert int(codes[i]) & out.mag_mask == 0 and flags[i] == 0
            continue
        assert (int(codes[i]), int(flags[i])) == (g.code, int(g.flags)), (i, [hex(x) for x in a[i]])


def test_exact_order_specials_and_zero_signs():
    f = get_format("bf16")
    one, neg_one, inf, ninf, nan, zero, nzero = 0x3F80, 0xBF80, 0x7F80, 0xFF80, 0x7FC0, 0x0000, 0x8000
    snan = 0x7F81
    a = np.array([[one, inf], [inf, ninf], [inf, one], [nan, one], [snan, one], [zero, nzero], [nzero, nzero],
                  [one, neg_one], [one, neg_one]])
    b = np.array([[one, zero], [one, one], [one, one], [one, one], [one, one], [one, one], [one, one],
                  [one, one], [one, one]])
    codes, flags = dot(a, b, f, with_flags=True)
    assert [f.is_nan(int(c)) for c in codes[:2]] == [True, True] and flags[0] == 0x10 and flags[1] == 0x10
    assert codes[2] == inf and flags[2] == 0
    assert f.is_nan(int(codes[3])) and flags[3] == 0 and f.is_nan(int(codes[4])) and flags[4] == 0x10
    assert codes[5] == zero and codes[6] == nzero and codes[7] == zero
    assert dot(a[8:], b[8:], f, Env(DETERMINISTIC[4]))[0] == nzero  # RDN: cancellation gives -0


@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
def test_sequential_in_the_operand_format_is_a_loop_of_golden_fma(rnd):
    fmt = get_format("bf16")
    rng = np.random.default_rng(5)
    a, b = _finite_codes(fmt, 30, rng, 6), _finite_codes(fmt, 30, rng, 6)
    env = Env(rnd)
    codes, flags = dot(a, b, fmt, env, order="sequential", with_flags=True)
    for i in range(30):
        acc, fl = 0, 0
        for x, y in zip(a[i], b[i]):
            r = golden.fma(fmt, int(x), int(y), acc, env)
            acc, fl = r.code, fl | int(r.flags)
        assert (int(codes[i]), int(flags[i])) == (acc, fl)


def test_sequential_in_a_wider_accumulator_then_converted():
    fmt, acc_f, out = get_format("e4m3fn"), get_format("bf16"), get_format("e5m2")
    rng = np.random.default_rng(9)
    a, b = _finite_codes(fmt, 30, rng, 12), _finite_codes(fmt, 30, rng, 12)
    env = Env()
    codes = dot(a, b, fmt, env, order="sequential", acc=acc_f, out=out)
    for i in range(30):
        acc = Fraction(0)
        for x, y in zip(a[i], b[i]):
            acc = Fraction(acc_f.value(golden.from_value(acc + _value(fmt, x) * _value(fmt, y), acc_f, env).code))
        want = golden.from_value(acc, out, env).code
        assert int(codes[i]) & out.mag_mask == want & out.mag_mask if acc == 0 else int(codes[i]) == want


def test_stochastic_sequential_is_seeded_and_matches_explicit_bits():
    fmt = get_format("e4m3fn")
    rng = np.random.default_rng(1)
    a, b = _finite_codes(fmt, 8, rng, 5), _finite_codes(fmt, 8, rng, 5)
    env = Env(Rounding(Mode.SR_C, 6))
    bits = np.random.default_rng(3).integers(0, 64, (8, 5))
    got = dot(a, b, fmt, env, order="sequential", random_bits=bits)
    for i in range(8):
        acc = 0
        for k in range(5):
            acc = golden.fma(fmt, int(a[i, k]), int(b[i, k]), acc, Env(env.rounding, random_bits=int(bits[i, k]))).code
        assert int(got[i]) == acc
    assert np.array_equal(dot(a, b, fmt, env, order="sequential", rng=7),
                          dot(a, b, fmt, env, order="sequential", rng=7))


def test_matmul_equals_rowwise_dot_and_convert_codes():
    fmt = get_format("e5m2")
    rng = np.random.default_rng(2)
    A, B = _finite_codes(fmt, 6, rng, 4), _finite_codes(fmt, 4, rng, 5)
    Y = matmul(A, B, fmt, out="f32")
    assert Y.shape == (6, 5)
    for i in range(6):
        assert np.array_equal(Y[i], dot(np.broadcast_to(A[i], (5, 4)), B.T, fmt, out="f32"))
    codes = np.arange(1 << 8)
    got, fl = convert_codes(codes, "e5m2", "e4m3fn", Env(DETERMINISTIC[2]), with_flags=True)
    for c in range(256):
        r = golden.convert(fmt, c, get_format("e4m3fn"), Env(DETERMINISTIC[2]))
        assert (int(got[c]), int(fl[c])) == (r.code, int(r.flags))
    with pytest.raises(ValueError):
        dot(A, A, fmt, order="pairwise")
    with pytest.raises(ValueError):
        matmul(A, A, fmt)
