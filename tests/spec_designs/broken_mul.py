"""A deliberately broken FP4 multiplier for the spec tests: result bit 0 flips when a == 0x3 and
b == 0x5 (1.5 * 3.0, whose correct product 4.5 rounds to 4.0)."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from rtl.fp_mul import FPMultiplier


class BrokenMul(wiring.Component):
    def __init__(self, fmt="e2m1fn", flip_a=0x3, flip_b=0x5):
        self.inner = FPMultiplier(fmt)
        self.flip_a, self.flip_b = flip_a, flip_b
        w = self.inner.fmt.width
        super().__init__({"a": In(w), "b": In(w), "result": Out(w), "flags": Out(5)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.inner = inner = self.inner
        hit = Signal(name="fault_hit")
        m.d.comb += [inner.a.eq(self.a), inner.b.eq(self.b),
                     hit.eq((self.a == self.flip_a) & (self.b == self.flip_b)),
                     self.result.eq(inner.result ^ hit), self.flags.eq(inner.flags)]
        return m
