"""float64 candidates of the elementary functions, each with a stated error bound (fast path).

For every function a `Candidate` gives

* ``value(x)``: a float64 approximation ``y`` of f(x) for float64 arrays ``x`` (exact operand
  values), from numpy / the C library (``math.erf`` / ``math.erfc``);
* ``bits`` = B: the claim ``|f(x) - y| <= 2^-B |y|`` whenever ``y`` is a normal float64. The
  C-library / numpy functions claim <= 4 float64 ulps (2^-50 relative; glibc and numpy's SIMD
  paths document 1 to 4 ulps); B = 44 leaves a factor >= 64 of margin. The composites add a few
  roundings and the conditioning of their inner argument (gelu_erf: erfc at z = -x/sqrt 2 amplifies
  the argument's 2^-52 error by 2z^2 <= 1500 before erfc underflows, 2^-41.5; gelu_tanh: exp at
  -2u with |2u| <= 745 amplifies the <= 8 roundings of u, 2^-40.5): B = 36 for those, B = 40
  for erf (CPython ``math.erf``). The measured maxima over every f16 and bf16 operand are in
  docs/fast.md (benchmarks/bench_elementary.py recomputes them against MPFR);
* ``sign``: the sign of f(x) where it is known from the definition for every finite nonzero x
  (``"pos"``, ``"odd"`` = sign of x, or None): results that underflow float64 are only decided
  with it;
* ``near(x)``: for inputs where f(x) = A + d with a dyadic anchor A (1, 1/2, x, x/2, +-1) and a
  tiny d: ``(mask, A, sign of d, upper bound of |d|)``, each a mathematical fact (Taylor
  remainders for |x| < 1/16, tail bounds such as 1 - tanh|x| < 2 e^-2|x|), with a factor >= 2 of
  slack over the float64 evaluation of the bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

LIBM_BITS = 44
COMPOSITE_BITS = 36
ERF_BITS = 40
SMALL = 1.0 / 16  # |x| below which the Taylor anchors apply
R_SQRT2 = 1 / math.sqrt(2)
C_TANH = math.sqrt(2 / math.pi)
A_TANH = 0.044715

_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def erf(x: np.ndarray) -> np.ndarray:
    return _erf(x).astype(np.float64)


def erfc(x: np.ndarray) -> np.ndarray:
    return _erfc(x).astype(np.float64)


Near = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Candidate:
    """One function's float64 candidate, its relative error bound 2^-bits and its anchors."""

    value: Callable[[np.ndarray], np.ndarray]
    bits: int
    sign: str | None = None  # "pos" or "odd": the sign of f(x) for finite nonzero x
    near: Near | None = None
    # finite nonzero operands outside the real domain (log of a negative number): an invalid
    # operation, whose result (the canonical NaN, or the nan policy's code) does not depend on x
    invalid: Callable[[np.ndarray], np.ndarray] | None = None


def _ones(x):
    return np.ones_like(x)


def _negative(x):
    return x < 0


def _small(x):
    return np.abs(x) < SMALL


def _taylor(anchor, dsign, bound) -> Near:
    """Anchors for |x| < 1/16: f(x) = anchor(x) + d, sign(d) = dsign(x), |d| <= bound(x)."""
    return lambda x: (_small(x), anchor(x), dsign(x), bound(x))


def _both(*nears: Near) -> Near:
    """Several anchor rules with disjoint masks (the first matching one wins)."""
    def near(x):
        mask = np.zeros(x.shape, bool)
        a, s, b = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
        for rule in nears:
            m, ra, rs, rb = rule(x)
            m = m & ~mask
            a, s, b = np.where(m, ra, a), np.where(m, rs, s), np.where(m, rb, b)
            mask |= m
        return mask, a, s, b
    return near


def _tail(mask, anchor, dsign, bound) -> Near:
    return lambda x: (mask(x), anchor(x), dsign(x), bound(x))


def _sgn(x):
    return np.sign(x)


def _neg_sgn(x):
    return -np.sign(x)


def _x(x):
    return x


def _half_x(x):
    return x / 2


def _x2(x):
    return x * x


def _x3(x):
    return np.abs(x) ** 3


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _silu(x):
    return x / (1 + np.exp(-x))


def _gelu_erf(x):
    return 0.5 * x * erfc(-x * R_SQRT2)


def _gelu_tanh(x):
    u = C_TANH * (x + A_TANH * x * x * x)
    return x / (1 + np.exp(-2 * u))


def _ge1(x):
    return x >= 1


def _abs_ge1(x):
    return np.abs(x) >= 1


_pos = _taylor(_ones, _sgn, lambda x: 2 * np.abs(x))  # e^x = 1 + d, |d| <= 1.07|x|

CANDIDATES: dict[str, Candidate] = {
    "exp": Candidate(np.exp, LIBM_BITS, "pos", _pos),
    "exp2": Candidate(np.exp2, LIBM_BITS, "pos", _pos),  # |2^x - 1| <= 0.75|x|
    "exp10": Candidate(lambda x: np.power(10.0, x), LIBM_BITS, "pos",
                       _taylor(_ones, _sgn, lambda x: 3 * np.abs(x))),  # |10^x - 1| <= 2.7|x|
    # expm1: 0 < d <= 0.54 x^2 near 0; for x <= -1, expm1(x) = -1 + e^x (float64 gives exactly -1
    # below x ~ -37.4, where only this anchor decides; 2^-1074 covers an underflowed e^x)
    "expm1": Candidate(np.expm1, LIBM_BITS, "odd", _both(
        _taylor(_x, _ones, _x2),
        _tail(lambda x: x <= -1, lambda x: -_ones(x), _ones, lambda x: 2 * np.exp(x) + 2.0 ** -1074))),
    "log": Candidate(np.log, LIBM_BITS, invalid=_negative),
    "log2": Candidate(np.log2, LIBM_BITS, invalid=_negative),
    "log10": Candidate(np.log10, LIBM_BITS, invalid=_negative),
    "log1p": Candidate(np.log1p, LIBM_BITS, None, _taylor(_x, lambda x: -_ones(x), _x2),
                       invalid=lambda x: x < -1),  # -0.54x^2 <= d < 0
    "sin": Candidate(np.sin, LIBM_BITS, None, _taylor(_x, _neg_sgn, _x3)),  # |d| <= |x|^3/6
    "cos": Candidate(np.cos, LIBM_BITS, None, _taylor(_ones, lambda x: -_ones(x), _x2)),  # |d| <= x^2/2
    "tan": Candidate(np.tan, LIBM_BITS, None, _taylor(_x, _sgn, _x3)),  # |d| <= 0.34|x|^3
    "atan": Candidate(np.arctan, LIBM_BITS, "odd", _taylor(_x, _neg_sgn, _x3)),  # |d| <= |x|^3/3
    "sinh": Candidate(np.sinh, LIBM_BITS, "odd", _taylor(_x, _sgn, _x3)),  # |d| <= 0.17|x|^3
    "cosh": Candidate(np.cosh, LIBM_BITS, "pos", _taylor(_ones, _ones, _x2)),  # |d| <= 0.51x^2
    # tanh: |d| <= |x|^3/3 near 0; 1 - tanh|x| = 2/(e^2|x| + 1) < 2 e^-2|x|
    "tanh": Candidate(np.tanh, LIBM_BITS, "odd", _both(
        _taylor(_x, _neg_sgn, _x3), _tail(_abs_ge1, _sgn, _neg_sgn, lambda x: 4 * np.exp(-2 * np.abs(x))))),
    # erf: 1 - erf|x| = erfc|x| <= e^-x^2 (|x| >= 1); near 0 erf(x) ~ 2x/sqrt(pi) is not dyadic
    "erf": Candidate(erf, ERF_BITS, "odd",
                     _tail(_abs_ge1, _sgn, _neg_sgn, lambda x: 2 * np.exp(-x * x))),
    # sigmoid: 1 - s(x) = 1/(1 + e^x) < e^-x (x >= 1); s(x) - 1/2 = tanh(x/2)/2, |.| <= |x|/4
    "sigmoid": Candidate(_sigmoid, LIBM_BITS, "pos", _both(
        _taylor(lambda x: 0.5 * _ones(x), _sgn, lambda x: np.abs(x) / 2),
        _tail(_ge1, _ones, lambda x: -_ones(x), lambda x: 2 * np.exp(-x)))),
    # silu: x - silu(x) = x/(1 + e^x) < x e^-x (x >= 1); silu(x) - x/2 = x tanh(x/2)/2 in (0, x^2/4]
    "silu": Candidate(_silu, LIBM_BITS, "odd", _both(
        _taylor(_half_x, _ones, _x2), _tail(_ge1, _x, lambda x: -_ones(x), lambda x: 2 * x * np.exp(-x)))),
    # gelu_erf: x - g(x) = x erfc(x/sqrt2)/2 <= x e^-x^2/2 / 2; g(x) - x/2 = x erf(x/sqrt2)/2 in (0, x^2/2]
    "gelu_erf": Candidate(_gelu_erf, COMPOSITE_BITS, "odd", _both(
        _taylor(_half_x, _ones, _x2), _tail(_ge1, _x, lambda x: -_ones(x), lambda x: x * np.exp(-x * x / 2)))),
    # gelu_tanh: x - g(x) = x/(1 + e^2u) < x e^-2u, 2u >= 1.59x; g(x) - x/2 = x tanh(u)/2 in (0, x^2/2]
    "gelu_tanh": Candidate(_gelu_tanh, COMPOSITE_BITS, "odd", _both(
        _taylor(_half_x, _ones, _x2), _tail(_ge1, _x, lambda x: -_ones(x), lambda x: 2 * x * np.exp(-1.5 * x)))),
    "rsqrt": Candidate(lambda x: 1 / np.sqrt(x), LIBM_BITS, "pos", invalid=_negative),
    "recip": Candidate(lambda x: 1 / x, LIBM_BITS, "odd"),
}


__all__ = ["Candidate", "CANDIDATES", "LIBM_BITS", "COMPOSITE_BITS", "ERF_BITS", "erf", "erfc"]
