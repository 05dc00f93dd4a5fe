"""A multiplier that drops the sign of a zero product: -0 comes out as +0 (e.g. -0.5 * 0 gives 0x00
instead of 0x80). Every nonzero result is correct."""

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.formats import get_format
from rtl.fp_mul import FPMultiplier


class ZeroSignMul(wiring.Component):
    def __init__(self, fmt="e2m1fn", rounding="rne"):
        self.fmt = get_format(fmt)
        self.inner = FPMultiplier(self.fmt, rounding=rounding)
        w = self.fmt.width
        super().__init__({"a": In(w), "b": In(w), "result": Out(w), "flags": Out(5)})

    def elaborate(self, platform):
        f = self.fmt
        m = Module()
        m.submodules.inner = inner = self.inner
        m.d.comb += [inner.a.eq(self.a), inner.b.eq(self.b), self.flags.eq(inner.flags)]
        with m.If((inner.result & f.mag_mask) == 0):
            m.d.comb += self.result.eq(0)
        with m.Else():
            m.d.comb += self.result.eq(inner.result)
        return m
