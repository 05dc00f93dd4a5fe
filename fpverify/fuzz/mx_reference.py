"""A small exact OCP MX block quantizer (formats.md §5.1, FLOOR scale rule) for the fuzz oracle.

Policies (the spec leaves them open; these follow gfloat/TOSA):
* scale ``X = 2^shared_exp`` with ``shared_exp = floor(log2 amax) - emax_elem`` clamped to
  [-127, 127], stored as an E8M0 code ``shared_exp + 127``;
* an all-zero block gets ``X = 2^-127`` (code 0x00);
* a NaN or Inf anywhere in the block gives the NaN scale 0xFF and the elements are unconstrained;
* elements are ``RNE(V_i / X)`` with normal overflow clamped to +-max (satfinite), signed zeros kept.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

from ..formats import Format, Overflow, get_format
from ..golden.real import Dyadic, exact
from ..rounding import Env, round_to_format
from ..strategies import MX_EMAX

SCALE_NAN = 0xFF
_ELEM_ENV = Env(overflow=Overflow.SATFINITE)


def element_emax(elem: Format) -> int:
    if elem.name in MX_EMAX:
        return MX_EMAX[elem.name]
    return exact(elem.max_value).ilog2()


def quantize_block(values: Sequence[float], elem: Format | str) -> tuple[int, tuple[int, ...] | None]:
    """(E8M0 scale code, element codes) of one block of float values; elements None for a NaN scale."""
    elem = get_format(elem)
    if any(math.isnan(v) or math.isinf(v) for v in values):
        return SCALE_NAN, None
    amax = max((abs(Fraction(v)) for v in values), default=Fraction(0))
    if amax == 0:
        shared = -127
    else:
        shared = max(-127, min(127, exact(amax).ilog2() - element_emax(elem)))
    codes = []
    for v in values:
        if v == 0:
            x = Dyadic(math.copysign(1.0, v) < 0, 0, 0)
        else:
            x = exact(Fraction(v) / Fraction(2) ** shared)
        codes.append(round_to_format(x, elem, _ELEM_ENV).code)
    return shared + 127, tuple(codes)


__all__ = ["quantize_block", "element_emax", "SCALE_NAN"]
