"""A one-operand lookup-table unit for the elementary-property tests: ``result`` = the golden
model's correctly rounded ``func`` (RNE) of ``a``, or that code plus ``skew`` at ``skew_code``
(a seeded error). The table is golden's, so `y == func(a, rne)` is not an independent check;
the ulp/relerr bounds are (they are decided from enclosures, not from golden's rounding)."""

from amaranth.hdl import Array, Const, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.formats import get_format
from fpverify.golden.elementary import evaluate


class LUTUnary(wiring.Component):
    def __init__(self, fmt="e5m2", func="log2", skew_code=-1, skew=0):
        self.fmt = get_format(fmt)
        w = self.fmt.width
        self.table = [evaluate(func, self.fmt, (c,)).code for c in range(1 << w)]
        if 0 <= skew_code < len(self.table):
            self.table[skew_code] = (self.table[skew_code] + skew) % (1 << w)
        super().__init__({"a": In(w), "result": Out(w)})

    def elaborate(self, platform):
        m = Module()
        w = self.fmt.width
        m.d.comb += self.result.eq(Array([Const(v, w) for v in self.table])[self.a])
        return m
