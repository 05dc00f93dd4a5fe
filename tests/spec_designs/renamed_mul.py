"""An FP multiplier whose ports do not follow fpverify's names: operands ``x`` and ``y``, product
``z``, flags ``exc`` and, with ``rounding="port"``, the rounding mode on ``mode``. With
``bad_mode = K`` (0..5) the mode port value K reaches the inner unit as 0 (RNE): a bug in one
rounding mode only."""

from amaranth.hdl import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.formats import get_format
from rtl.fp_mul import FPMultiplier


class RenamedMul(wiring.Component):
    def __init__(self, fmt="e4m3fn", rounding="rne", bad_mode=-1):
        self.width = get_format(fmt).width
        self.inner = FPMultiplier(get_format(fmt), rounding=rounding)
        self.with_mode = rounding == "port"
        self.bad_mode = bad_mode
        ports = {"x": In(self.width), "y": In(self.width), "z": Out(self.width), "exc": Out(5)}
        if self.with_mode:
            ports["mode"] = In(3)
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        m.submodules.inner = inner = self.inner
        m.d.comb += [inner.a.eq(self.x), inner.b.eq(self.y), self.z.eq(inner.result), self.exc.eq(inner.flags)]
        if self.with_mode:
            m.d.comb += inner.rm.eq(Mux(self.mode == self.bad_mode, 0, self.mode))
        return m
