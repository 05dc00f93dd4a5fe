"""Codes of a NaN or an Inf arriving at a format (from an operand or an invalid operation),
as the golden model's `fpverify.rounding.special_to_format` defines them (formats.md §3, §7.3)."""

from __future__ import annotations

from ..formats import FloatFormat, Format, IntFormat, NanPolicy, Overflow
from .overflow import max_code
from .ports import Flags


def inf_into(fmt: FloatFormat, sign: int, policy: Overflow) -> tuple[int, Flags]:
    """(code, flags) of an infinity of sign ``sign`` in a float format under ``policy``."""
    if sign and not fmt.signed:
        return fmt.nan_code(), Flags.INVALID
    if fmt.has_inf and policy is not Overflow.SATFINITE:
        return fmt.inf_code(sign), Flags.NONE
    if policy is Overflow.NAN and fmt.has_nan:
        return fmt.nan_code(sign), Flags.NONE
    return max_code(fmt, sign), Flags.SATURATED


def nan_into(fmt: Format, nan_policy: NanPolicy, sign: int = 0) -> tuple[int, Flags] | None:
    """(code, flags) of a NaN in ``fmt``; a format without NaN follows ``nan_policy`` (0 or max,
    invalid); None where that policy is 'error' (no code: each back end reports it its way)."""
    if not isinstance(fmt, IntFormat) and fmt.has_nan:
        return fmt.nan_code(sign), Flags.NONE
    if nan_policy is NanPolicy.ERROR:
        return None
    if nan_policy is NanPolicy.MAX:
        code = fmt.from_int(fmt.max_int) if isinstance(fmt, IntFormat) else fmt.max_code
        return code, Flags.INVALID
    return 0, Flags.INVALID


__all__ = ["inf_into", "nan_into"]
