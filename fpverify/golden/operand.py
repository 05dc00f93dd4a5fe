"""Unpack: a code of any format becomes a classified operand with an exact value."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..formats import FloatFormat, Format, IntFormat
from ..rounding import Env, Flags, Rounded, round_to_format, special_to_format
from .real import Dyadic, Real


class Kind(enum.Enum):
    NAN = "nan"
    INF = "inf"
    ZERO = "zero"
    FINITE = "finite"  # nonzero finite


@dataclass(frozen=True)
class Operand:
    kind: Kind
    sign: int
    value: Dyadic  # exact value for ZERO/FINITE (zero carries its sign)
    signaling: bool = False

    @property
    def is_nan(self) -> bool:
        return self.kind is Kind.NAN

    @property
    def is_inf(self) -> bool:
        return self.kind is Kind.INF

    @property
    def is_zero(self) -> bool:
        return self.kind is Kind.ZERO


def unpack(fmt: Format, code: int) -> Operand:
    """Classify ``code`` and give its exact value."""
    fmt.check_code(code)
    if isinstance(fmt, IntFormat):
        i = fmt.to_int(code)
        kind = Kind.ZERO if i == 0 else Kind.FINITE
        return Operand(kind, int(i < 0), Dyadic.from_signed(i, fmt.scale_exp))
    sign = 1 if (fmt.signed and code & fmt.sign_bit) else 0
    if fmt.is_nan(code):
        return Operand(Kind.NAN, sign, Dyadic(False, 0, 0), fmt.is_signaling(code))
    if fmt.is_inf(code):
        return Operand(Kind.INF, sign, Dyadic(False, 0, 0))
    s, sig, exp = fmt.finite_parts(code)
    kind = Kind.ZERO if sig == 0 else Kind.FINITE
    return Operand(kind, s, Dyadic(bool(s), sig, exp))


def nan_result(out: Format, env: Env, *ops: Operand, invalid: bool = False) -> Rounded:
    """The default NaN; INVALID if the operation was invalid or an operand was signaling."""
    flags = Flags.INVALID if invalid or any(o.signaling for o in ops) else Flags.NONE
    r = special_to_format("nan", 0, out, env)
    return Rounded(r.code, r.flags | flags)


def inf_result(out: Format, sign: int, env: Env, flags: Flags = Flags.NONE) -> Rounded:
    r = special_to_format("inf", sign, out, env)
    return Rounded(r.code, r.flags | flags)


def zero_result(out: Format, sign: int, env: Env) -> Rounded:
    """An exact zero with the given sign (formats without -0 give +0)."""
    return round_to_format(Dyadic(bool(sign), 0, 0), out, env)


def round_result(x: Real, out: Format, env: Env) -> Rounded:
    return round_to_format(x, out, env)


def float_out(fmt: Format, out: Format | None) -> Format:
    return fmt if out is None else out


__all__ = ["Kind", "Operand", "unpack", "nan_result", "inf_result", "zero_result", "round_result",
           "FloatFormat"]
