"""ML activations: erf sigmoid silu gelu_erf gelu_tanh, each rounded once.

    sigmoid(x)   = 1 / (1 + e^-x)
    silu(x)      = x * sigmoid(x)                               (one rounding, not two)
    gelu_erf(x)  = x * Phi(x) = (x / 2) * (1 + erf(x / sqrt 2))  = (x / 2) * erfc(-x / sqrt 2)
    gelu_tanh(x) = (x / 2) * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
                 = x / (1 + e^(-2u)),  u = sqrt(2/pi) * (x + 0.044715 x^3)

The second forms are the same reals without cancellation for negative x; 0.044715 is the exact
decimal (Hendrycks & Gimpel 2016; PyTorch ``gelu(approximate='tanh')``). Limits at infinities:
sigmoid(+inf) = 1, sigmoid(-inf) = +0; silu, gelu_erf, gelu_tanh(+inf) = +inf and (-inf) = -0
(x * f(x) tends to 0 from below); erf(±inf) = ±1. At zero: sigmoid(±0) = 1/2, the others keep
the sign of zero.
"""

from __future__ import annotations

import mpmath

from ..operand import Kind, Operand
from ..real import Dyadic
from .outcomes import Definition, ExactOut, InfOut, Outcome, signed_one, zero
from .ziv import Anchored, to_dyadic

ONE = Dyadic(False, 1, 0)
HALF = Dyadic(False, 1, -1)

def _sigmoid_special(x: Operand) -> Outcome | None:
    if x.kind is Kind.ZERO:
        return ExactOut(Dyadic(False, 1, -1))
    if x.kind is Kind.INF:
        return zero(0) if x.sign else signed_one(0)
    return None


def _gated_special(x: Operand) -> Outcome | None:
    """x * g(x) with g(-inf) = 0, g(+inf) = 1, g(0) finite."""
    if x.kind is Kind.ZERO:
        return ExactOut(x.value)
    if x.kind is Kind.INF:
        return zero(1) if x.sign else InfOut(0)
    return None


def _erf_special(x: Operand) -> Outcome | None:
    if x.kind is Kind.ZERO:
        return ExactOut(x.value)
    if x.kind is Kind.INF:
        return signed_one(x.sign)
    return None


# Near a dyadic the value is returned as anchor + delta (`Anchored`), delta relatively accurate:
# erf(x) = ±(1 - erfc|x|), sigmoid(x) = 1/2 + tanh(x/2)/2 = 1 - 1/(1 + e^x), and for x >= 1
# x * g(x) = x - x * (1 - g(x)).


def _erf(x):
    if abs(x) < 1:
        return mpmath.erf(x)
    s = -1 if x < 0 else 1
    return Anchored(Dyadic(s < 0, 1, 0), -s * mpmath.erfc(abs(x)))


def _sigmoid(x):
    if abs(x) < 1:
        return Anchored(HALF, mpmath.tanh(x / 2) / 2)
    if x > 0:
        return Anchored(ONE, -1 / (1 + mpmath.exp(x)))
    return 1 / (1 + mpmath.exp(-x))


def _silu(x):
    if x >= 1:
        return Anchored(to_dyadic(x), -x / (1 + mpmath.exp(x)))
    return x / (1 + mpmath.exp(-x))


def _gelu_erf(x):
    if x >= 1:
        return Anchored(to_dyadic(x), -x * mpmath.erfc(x / mpmath.sqrt(2)) / 2)
    return x * mpmath.erfc(-x / mpmath.sqrt(2)) / 2


def _gelu_tanh(x):
    u = mpmath.sqrt(2 / mpmath.pi) * (x + mpmath.mpf(44715) / 1000000 * x ** 3)
    if x >= 1:
        return Anchored(to_dyadic(x), -x / (1 + mpmath.exp(2 * u)))
    return x / (1 + mpmath.exp(-2 * u))


DEFINITIONS = (
    Definition("erf", 1, _erf_special, _erf, "erf x"),
    Definition("sigmoid", 1, _sigmoid_special, _sigmoid, "1 / (1 + e^-x)"),
    Definition("silu", 1, _gated_special, _silu, "x / (1 + e^-x)"),
    Definition("gelu_erf", 1, _gated_special, _gelu_erf, "(x/2) (1 + erf(x / sqrt 2))"),
    Definition("gelu_tanh", 1, _gated_special, _gelu_tanh,
               "(x/2) (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))"),
)

__all__ = ["DEFINITIONS"]
