"""A pipelined FP multiplier behind an active-low reset: `rtl.fp_mul.FPMultiplier(latency=2)`
in a clock domain of its own whose reset is ``~rst_n`` (ports a, b, clk, rst_n, result, flags)."""

from amaranth.hdl import ClockDomain, ClockSignal, Module, ResetSignal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from rtl.fp_mul import FPMultiplier


class ActiveLowResetMul(wiring.Component):
    def __init__(self, fmt="e2m1fn", latency=2):
        self.inner = FPMultiplier(fmt, latency=latency)
        self.fmt, self.rounding, self.latency = self.inner.fmt, self.inner.rounding, latency
        self.overflow, self.tininess = self.inner.overflow, self.inner.tininess
        w = self.fmt.width
        super().__init__({"a": In(w), "b": In(w), "clk": In(1), "rst_n": In(1),
                          "result": Out(w), "flags": Out(5)})

    def elaborate(self, platform):
        m = Module()
        m.domains.sync = ClockDomain("sync")
        m.submodules.inner = inner = self.inner
        m.d.comb += [ClockSignal("sync").eq(self.clk), ResetSignal("sync").eq(~self.rst_n),
                     inner.a.eq(self.a), inner.b.eq(self.b),
                     self.result.eq(inner.result), self.flags.eq(inner.flags)]
        return m
