"""fpverify.fast.emulate: FPArray operations are fast.arith/dot on the codes, seeded and exact.

Oracles: `fast.arith` on the same codes with the same random bits (itself checked against
golden in test_fast_arith.py), `golden.neg`, `golden.convert`, ml_dtypes' decoding, and the
expected value of stochastic rounding (an unbiased rounding of a sub-half-ulp increment).
"""

from __future__ import annotations

import numpy as np
import pytest

from fpverify import golden
from fpverify.fast import arith
from fpverify.fast.emulate import Context, FPArray, negate
from fpverify.formats import get_format
from fpverify.rounding import Env


def test_operations_are_arith_with_the_contexts_random_bits():
    x = np.random.default_rng(0).standard_normal((5, 4))
    ctx = Context("sr_c8", seed=11)
    a = FPArray.from_float(x, "bf16", ctx)
    b = FPArray.from_float(x[::-1], "bf16", ctx)
    got = ((a * b) + a).codes
    ref = Context("sr_c8", seed=11)
    ca = FPArray.from_float(x, "bf16", ref).codes
    cb = FPArray.from_float(x[::-1], "bf16", ref).codes
    env = ref.env
    p = arith.mul(ca, cb, "bf16", env, random_bits=ref.draw(ca.shape))
    want = arith.add(p, ca, "bf16", env, random_bits=ref.draw(ca.shape))
    assert np.array_equal(got, want)


def test_rne_operations_with_python_numbers_and_ml_dtypes_view():
    ctx = Context("rne")
    a = FPArray.from_float(np.array([1.0, 2.5, -3.0, 192.0]), "e4m3fn", ctx)
    assert (a * 2).to_float().tolist() == [2.0, 5.0, -6.0, 384.0]
    assert np.isnan((a * 4).to_float()[3])  # 768 > 448: OCP E4M3 overflows to NaN
    pytest.importorskip("ml_dtypes")
    view = a.as_ml_dtypes()
    assert view.dtype.name == "float8_e4m3fn"
    assert np.array_equal(view.astype(np.float32), a.to_float())
    assert ((1.0 - a) / 2).to_float().tolist() == [0.0, -0.75, 2.0, -96.0]  # 1 - 192 rounds to -192


def test_negate_is_golden_neg():
    for name in ("e4m3fn", "e4m3fnuz", "p3109_8p3se", "e5m2", "p3109_8p1uf", "e2m1fn"):
        f = get_format(name)
        c = np.arange(1 << f.bits)
        assert negate(c, f).tolist() == [golden.neg(f, int(i)) for i in c], name


def test_astype_rounds_once_like_golden_convert():
    f, g = get_format("bf16"), get_format("e4m3fn")
    codes = np.arange(0, 1 << 16, 7)
    for ctx in (Context("rtz"), Context("sr_a4", seed=2)):
        got = FPArray(codes, f, ctx).astype(g).codes
        bits = Context(ctx.rounding, seed=ctx.seed).draw(codes.shape)
        for i, c in enumerate(codes.tolist()):
            env = Env(ctx.rounding, random_bits=int(bits[i]) if bits is not None else 0)
            r = golden.convert(f, c, g, env)
            assert int(got[i]) == r.code or (g.is_nan(r.code) and g.is_nan(int(got[i]))), hex(c)


def test_stochastic_rounding_is_unbiased_where_rne_stagnates():
    """1 + 1000 increments of 2^-10 in bf16 (ulp 2^-7 at 1): RNE never moves; SR-A does, by ~1000 * 2^-10."""
    inc = np.full(4000, 2.0 ** -10)
    rne = FPArray.from_float(np.ones(4000), "bf16", Context("rne"))
    sr = FPArray.from_float(np.ones(4000), "bf16", Context("sr_a16", seed=0))
    for _ in range(250):
        rne = rne + inc
        sr = sr + inc
    assert np.all(rne.to_float() == 1.0)
    mean = float(sr.to_float(np.float64).mean())
    assert abs(mean - (1 + 250 * 2.0 ** -10)) < 0.01


def test_matmul_sum_and_errors():
    ctx = Context("rne")
    a = FPArray.from_float(np.arange(6.0).reshape(2, 3), "f16", ctx)
    b = FPArray.from_float(np.ones((3, 2)), "f16", ctx)
    assert (a @ b).to_float().tolist() == [[3.0, 3.0], [12.0, 12.0]]
    assert (a[0] @ a[1]).to_float() == 0 * 3 + 1 * 4 + 2 * 5
    assert a.sum().to_float() == 15.0
    seq = FPArray.from_float(np.arange(6.0).reshape(2, 3), "e4m3fn", Context("rtz", order="sequential", acc="bf16"))
    assert (seq @ FPArray.from_float(np.ones((3, 1)), "e4m3fn", seq.ctx)).shape == (2, 1)
    with pytest.raises(TypeError):
        a + FPArray.from_float([1.0, 2.0, 3.0], "bf16")
