"""pow(x, y) = x^y with the special cases of IEEE 754-2019 §9.2.1 (C99 F.9.4.4).

    pow(x, ±0) = 1 for any x (a quiet NaN too);  pow(+1, y) = 1 for any y (a quiet NaN too)
    pow(±0, y): y < 0 odd integer -> ±inf, other y < 0 -> +inf (both divide-by-zero);
                y > 0 odd integer -> ±0, other y > 0 -> +0;  y = -inf -> +inf, y = +inf -> +0
    pow(-1, ±inf) = 1;  pow(x, +inf) = +0 (|x| < 1), +inf (|x| > 1);  pow(x, -inf) the reverse
    pow(+inf, y) = +0 (y < 0), +inf (y > 0);  pow(-inf, y) = pow(-0, -y) without exception
    pow(x < 0, y) finite non-integer y: invalid;  otherwise NaN operands give NaN

Exact finite cases: with y = n / 2^j (n odd), x^y is rational exactly when |x| is a perfect
2^j-th power; it is then built exactly (a power of two always; other bases for |n| <= 400,
beyond which the odd mantissa n-th power has too many bits to sit on a rounding boundary). All
other x^y with x > 0 are irrational (Gelfond-Schneider / rational-root theorem).
"""

from __future__ import annotations

from fractions import Fraction
from math import isqrt

import mpmath

from ...semantics.ports import Flags
from ..operand import Kind, Operand
from ..real import Dyadic, Ratio
from .ziv import Anchored
from .outcomes import (Definition, ExactOut, InfOut, NanOut, Outcome, integer_value, is_integer, one,
                       zero)

EXACT_POWER_LIMIT = 400


def _odd_integer(y: Operand) -> bool:
    return y.kind is Kind.FINITE and is_integer(y.value) and integer_value(y.value) & 1 == 1


def _root_2j(d: Dyadic, j: int) -> Dyadic | None:
    """The exact 2^j-th root of a positive dyadic, or None when it is irrational."""
    m, e = d.mant, d.exp
    tz = (m & -m).bit_length() - 1
    m, e = m >> tz, e + tz  # odd mantissa
    for _ in range(j):
        r = isqrt(m)
        if r * r != m or e & 1:
            return None
        m, e = r, e // 2
    return Dyadic(False, m, e)


def _exact_power(base: Dyadic, n: int, sign: int) -> ExactOut | None:
    tz = (base.mant & -base.mant).bit_length() - 1
    m, e = base.mant >> tz, base.exp + tz
    if m == 1:
        return ExactOut(Dyadic(bool(sign), 1, e * n))
    if abs(n) > EXACT_POWER_LIMIT:
        return None
    v = Fraction(m) ** n * Fraction(2) ** (e * n)
    return ExactOut(Ratio(-v if sign else v))


def _pow_special(x: Operand, y: Operand) -> Outcome | None:
    if x.signaling or y.signaling:
        return NanOut()
    if y.kind is Kind.ZERO or (x.kind is Kind.FINITE and not x.sign and x.value.to_fraction() == 1):
        return one()
    if x.is_nan or y.is_nan:
        return NanOut()
    odd = _odd_integer(y)
    if x.kind is Kind.ZERO:
        if y.kind is Kind.INF:
            return InfOut(0) if y.sign else zero(0)
        s = x.sign if odd else 0
        return InfOut(s, Flags.INFINITE) if y.sign else zero(s)
    if y.kind is Kind.INF:
        if x.kind is Kind.FINITE and x.value.to_fraction() == -1:
            return one()
        big = x.kind is Kind.INF or abs(x.value.to_fraction()) > 1
        return InfOut(0) if big != bool(y.sign) else zero(0)
    if x.kind is Kind.INF:
        s = x.sign if odd else 0
        return zero(s) if y.sign else InfOut(s)
    if x.sign and not is_integer(y.value):
        return NanOut(invalid=True)
    sign = x.sign if odd else 0
    base = Dyadic(False, x.value.mant, x.value.exp)
    yv = y.value
    if is_integer(yv):
        return _exact_power(base, integer_value(yv), sign)
    tz = (yv.mant & -yv.mant).bit_length() - 1
    n, j = yv.mant >> tz, -(yv.exp + tz)
    root = _root_2j(base, j)
    if root is None:
        return None
    return _exact_power(root, -n if yv.negative else n, sign)


def _pow_value(x: mpmath.mpf, y: mpmath.mpf):
    """sign * e^t, t = y ln|x|; as ±(1 + expm1(t)) when |t| < 1 (near the dyadic ±1)."""
    t = y * mpmath.log(abs(x))
    neg = bool(x < 0 and mpmath.isint(y) and int(y) & 1)
    if abs(t) < 1:
        d = mpmath.expm1(t)
        return Anchored(Dyadic(neg, 1, 0), -d if neg else d)
    v = mpmath.exp(t)
    return -v if neg else v


def _pow_bits(x: Operand, y: Operand) -> int:
    """log2 |y ln|x|| bits: the absolute error of y ln|x| becomes the relative error of x^y."""
    lx = abs(x.value.ilog2()) + 1
    return max(0, y.value.ilog2() + lx.bit_length() + 2)


DEFINITIONS = (
    Definition("pow", 2, _pow_special, _pow_value, "x^y", handles_nan=True, extra_bits=_pow_bits),
)

__all__ = ["DEFINITIONS"]
