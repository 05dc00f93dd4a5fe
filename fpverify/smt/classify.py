"""NaN / Inf / signalling-NaN predicates of a symbolic code (z3), one per format family.

The symbolic twin of `FloatFormat.is_nan` / `is_inf` / `is_signaling`: the symbolic reference
(`smt.reference.unpack`), the DSL's solver side (`dsl.symbolic`) and the fault grader's operand
classes (`faults.properties`) all classify codes here. Only the value bits are read (a format
stored in a wider field, UE4M3, ignores its padding: `unpack` reports that as ``valid``).
"""

from __future__ import annotations

import z3

from ..formats import FloatFormat, Specials
from ..tapered import TaperedFormat

FALSE = z3.BoolVal(False)


def value_bits(fmt: FloatFormat, code: z3.BitVecRef) -> z3.BitVecRef:
    """The ``fmt.bits`` low bits of ``code`` (its storage may be wider)."""
    return z3.Extract(fmt.bits - 1, 0, code) if code.size() > fmt.bits else code


def _fields(fmt: FloatFormat, code: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BitVecRef, z3.BitVecRef | None]:
    """(value bits, exponent field, trailing significand or None when M = 0)."""
    c = value_bits(fmt, code)
    m, e = fmt.man_bits, fmt.exp_bits
    return c, z3.Extract(m + e - 1, m, c), (z3.Extract(m - 1, 0, c) if m else None)


def is_nan(fmt, code: z3.BitVecRef) -> z3.BoolRef:
    """``code`` is a NaN of ``fmt`` (false for formats without NaN and for integer formats)."""
    if isinstance(fmt, TaperedFormat):  # the one NaN code
        return value_bits(fmt, code) == fmt.nan_code()
    if not isinstance(fmt, FloatFormat) or not fmt.has_nan:
        return FALSE
    c, field, trailing = _fields(fmt, code)
    sp = fmt.specials
    if sp is Specials.IEEE:
        return z3.And(field == fmt.exp_mask, trailing != 0)
    if sp is Specials.FN:
        return z3.Extract(fmt.man_bits + fmt.exp_bits - 1, 0, c) == fmt.mag_mask
    return c == fmt.nan_code(0)  # FNUZ and P3109: the one NaN code


def is_inf(fmt, code: z3.BitVecRef) -> z3.BoolRef:
    """``code`` is ±Inf of ``fmt``."""
    if isinstance(fmt, TaperedFormat):
        c = value_bits(fmt, code)
        return z3.Or(c == fmt.inf_code(0), c == fmt.inf_code(1))
    if not isinstance(fmt, FloatFormat) or not fmt.has_inf:
        return FALSE
    c, field, trailing = _fields(fmt, code)
    if fmt.specials is Specials.IEEE:
        return z3.And(field == fmt.exp_mask, trailing == 0) if trailing is not None else field == fmt.exp_mask
    infs = [fmt.inf_code(0)] + ([fmt.inf_code(1)] if fmt.signed else [])
    return z3.Or(*[c == v for v in infs]) if len(infs) > 1 else c == infs[0]


def is_signaling(fmt, code: z3.BitVecRef) -> z3.BoolRef:
    """``code`` is a signalling NaN (IEEE formats: the quiet bit, the trailing MSB, is clear)."""
    if not isinstance(fmt, FloatFormat) or fmt.specials is not Specials.IEEE:
        return FALSE
    _, _, trailing = _fields(fmt, code)
    return z3.And(is_nan(fmt, code), z3.Extract(fmt.man_bits - 1, fmt.man_bits - 1, trailing) == 0)


__all__ = ["is_nan", "is_inf", "is_signaling", "value_bits"]
