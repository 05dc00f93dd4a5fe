"""A deliberately broken HiF8 multiplier for the spec tests: result bit 0 flips when a == 0x01 and
b == 0x18 (2^-22 * 0.5 = 2^-23, the tie between 0 and the smallest denormal: RNE gives 0x00)."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from rtl.hif8_mul import HiF8Multiplier


class TieBrokenHiF8Mul(wiring.Component):
    def __init__(self, fmt="hif8", flip_a=0x01, flip_b=0x18):
        self.inner = HiF8Multiplier(fmt)
        self.flip_a, self.flip_b = flip_a, flip_b
        super().__init__({"a": In(8), "b": In(8), "result": Out(8), "flags": Out(5)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.inner = inner = self.inner
        hit = Signal(name="fault_hit")
        m.d.comb += [inner.a.eq(self.a), inner.b.eq(self.b),
                     hit.eq((self.a == self.flip_a) & (self.b == self.flip_b)),
                     self.result.eq(inner.result ^ hit), self.flags.eq(inner.flags)]
        return m
