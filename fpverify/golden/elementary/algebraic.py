"""Algebraic functions with exact results: rsqrt (1/sqrt x) and recip (1/x).

Both are exact reals (`SqrtOf`, `Ratio`) rounded once by the shared kernel: no precision to
choose. Special cases follow IEEE 754-2019 §9.2 (rSqrt) and division: rsqrt(±0) = ±inf and
recip(±0) = ±inf with divide-by-zero; rsqrt(x < 0) and rsqrt(-inf) are invalid; rsqrt(+inf) = +0;
recip(±inf) = ±0.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath

from ...semantics.ports import Flags
from ..operand import Kind, Operand
from ..real import Ratio, SqrtOf
from .outcomes import Definition, ExactOut, InfOut, NanOut, Outcome, zero


def _rsqrt_special(x: Operand) -> Outcome:
    if x.kind is Kind.ZERO:
        return InfOut(x.sign, Flags.INFINITE)
    if x.sign:
        return NanOut(invalid=True)
    if x.kind is Kind.INF:
        return zero(0)
    return ExactOut(SqrtOf(1 / x.value.to_fraction()))


def _recip_special(x: Operand) -> Outcome:
    if x.kind is Kind.ZERO:
        return InfOut(x.sign, Flags.INFINITE)
    if x.kind is Kind.INF:
        return zero(x.sign)
    return ExactOut(Ratio(Fraction(1) / x.value.to_fraction()))


DEFINITIONS = (
    Definition("rsqrt", 1, _rsqrt_special, lambda x: 1 / mpmath.sqrt(x), "1 / sqrt(x)"),
    Definition("recip", 1, _recip_special, lambda x: 1 / x, "1 / x"),
)

__all__ = ["DEFINITIONS"]
