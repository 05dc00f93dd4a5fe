"""What a rounded value beyond the largest finite one becomes (formats.md §3), and where a
negative value rounded into an unsigned format goes (P3109 SatNone rules 5-6).

Pure functions of the mode, the sign and the target's `Overflow` policy; the sign may be a
back end's 1-bit value (evaluated with its `BoolOps`).
"""

from __future__ import annotations

from typing import Any

from ..formats import FloatFormat, Overflow
from .boolops import PYTHON, BoolOps
from .modes import Mode

SATURATING = frozenset({Overflow.SATFINITE, Overflow.SATPROPAGATE})
# policies under which an integer target clamps (the others need a NaN an integer lacks)
INT_CLAMPING = frozenset({Overflow.SATFINITE, Overflow.SATPROPAGATE, Overflow.IEEE})


def rounds_to_max(mode: Mode, policy: Overflow, sign: Any, ops: BoolOps = PYTHON) -> Any:
    """An overflow goes to ±max finite (not to Inf/NaN): a saturating policy, or a rounding
    direction toward zero (RTZ, RTO, RUP of a negative value, RDN of a positive one)."""
    if policy in SATURATING or mode in (Mode.RTZ, Mode.RTO):
        return ops.true
    if mode is Mode.RUP:
        return sign
    if mode is Mode.RDN:
        return ops.not_(sign)
    return ops.false


def overflow_code(fmt: FloatFormat, policy: Overflow, sign: int, to_max: bool) -> tuple[int, bool]:
    """(code, saturated) of an overflow of sign ``sign``: ±max where ``to_max`` or the format
    has neither the policy's NaN nor an Inf, else that NaN or Inf."""
    if not to_max:
        if policy is Overflow.NAN and fmt.has_nan:
            return fmt.nan_code(sign), False
        if fmt.has_inf:
            return fmt.inf_code(sign), False
    return max_code(fmt, sign), True


def max_code(fmt: FloatFormat, sign: int) -> int:
    """±max finite."""
    return fmt.max_code | (fmt.sign_bit if sign else 0)


def negative_to_zero(mode: Mode, policy: Overflow) -> bool:
    """A negative nonzero value rounded into an unsigned format becomes 0 (saturated) rather
    than NaN (invalid): RTZ, RUP or SatFinite (its rounded zero is 0 in every mode)."""
    return mode in (Mode.RTZ, Mode.RUP) or policy is Overflow.SATFINITE


__all__ = ["SATURATING", "INT_CLAMPING", "rounds_to_max", "overflow_code", "max_code", "negative_to_zero"]
