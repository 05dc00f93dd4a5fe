"""Correctly rounded vector softmax: s_i = e^(x_i) / sum_j e^(x_j), each element rounded once.

Special cases (the max-subtracted formula's, as numpy/PyTorch give them): any NaN or +inf
element makes every result NaN (+inf - +inf); an all -inf vector gives NaN everywhere (0/0); an
element -inf gives +0 when some element is finite. Exact cases: if every finite element equals
x_i, s_i = 1/k (k finite elements). Otherwise s_i is transcendental (Lindemann-Weierstrass: k +
sum_j e^(d_j) with distinct nonzero rational d_j is transcendental), so the Ziv loop terminates.

The value is computed as e^(x_i - m) / sum_j e^(x_j - m), m = max x, with the differences exact
and ``bit_length(n) + 2`` extra working bits (n - 1 additions and one division of positive terms,
each with relative error below 2^-(P + GUARD)).
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Sequence

import mpmath

from ...formats import FloatFormat, Format, FormatError
from ...rounding import Env, Rounded
from ..operand import Kind, Operand, nan_result, unpack
from ..real import Dyadic, Ratio
from .outcomes import ApproxOut, ExactOut, NanOut, Outcome, zero
from .ziv import from_dyadic, round_enclosed, round_exact, start_precision


def extra_bits(n: int) -> int:
    """Working bits beyond the default for a vector of ``n`` elements."""
    return n.bit_length() + 2


@functools.lru_cache(maxsize=64)
def _terms(key: tuple, prec: int) -> tuple[tuple, "mpmath.mpf"]:
    """(e^(x_j - m), their sum) at ``prec`` bits for the dyadics ``key`` ((negative, mant, exp)
    triples): shared by the elements of one vector (they need the same sum)."""
    with mpmath.mp.workprec(prec):
        vals = [from_dyadic(Dyadic(*k)) for k in key]
        m = max(vals)
        terms = tuple(mpmath.exp(mpmath.fsub(v, m, exact=True)) for v in vals)
        return terms, mpmath.fsum(terms)


def _value(xs: Sequence[Dyadic], i: int):
    """The mpmath thunk of s_i for finite (non -inf) dyadics ``xs`` (at the ambient precision)."""
    key = tuple((x.negative, x.mant, x.exp) for x in xs)

    def value():
        terms, total = _terms(key, mpmath.mp.prec)
        return terms[i] / total
    return value


def element_outcome(operands: Sequence[Operand], i: int) -> Outcome:
    """NanOut, ExactOut (+0 or 1/k) or ApproxOut (the mpmath thunk) of softmax element ``i``."""
    if any(o.kind is Kind.NAN or (o.kind is Kind.INF and not o.sign) for o in operands):
        return NanOut(invalid=any(o.kind is Kind.INF for o in operands))
    finite = [o for o in operands if o.kind is not Kind.INF]
    if not finite:
        return NanOut(invalid=True)
    xi = operands[i]
    if xi.kind is Kind.INF:
        return zero(0)
    vals = [o.value for o in finite]
    if len({_normal(v) for v in vals}) == 1:
        return ExactOut(Ratio(Fraction(1, len(finite))))
    position = sum(1 for o in operands[:i] if o.kind is not Kind.INF)
    return ApproxOut(_value(vals, position))


def _normal(d: Dyadic) -> tuple[bool, int, int]:
    """A key equal for equal values (zeros of both signs are equal)."""
    if d.mant == 0:
        return (False, 0, 0)
    tz = (d.mant & -d.mant).bit_length() - 1
    return (d.negative, d.mant >> tz, d.exp + tz)


def softmax(fmt: Format, codes: Sequence[int], env: Env = Env(), out: Format | None = None) -> list[Rounded]:
    """softmax of the vector ``codes`` of ``fmt``, each element correctly rounded into ``out``."""
    out = out or fmt
    for f in (fmt, out):
        if not isinstance(f, FloatFormat):
            raise FormatError(f"softmax takes and gives floating-point formats, not {f.name}")
    ops = [unpack(fmt, c) for c in codes]
    prec = start_precision(out, env) + extra_bits(len(ops))
    results = []
    for i in range(len(ops)):
        got = element_outcome(ops, i)
        if isinstance(got, NanOut):
            results.append(nan_result(out, env, *ops, invalid=got.invalid))
        elif isinstance(got, ExactOut):
            results.append(round_exact(got.value, out, env))
        else:
            results.append(round_enclosed(got.value, out, env, prec))
    return results


__all__ = ["softmax", "element_outcome", "extra_bits"]
