"""The fuzz oracle's OCP MX block quantizer (formats.md §5.1, FLOOR scale rule).

Policies (the spec leaves them open; these follow gfloat/TOSA):
* scale ``X = 2^shared_exp`` with ``shared_exp = floor(log2 amax) - emax_elem`` clamped to
  [-127, 127], stored as an E8M0 code ``shared_exp + 127``;
* an all-zero block gets ``X = 2^-127`` (code 0x00);
* a NaN or Inf anywhere in the block gives the NaN scale 0xFF and the elements are unconstrained;
* elements are ``RNE(V_i / X)`` with normal overflow clamped to +-max (satfinite), signed zeros kept.
"""

from __future__ import annotations

from typing import Sequence

from ..formats import Format, get_format
from ..golden.blocks import E8M0_NAN, MXPolicy, mx_quantize_block
from ..golden.real import exact
from ..strategies import MX_EMAX

SCALE_NAN = E8M0_NAN


def element_emax(elem: Format) -> int:
    if elem.name in MX_EMAX:
        return MX_EMAX[elem.name]
    return exact(elem.max_value).ilog2()


def quantize_block(values: Sequence[float], elem: Format | str) -> tuple[int, tuple[int, ...] | None]:
    """(E8M0 scale code, element codes) of one block of float values; elements None for a NaN scale.

    The golden block quantizer (`fpverify.golden.blocks`, default OCP FLOOR policy) does the work;
    this adapter only fixes the harness's convention for NaN-scale blocks.
    """
    block = mx_quantize_block(list(values), get_format(elem), MXPolicy(block_size=max(1, len(values))))
    if block.scale == SCALE_NAN:
        return SCALE_NAN, None
    return block.scale, block.codes


__all__ = ["quantize_block", "element_emax", "SCALE_NAN"]
