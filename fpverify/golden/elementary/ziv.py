"""Ziv's strategy: evaluate with mpmath at rising precision until the rounding is decided.

`round_enclosed` asks a value function for an approximation ``v`` at working precision
``P + GUARD``, takes the enclosure ``|X - v| < |v| 2^-P`` (the error model: mpmath's elementary
functions and the few operations composing them stay far inside that bound, the `GUARD` bits
are the slack), and runs the shared rounding kernel on it. If any query of the kernel is not
decided by the enclosure, ``P`` doubles; past `MAX_PRECISION` bits an `ZivExhausted` internal
error is raised (never a silent answer). Values far outside the target's range are replaced by
a representative that every rounding mode, random-bit string and tininess rule treats the same
(`far_representative`), so huge exponents never reach integer arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import mpmath

from ...formats import FloatFormat
from ...rounding import Env, Rounded, round_to_format
from ..real import Dyadic, Ratio, Real
from .enclosure import Enclosure, Undecided

GUARD = 20  # working precision beyond the claimed accuracy
MAX_PRECISION = 1 << 15  # bits; reaching it is a bug or an unforeseen exact case
FAR_MARGIN = 72  # binades below the smallest quantum that stochastic rounding (N <= 64) can see


class ZivExhausted(RuntimeError):
    """The rounding stayed undecided up to `MAX_PRECISION` bits (an internal error)."""


def to_dyadic(v: mpmath.mpf) -> Dyadic:
    """The exact value of a finite mpmath number."""
    if not mpmath.isfinite(v):
        raise ZivExhausted(f"mpmath returned {v} for a finite result")
    man, exp = v.man_exp  # mpmath gives |mantissa| for some values: take the sign from v
    return Dyadic(bool(v < 0), abs(int(man)), int(exp))


def from_dyadic(d: Dyadic) -> mpmath.mpf:
    """An mpmath number equal to ``d`` (exact: the precision is raised to hold the mantissa)."""
    with mpmath.mp.workprec(max(53, d.mant.bit_length() + 1)):
        return +mpmath.ldexp(mpmath.mpf(d.signed_mant), d.exp)


def start_precision(fmt: FloatFormat, env: Env) -> int:
    """Bits enough for most inputs: the format's precision, stochastic bits and a margin."""
    return fmt.precision + env.rounding.nbits + 24


def far_representative(x: Real, fmt: FloatFormat) -> Real:
    """``x`` itself, or a non-dyadic stand-in when ``|x|`` is so large that it overflows in every
    mode or so small that every query of the kernel sees only its sign."""
    e = x.ilog2()
    top = Ratio(fmt.max_value).ilog2()
    tiny = fmt.emin - fmt.precision - FAR_MARGIN
    sign = -1 if x.negative else 1
    if e >= top + 2:
        return Ratio(sign * Fraction(4, 3) * Fraction(2) ** (top + 2))
    if e < tiny:
        return Ratio(sign * Fraction(4, 3) * Fraction(2) ** (tiny - 2))
    return x


def round_exact(x: Real, fmt: FloatFormat, env: Env) -> Rounded:
    """Round an exactly known result (zeros keep their sign)."""
    if x.is_zero:
        return round_to_format(x, fmt, env)
    return round_to_format(far_representative(x, fmt), fmt, env)


@dataclass(frozen=True)
class Anchored:
    """X = anchor + delta: a value function's answer near a dyadic (tanh(x) = 1 - 2/(e^2x + 1)).

    ``delta`` carries the relative accuracy, so results within e^-65504 of 1 need no more bits
    than any other; a delta far below every bit the kernel can ask for is replaced by the open
    interval between the anchor and the delta's bound (the truth lies there too).
    """

    anchor: Dyadic
    delta: mpmath.mpf


def _interval(v: mpmath.mpf, prec: int) -> tuple[Dyadic, Dyadic]:
    d = to_dyadic(v)
    if d.is_zero:
        raise Undecided("approximation is zero")
    r = Dyadic(False, 1, d.ilog2() + 1 - prec)
    return d + -r, d + r


def enclose(value: Callable[[], "mpmath.mpf | Anchored"], prec: int) -> Enclosure:
    """The enclosure of ``value()`` evaluated at ``prec + GUARD`` bits."""
    with mpmath.mp.workprec(prec + GUARD):
        v = value()
    if not isinstance(v, Anchored):
        return Enclosure(*_interval(v, prec))
    lo, hi = _interval(v.delta, prec)
    top = v.anchor.ilog2() - prec - 8  # |delta| < 2^top: below every bit a decided query reads
    if max(lo.ilog2(), hi.ilog2()) + 1 < top:
        bound = Dyadic(lo.negative, 1, top)
        lo, hi = (bound, Dyadic(False, 0, 0)) if lo.negative else (Dyadic(False, 0, 0), bound)
    return Enclosure(v.anchor + lo, v.anchor + hi)


def round_enclosed(value: Callable[[], "mpmath.mpf | Anchored"], fmt: FloatFormat, env: Env,
                   prec: int | None = None) -> Rounded:
    """The correctly rounded result of a non-dyadic real computed by ``value()`` (mpmath, at the
    ambient working precision)."""
    p = prec or start_precision(fmt, env)
    while p <= MAX_PRECISION:
        try:
            x = enclose(value, p)
            return round_to_format(far_representative(x, fmt), fmt, env)
        except Undecided:
            p *= 2
    raise ZivExhausted(f"rounding into {fmt.name} undecided at {MAX_PRECISION} bits")


__all__ = ["Anchored", "round_enclosed", "round_exact", "enclose", "far_representative", "to_dyadic", "from_dyadic",
           "start_precision", "ZivExhausted", "GUARD", "MAX_PRECISION"]
