"""Conversions: format to format, and from Python ints, floats, fractions and decimal strings."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Union

from ..formats import Format, IntFormat
from ..rounding import Env, Flags, Rounded, round_to_format, special_to_format
from .operand import nan_result, unpack
from .real import Dyadic, exact

Number = Union[int, float, Fraction, Decimal, str]


def convert(src: Format, code: int, dst: Format, env: Env = Env()) -> Rounded:
    """Convert a code of ``src`` to ``dst`` (one rounding)."""
    x = unpack(src, code)
    if x.is_nan:
        if isinstance(dst, IntFormat):
            r = special_to_format("nan", 0, dst, env)
            return Rounded(r.code, r.flags | Flags.INVALID)
        return nan_result(dst, env, x)
    if x.is_inf:
        return special_to_format("inf", x.sign, dst, env)
    return round_to_format(x.value, dst, env)


_HEX_FLOAT = re.compile(r"^[+-]?0x[0-9a-f]*\.?[0-9a-f]*p[+-]?\d+$", re.IGNORECASE)


def parse_number(text: str) -> Union[Fraction, float]:
    """Exact value of a decimal, hex-float ('0x1.8p3') or fraction ('3/4') string; or inf/nan."""
    t = text.strip().lower().replace("_", "")
    if t in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf
    if t in ("-inf", "-infinity"):
        return -math.inf
    if t in ("nan", "+nan", "-nan", "qnan", "snan"):
        return math.nan
    if _HEX_FLOAT.match(t):
        return Fraction(float.fromhex(t)) if _fits_double(t) else _parse_hexfloat(t)
    if "/" in t:
        num, den = t.split("/", 1)
        return Fraction(int(num), int(den))
    try:
        return Fraction(Decimal(t))
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {text!r}") from None


def _fits_double(t: str) -> bool:
    mant = t.split("p")[0].lstrip("+-")[2:].replace(".", "")
    return len(mant.lstrip("0")) <= 13


def _parse_hexfloat(t: str) -> Fraction:
    neg = t.startswith("-")
    body, exp = t.lstrip("+-")[2:].split("p")
    whole, _, frac = body.partition(".")
    mant = int((whole + frac) or "0", 16)
    v = Fraction(mant) * Fraction(2) ** (int(exp) - 4 * len(frac))
    return -v if neg else v


def from_value(value: Number, dst: Format, env: Env = Env()) -> Rounded:
    """Round a Python number (int, float, Fraction, Decimal, or a string) into ``dst``."""
    if isinstance(value, str):
        value = parse_number(value)
    if isinstance(value, float):
        if math.isnan(value):
            r = special_to_format("nan", 0, dst, env)
            if isinstance(dst, IntFormat):
                return Rounded(r.code, r.flags | Flags.INVALID)
            return r
        if math.isinf(value):
            return special_to_format("inf", int(value < 0), dst, env)
        if value == 0.0 and math.copysign(1.0, value) < 0:
            return round_to_format(Dyadic(True, 0, 0), dst, env)
    return round_to_format(exact(Fraction(value)), dst, env)


def to_value(fmt: Format, code: int) -> Union[Fraction, float]:
    """The exact value of a code (Fraction), or inf/nan as floats."""
    return fmt.value(code)
