"""Seeded bugs of the TOSA-order MX dot unit: subclasses of `rtl.mx_dot_tosa.MXDotTOSA` overriding
one stage hook each."""

from __future__ import annotations

from amaranth.hdl import Const, Value

from rtl.mx_dot_tosa import MXDotTOSA

__all__ = ["ReversedOrderMXDotTOSA", "ScaleNotRoundedMXDotTOSA"]


class ReversedOrderMXDotTOSA(MXDotTOSA):
    """The products enter the block accumulator last to first (k-1, ..., 0): a different fp32 sum
    whenever an intermediate sum is inexact (k >= 3)."""

    def accumulation_order(self) -> list[int]:
        return list(reversed(range(self.k)))


class ScaleNotRoundedMXDotTOSA(MXDotTOSA):
    """fp32(2^(sa-127)) * fp32(2^(sb-127)) is taken as the exact 2^e even below 2^-149, where fp32
    rounds it to 0: a large block sum with a tiny scale gives a subnormal instead of +0."""

    def scale_underflows(self, scale_exp: Value) -> Value:
        return Const(0, 1)
