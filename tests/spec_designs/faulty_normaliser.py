"""`rtl.fp_mul.FPMultiplier` whose operand normaliser shifts in ones instead of zeros: a
subnormal operand's normalised significand (``unpack_x_sig``) is wrong in its low bits, every
normal operand is right. Under ``decompose_multiplier`` only the L1 normaliser lemmas fail
(issue #15)."""

from __future__ import annotations

from unittest import mock

from amaranth.hdl import Cat, Const, Mux, unsigned

import rtl.common
from rtl.common import named
from rtl.fp_mul import FPMultiplier


def ones_normalize(m, value, prefix):
    """`rtl.common.normalize` with ones shifted in at the bottom."""
    w = len(value)
    nst = (w - 1).bit_length()
    x = value
    count_bits = []
    for k in reversed(range(nst)):
        step = 1 << k
        zero_top = x[w - step:] == 0
        x = Mux(zero_top, Cat(Const((1 << step) - 1, step), x[:w - step]), x)
        x = named(m, f"{prefix}_s{k}", x, unsigned(w))
        count_bits.append(zero_top)
    count = Cat(*reversed(count_bits)) if count_bits else Const(0, 1)
    return x, named(m, f"{prefix}_lz", count, unsigned(max(nst, 1)))


class OnesNormaliserMul(FPMultiplier):
    def elaborate(self, platform):
        with mock.patch.object(rtl.common, "normalize", ones_normalize):
            return super().elaborate(platform)
