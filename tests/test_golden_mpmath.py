"""Golden model vs mpmath, a third independent oracle.

Trusted because mpmath's mpf +, -, *, / and sqrt are correctly rounded at any working precision in
the directed and nearest-even modes (libmpf), and share no code with the golden model (which works on
exact integers and rationals). mpmath has no exponent range, so only results in the normal range of
the target are compared; subnormals and specials are covered by TestFloat and MPFR elsewhere.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from fpverify import golden
from fpverify.formats import get_format
from fpverify.rounding import Env, Mode, Rounding

MODES = {Mode.RNE: "n", Mode.RTZ: "d", Mode.RUP: "c", Mode.RDN: "f"}
FORMATS = ["bf16", "f32", "f64", "tf32"]


def _finite_normal_codes(fmt):
    exp = st.integers(1, fmt.exp_mask - 1)
    man = st.integers(0, (1 << fmt.man_bits) - 1)
    sign = st.integers(0, 1)
    return st.builds(lambda s, e, m: (s << (fmt.bits - 1)) | (e << fmt.man_bits) | m, sign, exp, man)


def _mpf(fmt, code):
    """The exact value as an mpf (built from the integer significand and exponent: no rounding)."""
    sign, sig, exp = fmt.finite_parts(code)
    return mpmath.mpf((-sig if sign else sig, exp))


def _in_normal_range(fmt, value) -> bool:
    return value != 0 and fmt.min_normal <= abs(Fraction(value)) <= fmt.max_value


@pytest.mark.parametrize("fmt_name", FORMATS)
@pytest.mark.parametrize("mode", list(MODES))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_binary_ops_match_mpmath(fmt_name, mode, data):
    fmt = get_format(fmt_name)
    a = data.draw(_finite_normal_codes(fmt))
    b = data.draw(_finite_normal_codes(fmt))
    op = data.draw(st.sampled_from(["add", "sub", "mul", "div", "sqrt"]))
    env = Env(Rounding(mode))
    x, y = _mpf(fmt, a), _mpf(fmt, b)
    rnd = MODES[mode]
    if op == "sqrt":
        if x < 0:
            return
        ref = mpmath.libmp.mpf_sqrt(x._mpf_, fmt.precision, rnd)
        got = golden.sqrt(fmt, a, env)
    else:
        f = {"add": mpmath.libmp.mpf_add, "sub": mpmath.libmp.mpf_sub,
             "mul": mpmath.libmp.mpf_mul, "div": mpmath.libmp.mpf_div}[op]
        ref = f(x._mpf_, y._mpf_, fmt.precision, rnd)
        got = getattr(golden, op)(fmt, a, b, env=env)
    sign, man, exp, _ = ref
    ref_q = (-1) ** sign * Fraction(man) * Fraction(2) ** exp
    if not _in_normal_range(fmt, ref_q):
        return  # mpmath has no exponent range: overflow/underflow are checked against TestFloat/MPFR
    assert Fraction(fmt.value(got.code)) == ref_q, (op, hex(a), hex(b), mode)
