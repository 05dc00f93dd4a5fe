"""The types of spec expressions."""

from __future__ import annotations

from dataclasses import dataclass

from ..formats import FloatFormat, IntFormat
from ..semantics.ports import RM_CODES, RM_WIDTH


@dataclass(frozen=True)
class FloatT:
    """A code of a float format (compared as values; NaN equals NaN as a class)."""

    fmt: FloatFormat

    def __str__(self) -> str:
        return self.fmt.name


@dataclass(frozen=True)
class BitsT:
    """An unsigned bit vector (a port or internal signal); width None: an integer literal."""

    width: int | None

    def __str__(self) -> str:
        return f"bits[{self.width}]" if self.width is not None else "integer"


@dataclass(frozen=True)
class BoolT:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True)
class RealT:
    """An exact real value (products of operands, `value(x)`, constants)."""

    const: bool = False

    def __str__(self) -> str:
        return "constant" if self.const else "real"


@dataclass(frozen=True)
class ErrT:
    """`relerr(...)` / `abserr(...)`: only comparable against a constant bound."""

    kind: str

    def __str__(self) -> str:
        return self.kind


@dataclass(frozen=True)
class RoundT:
    """A rounding-mode port (3 bits: RNE 0, RTZ 1, RDN 2, RUP 3, RNA 4, RTO 5)."""

    def __str__(self) -> str:
        return "rounding"


@dataclass(frozen=True)
class IntT:
    """A code of an integer element format (int8, mxint8...)."""

    fmt: IntFormat

    def __str__(self) -> str:
        return self.fmt.name


@dataclass(frozen=True)
class VecT:
    """``FMT[k]``: k element codes of a float format (or an integer element format: ``mxint8[k]``)
    packed in one port, element i at bits ``[i*w, (i+1)*w)`` (an operand of `mx_dot` only)."""

    fmt: FloatFormat | IntFormat
    k: int

    def __str__(self) -> str:
        return f"{self.fmt.name}[{self.k}]"


Type = FloatT | BitsT | BoolT | RealT | ErrT | RoundT | IntT | VecT

ROUNDING_PORT_CODES = {mode.value: code for mode, code in RM_CODES.items()}


def type_width(t: Type) -> int | None:
    if isinstance(t, (FloatT, IntT)):
        return t.fmt.width
    if isinstance(t, BitsT):
        return t.width
    if isinstance(t, VecT):
        return t.fmt.width * t.k
    if isinstance(t, RoundT):
        return RM_WIDTH
    if isinstance(t, BoolT):
        return 1
    return None
