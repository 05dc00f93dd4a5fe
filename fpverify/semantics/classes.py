"""Operand classes of a code (zero, subnormal, normal, inf, nan), for counting mismatches by class.

    class_of(get_format("e4m3fn"), 0x7f)        -> 'nan'
    pair_label(2, 0)                            -> 'normal×zero'

The vectorised form over numpy arrays is `fpverify.fast.classes.class_indices`.
"""

from __future__ import annotations

from ..formats import FloatFormat, Format

CLASSES = ("zero", "subnormal", "normal", "inf", "nan")


def class_of(fmt: Format, code: int) -> str:
    """The class of ``code`` (an integer format's codes are "zero" or "normal")."""
    if not isinstance(fmt, FloatFormat):
        return "zero" if fmt.value(code) == 0 else "normal"
    if fmt.is_nan(code):
        return "nan"
    if fmt.is_inf(code):
        return "inf"
    mag = code & fmt.mag_mask
    if mag >> fmt.man_bits == 0:
        return "zero" if mag == 0 else "subnormal"
    return "normal"


def pair_label(i: int, j: int) -> str:
    return f"{CLASSES[i]}×{CLASSES[j]}"


__all__ = ["CLASSES", "class_of", "pair_label"]
