"""A multiplier that propagates the first NaN operand's payload (quieted), as x86 and many FPUs do,
instead of the canonical NaN the golden model returns. Equal to the golden model with NaN compared
as a class; different under `with exact nan`."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.formats import get_format
from rtl.fp_mul import FPMultiplier


class PayloadNaNMul(wiring.Component):
    def __init__(self, fmt="bf16", rounding="rne"):
        self.fmt = get_format(fmt)
        self.inner = FPMultiplier(self.fmt, rounding=rounding)
        w = self.fmt.width
        super().__init__({"a": In(w), "b": In(w), "result": Out(w), "flags": Out(5)})

    def elaborate(self, platform):
        f = self.fmt
        m = Module()
        m.submodules.inner = inner = self.inner
        quiet = 1 << (f.man_bits - 1)
        a_nan = Signal(name="a_is_nan")
        m.d.comb += [inner.a.eq(self.a), inner.b.eq(self.b), self.flags.eq(inner.flags),
                     a_nan.eq(((self.a & f.mag_mask) >> f.man_bits == f.exp_mask) & (self.a & (quiet * 2 - 1) != 0))]
        with m.If(a_nan):
            m.d.comb += self.result.eq(self.a | quiet)
        with m.Else():
            m.d.comb += self.result.eq(inner.result)
        return m
