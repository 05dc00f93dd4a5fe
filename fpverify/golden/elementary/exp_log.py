"""Exponentials and logarithms: exp exp2 exp10 expm1 log log2 log10 log1p.

Exact cases (the only inputs with dyadic or rational results, by Lindemann-Weierstrass and
Gelfond-Schneider): exp(0) = expm1(0) = 0 sign kept, 2^k, 10^k, log(1) = +0, log2(2^k) = k,
log10(10^k) = k, log1p(±0) = ±0. Everything else is transcendental.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath

from ...semantics.ports import Flags
from ..operand import Kind, Operand
from ..real import Dyadic, Ratio
from .ziv import Anchored
from .outcomes import (Definition, ExactOut, InfOut, NanOut, Outcome, integer_value, is_integer,
                       is_power_of_two, magnitude_bits, one, zero)

EXP10_EXACT_LIMIT = 400  # |k| up to which 10^k is built exactly (beyond: >900 significant bits)


def _exp_special(x: Operand) -> Outcome | None:
    if x.kind is Kind.INF:
        return zero(0) if x.sign else InfOut(0)
    if x.kind is Kind.ZERO:
        return one()
    return None


def _exp2_special(x: Operand) -> Outcome | None:
    out = _exp_special(x)
    if out is None and is_integer(x.value):
        return ExactOut(Dyadic(False, 1, integer_value(x.value)))
    return out


def _exp10_special(x: Operand) -> Outcome | None:
    out = _exp_special(x)
    if out is None and is_integer(x.value):
        k = integer_value(x.value)
        if abs(k) <= EXP10_EXACT_LIMIT:  # larger |k|: 5^|k| has too many bits to meet a rounding boundary
            return ExactOut(Ratio(Fraction(10) ** k))
    return out


ONE = Dyadic(False, 1, 0)


def _near_one(t):
    """e^t, as 1 + expm1(t) when |t| < 1 (the result is then near the dyadic 1)."""
    return Anchored(ONE, mpmath.expm1(t)) if abs(t) < 1 else mpmath.exp(t)


def _exp2_value(x: mpmath.mpf):
    if abs(x) < 1:
        return _near_one(x * mpmath.ln2)
    n = mpmath.floor(x)
    return mpmath.ldexp(mpmath.power(2, x - n), int(n))


def _exp10_value(x: mpmath.mpf):
    return _near_one(x * mpmath.ln10) if abs(x) < 1 else mpmath.power(10, x)


def _expm1_value(x: mpmath.mpf):
    return Anchored(Dyadic(True, 1, 0), mpmath.exp(x)) if x <= -1 else mpmath.expm1(x)


def _expm1_special(x: Operand) -> Outcome | None:
    if x.kind is Kind.INF:
        return ExactOut(Dyadic(True, 1, 0)) if x.sign else InfOut(0)
    if x.kind is Kind.ZERO:
        return ExactOut(x.value)
    return None


def _log_domain(x: Operand) -> Outcome | None:
    """log of zero, negatives and infinities (shared by log, log2, log10)."""
    if x.kind is Kind.ZERO:
        return InfOut(1, Flags.INFINITE)
    if x.sign:
        return NanOut(invalid=True)
    if x.kind is Kind.INF:
        return InfOut(0)
    return None


def _log_special(x: Operand) -> Outcome | None:
    out = _log_domain(x)
    if out is None and x.value.to_fraction() == 1:
        return zero(0)
    return out


def _log2_special(x: Operand) -> Outcome | None:
    out = _log_domain(x)
    if out is None and is_power_of_two(x.value):
        return ExactOut(Dyadic.from_signed(x.value.ilog2(), 0))
    return out


def _log10_special(x: Operand) -> Outcome | None:
    out = _log_domain(x)
    if out is None:
        v = x.value.to_fraction()
        if v.denominator == 1:
            k, n = 0, v.numerator
            while n % 10 == 0:
                n //= 10
                k += 1
            if n == 1:
                return ExactOut(Dyadic(False, k, 0))
    return out


def _log1p_special(x: Operand) -> Outcome | None:
    if x.kind is Kind.ZERO:
        return ExactOut(x.value)
    if x.kind is Kind.INF:
        return NanOut(invalid=True) if x.sign else InfOut(0)
    v = x.value.to_fraction()
    if v == -1:
        return InfOut(1, Flags.INFINITE)
    if v < -1:
        return NanOut(invalid=True)
    return None


DEFINITIONS = (
    Definition("exp", 1, _exp_special, _near_one, "e^x", extra_bits=magnitude_bits),
    Definition("exp2", 1, _exp2_special, _exp2_value, "2^x"),
    Definition("exp10", 1, _exp10_special, _exp10_value, "10^x", extra_bits=magnitude_bits),
    Definition("expm1", 1, _expm1_special, _expm1_value, "e^x - 1", extra_bits=magnitude_bits),
    Definition("log", 1, _log_special, mpmath.log, "ln x"),
    Definition("log2", 1, _log2_special, lambda x: mpmath.log(x) / mpmath.ln2, "log2 x"),
    Definition("log10", 1, _log10_special, mpmath.log10, "log10 x"),
    Definition("log1p", 1, _log1p_special, mpmath.log1p, "ln(1 + x)"),
)

__all__ = ["DEFINITIONS"]
