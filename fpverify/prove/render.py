"""Counterexample values as a person reads them: a code in hex and its decoded value.

    code_text(get_format("bf16"), 0x8000)   -> '0x8000 (-0)'
    code_text(get_format("bf16"), 0x7fc1)   -> '0x7fc1 (nan: quiet, payload 0x1)'
    flags_text(0x11, 0x1f)                   -> 'flags inexact,invalid'   ('' when no flag is compared)

Zero keeps its sign, NaN shows its sign, quiet bit (IEEE formats) and payload, and a finite value
is exact (a fraction when it has no short decimal form). Shared by the proof replay and the DSL.
"""

from __future__ import annotations

from fractions import Fraction

from ..formats import FloatFormat, Format, IntFormat, Specials
from ..rounding import Flags

IEEE_FLAG_MASK = 0x1F  # the five IEEE flags; higher bits (saturated) are not exception flags


def hex_code(fmt: Format, code: int) -> str:
    """``code`` as hex padded to the format's width: ``0x0080``."""
    return f"{code:#0{2 + (fmt.width + 3) // 4}x}"


def value_text(fmt: Format, code: int) -> str:
    """The decoded value of ``code``: ``-0``, ``inf``, ``nan: quiet, payload 0x1``, ``3/2``, ``1.5e-05``."""
    try:
        fmt.check_code(code)
    except Exception:  # noqa: BLE001 - any code outside the format: say so rather than guess
        return "not a code"
    if isinstance(fmt, FloatFormat):
        sign = "-" if fmt.signed and code & fmt.sign_bit else ""
        if fmt.is_nan(code):
            return sign + nan_text(fmt, code)
        if fmt.is_inf(code):
            return f"{sign}inf"
        v = fmt.value(code)
        if v == 0:
            return f"{sign}0"
        return fraction_text(v)
    if isinstance(fmt, IntFormat):
        return fraction_text(fmt.value(code))
    return str(fmt.value(code))


def nan_text(fmt: FloatFormat, code: int) -> str:
    """``nan`` plus, for IEEE formats (where payloads exist), the quiet bit and the payload."""
    if fmt.specials is not Specials.IEEE or fmt.man_bits == 0:
        return "nan"
    quiet = (code >> (fmt.man_bits - 1)) & 1
    payload = code & ((1 << (fmt.man_bits - 1)) - 1)
    return f"nan: {'quiet' if quiet else 'signalling'}, payload {payload:#x}"


def fraction_text(v: Fraction) -> str:
    """An exact value: an integer, a short decimal when exact (``1.5``), else ``p/q (~1.234e-05)``."""
    if v.denominator == 1:
        return str(v.numerator)
    f = float(v)
    if Fraction(f) == v:
        text = repr(f)
        if len(text) <= 24:
            return text
    return f"{v} (~{f:.6g})" if len(str(v)) < 64 else f"~{f:.17g}"


def code_text(fmt: Format, code: int) -> str:
    """``0x3c00 (1.0)``: the code in hex and its decoded value."""
    return f"{hex_code(fmt, code)} ({value_text(fmt, code)})"


def flags_text(flags: int, compared: int) -> str:
    """``flags inexact,overflow`` over the compared flag bits; empty when no flag bit is compared."""
    mask = int(compared) & IEEE_FLAG_MASK
    if not mask:
        return ""
    return f"flags {Flags(int(flags) & mask).names()}"


__all__ = ["hex_code", "value_text", "nan_text", "fraction_text", "code_text", "flags_text", "IEEE_FLAG_MASK"]
