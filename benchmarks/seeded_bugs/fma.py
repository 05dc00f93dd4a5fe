"""Seeded FMA bugs: subclasses of `rtl.fp_fma.FPFMA` overriding one stage hook each."""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Value

from rtl.fp_fma import FPFMA

__all__ = ["FPFMA", "FarAddendStickyLostFMA", "CancellationLzcFMA"]


class FarAddendStickyLostFMA(FPFMA):
    """Alignment sticky dropped when the addend is shifted entirely out of the window (the addend
    far below the product): a*b + tiny rounds as a*b alone (INEXACT lost, directed modes and ties wrong)."""

    def align_sticky(self, small_win: Value, shift: Value, t: int) -> Value:
        return Mux(shift >= t, Const(0, 1), super().align_sticky(small_win, shift, t))


class CancellationLzcFMA(FPFMA):
    """Leading-zero count one short after a cancellation of two or more bits (the normaliser's
    count is decremented, its shift kept): the exponent of the normalised sum is one too high."""

    def normalise(self, m: Module, sum_sig: Value) -> tuple[Value, Value]:
        nsig, lz = super().normalise(m, sum_sig)
        return nsig, Mux(lz >= 2, lz - 1, lz)
