"""What an elementary function's definition returns before any rounding, and the definition type.

A `Definition` pairs a ``special`` rule (operands -> an `Outcome` for NaN, infinities, zeros and
every input whose result is a dyadic or rational number, or None) with ``value``, the mpmath
expression of the real result for all other inputs. ``value`` is only ever called on inputs
whose result is not a dyadic rational: that is what makes the Ziv loop terminate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

import mpmath

from ...semantics.ports import Flags
from ..operand import Operand
from ..real import Dyadic, Real


@dataclass(frozen=True)
class NanOut:
    """The default NaN; ``invalid`` for an invalid operation (a signaling operand adds it anyway)."""

    invalid: bool = False


@dataclass(frozen=True)
class InfOut:
    """An infinity of sign ``sign`` (``flags``: INFINITE for an exact infinite result of a finite
    operand, e.g. log(0))."""

    sign: int
    flags: Flags = Flags.NONE


@dataclass(frozen=True)
class ExactOut:
    """A result known exactly (a zero keeps its sign)."""

    value: Real


@dataclass(frozen=True)
class ApproxOut:
    """A non-dyadic result given by an mpmath thunk (e.g. atan(inf) = pi/2)."""

    value: Callable[[], mpmath.mpf]


Outcome = Union[NanOut, InfOut, ExactOut, ApproxOut]


@dataclass(frozen=True)
class Definition:
    """One elementary function: its special/exact rule and its mpmath value."""

    name: str
    arity: int
    special: Callable[..., Outcome | None]  # operands -> outcome, or None: use ``value``
    value: Callable[..., mpmath.mpf]  # mpf operands -> the real result (non-dyadic inputs only)
    formula: str  # the definition, for docs and messages
    handles_nan: bool = False  # True: ``special`` sees NaN operands (pow(x, 0) = 1)
    extra_bits: Callable[..., int] | None = None  # operands -> working bits beyond the default


# ---- small helpers on exact operand values ----------------------------------------------------


def one() -> ExactOut:
    return ExactOut(Dyadic(False, 1, 0))


def zero(sign: int) -> ExactOut:
    return ExactOut(Dyadic(bool(sign), 0, 0))


def signed_one(sign: int) -> ExactOut:
    return ExactOut(Dyadic(bool(sign), 1, 0))


def is_integer(d: Dyadic) -> bool:
    return d.exp >= 0 or d.mant & ((1 << -d.exp) - 1) == 0


def integer_value(d: Dyadic) -> int:
    m = d.mant << d.exp if d.exp >= 0 else d.mant >> -d.exp
    return -m if d.negative else m


def is_power_of_two(d: Dyadic) -> bool:
    return d.mant != 0 and d.mant & (d.mant - 1) == 0


def magnitude_bits(x: Operand) -> int:
    """Extra working bits for an argument of large magnitude (absolute errors scale with |x|)."""
    if x.value.is_zero:
        return 0
    return max(0, x.value.ilog2() + 2)


__all__ = ["NanOut", "InfOut", "ExactOut", "ApproxOut", "Outcome", "Definition", "one", "zero",
           "signed_one", "is_integer", "integer_value", "is_power_of_two", "magnitude_bits"]
