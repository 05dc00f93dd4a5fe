"""Seeded MX dot-unit bugs: subclasses of `rtl.mx_dot.MXDot` overriding one stage hook each."""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Value

from fpverify.formats import IntFormat
from rtl.mx_dot import E8M0_BIAS, MXDot

__all__ = ["ScaleBiasOffByOneMXDot", "NanScaleIgnoredMXDot", "RandomBitsShiftedMXDot", "Int8SignMagnitudeMXDot",
           "Int8MinCodeDroppedMXDot"]


class ScaleBiasOffByOneMXDot(MXDot):
    """The two E8M0 scales are combined with bias 2*127 - 1: every result is twice too large."""

    def scale_exponent(self, scale_a: Value, scale_b: Value) -> Value:
        return Cat(scale_a + scale_b, Const(0, 1)).as_signed() - (2 * E8M0_BIAS - 1)


class NanScaleIgnoredMXDot(MXDot):
    """A NaN scale (0xFF) is decoded as 2^128 instead of making the block NaN."""

    def nan_scale(self, scale_a: Value, scale_b: Value) -> Value:
        return Const(0, 1)


class RandomBitsShiftedMXDot(MXDot):
    """Stochastic rounding: R is added one bit too low (``rbits >> 1``, as if the comparison were
    N + 1 bits wide), so a residual rounds up with about half the intended probability."""

    def random_bits(self) -> Value | None:
        return self.rbits >> 1


class Int8SignMagnitudeMXDot(MXDot):
    """MXINT8 elements read as sign-magnitude (magnitude = the low 7 bits) instead of two's
    complement: -1 (0xFF) becomes -127/64, -128 (0x80) becomes -0."""

    def element(self, m: Module, fmt, code: Value, prefix: str):
        e = super().element(m, fmt, code, prefix)
        if isinstance(fmt, IntFormat):
            e.sig = Cat(code[:fmt.bits - 1], Const(0, 1))
        return e


class Int8MinCodeDroppedMXDot(MXDot):
    """The MXINT8 magnitude |code| kept on 7 bits: every code but -128 (0x80, |-128| = 128 = 2^7)
    is right; -128 reads as 0."""

    def element(self, m: Module, fmt, code: Value, prefix: str):
        e = super().element(m, fmt, code, prefix)
        if isinstance(fmt, IntFormat):
            e.sig = Cat(e.sig[:fmt.bits - 1], Const(0, 1))
        return e
