"""Circular and hyperbolic functions: sin cos tan atan tanh sinh cosh.

Exact cases: only at zero (sin, tan, atan, tanh, sinh keep the sign of zero; cos(0) = cosh(0) = 1)
and at infinities (tanh(±inf) = ±1, sinh(±inf) = ±inf, cosh(±inf) = +inf; sin, cos, tan of an
infinity are invalid). For a nonzero algebraic x these values are transcendental
(Lindemann-Weierstrass); atan(±inf) = ±pi/2 is rounded like any transcendental.
"""

from __future__ import annotations

import mpmath

from ..operand import Kind, Operand
from ..real import Dyadic
from .outcomes import (ApproxOut, Definition, ExactOut, InfOut, NanOut, Outcome, magnitude_bits, one,
                       signed_one)
from .ziv import Anchored

ONE = Dyadic(False, 1, 0)


def _odd(at_inf):
    """An odd function: ±0 -> ±0; ±inf -> ``at_inf(sign)``."""
    def special(x: Operand) -> Outcome | None:
        if x.kind is Kind.ZERO:
            return ExactOut(x.value)
        if x.kind is Kind.INF:
            return at_inf(x.sign)
        return None
    return special


def _even(at_inf):
    """An even function with f(0) = 1: ±inf -> ``at_inf``."""
    def special(x: Operand) -> Outcome | None:
        if x.kind is Kind.ZERO:
            return one()
        if x.kind is Kind.INF:
            return at_inf
        return None
    return special


def _half_pi(sign: int) -> ApproxOut:
    return ApproxOut(lambda: -mpmath.pi / 2 if sign else mpmath.pi / 2)


# near 1 (cos, cosh of small x) and near ±1 (tanh of large x): anchor + a relatively accurate delta


def _cos(x):
    return Anchored(ONE, -2 * mpmath.sin(x / 2) ** 2) if abs(x) < 1 else mpmath.cos(x)


def _cosh(x):
    return Anchored(ONE, 2 * mpmath.sinh(x / 2) ** 2) if abs(x) < 1 else mpmath.cosh(x)


def _tanh(x):
    if abs(x) < 1:
        return mpmath.tanh(x)
    s = -1 if x < 0 else 1
    return Anchored(Dyadic(s < 0, 1, 0), -s * 2 / (mpmath.exp(2 * abs(x)) + 1))


_INVALID = NanOut(invalid=True)

DEFINITIONS = (
    Definition("sin", 1, _odd(lambda s: _INVALID), mpmath.sin, "sin x", extra_bits=magnitude_bits),
    Definition("cos", 1, _even(_INVALID), _cos, "cos x", extra_bits=magnitude_bits),
    Definition("tan", 1, _odd(lambda s: _INVALID), mpmath.tan, "tan x", extra_bits=magnitude_bits),
    Definition("atan", 1, _odd(_half_pi), mpmath.atan, "arctan x"),
    Definition("tanh", 1, _odd(signed_one), _tanh, "tanh x"),
    Definition("sinh", 1, _odd(lambda s: InfOut(s)), mpmath.sinh, "sinh x", extra_bits=magnitude_bits),
    Definition("cosh", 1, _even(InfOut(0)), _cosh, "cosh x", extra_bits=magnitude_bits),
)

__all__ = ["DEFINITIONS"]
