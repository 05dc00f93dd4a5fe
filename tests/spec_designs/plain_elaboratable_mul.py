"""A unit in the style of third-party Amaranth code: a plain `Elaboratable` (no `wiring` signature)
whose ports are attributes with its own names (``in_a``, ``in_b``, ``out``), one output register,
and a constructor taking a format name as a plain string. It multiplies E4M3 codes (RNE, no flags)
by wrapping fpverify's own multiplier, so its truth is known; ``bug=True`` drops the sign."""

from amaranth.hdl import Elaboratable, Module, Signal

from fpverify.formats import get_format
from rtl.fp_mul import FPMultiplier


class PlainMul(Elaboratable):
    def __init__(self, fmt_name: str = "e4m3fn", bug: bool = False):
        self.fmt = get_format(fmt_name)
        self.bug = bug
        self.in_a = Signal(self.fmt.width)
        self.in_b = Signal(self.fmt.width)
        self.out = Signal(self.fmt.width)

    def elaborate(self, platform):
        m = Module()
        m.submodules.core = core = FPMultiplier(fmt=self.fmt, rounding="rne")
        m.d.comb += [core.a.eq(self.in_a), core.b.eq(self.in_b)]
        sign = self.fmt.width - 1
        res = core.result if not self.bug else core.result & ((1 << sign) - 1)
        m.d.sync += self.out.eq(res)
        return m
