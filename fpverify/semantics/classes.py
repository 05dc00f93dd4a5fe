"""Operand classes of a code (zero, subnormal, normal, inf, nan), for counting mismatches by class.

    class_of(get_format("e4m3fn"), 0x7f)        -> 'nan'
    class_pairs(fmt, a_codes, b_codes)          -> ['normal×zero', ...] (numpy, vectorised)
"""

from __future__ import annotations

import numpy as np

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


def class_indices(fmt: Format, codes) -> np.ndarray:
    """Index into `CLASSES` of every code of an integer array."""
    codes = np.asarray(codes)
    uniq, inverse = np.unique(codes, return_inverse=True)
    table = np.array([CLASSES.index(class_of(fmt, int(c))) for c in uniq], dtype=np.int64)
    return table[inverse.reshape(codes.shape)] if uniq.size else np.zeros(codes.shape, dtype=np.int64)


def pair_label(i: int, j: int) -> str:
    return f"{CLASSES[i]}×{CLASSES[j]}"


__all__ = ["CLASSES", "class_of", "class_indices", "pair_label"]
