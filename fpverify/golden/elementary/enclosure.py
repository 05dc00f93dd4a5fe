"""An exact real known only through an enclosure ``lo < X < hi`` (a Ziv step).

The rounding kernel (`fpverify.rounding.round_to_format`) reads a value through ``ilog2`` and
``floor_scaled``. `Enclosure` answers those queries when every real of the open interval gives the
same answer and raises `Undecided` otherwise; the Ziv loop (`fpverify.golden.elementary.ziv`)
then narrows the interval. The enclosed value must not be a dyadic rational (the callers detect
those exact cases first), so no answer is ever "exact".
"""

from __future__ import annotations

from fractions import Fraction

from ..real import Dyadic, Real


class Undecided(Exception):
    """The enclosure is too wide to answer a query of the rounding kernel."""


def _floor(d: Dyadic, k: int) -> int:
    return d.floor_scaled(k)[0]


def _ceil(d: Dyadic, k: int) -> int:
    q, exact = d.floor_scaled(k)
    return q if exact else q + 1


def _is_power_of_two(d: Dyadic) -> bool:
    return d.mant & (d.mant - 1) == 0


class Enclosure(Real):
    """A non-dyadic real strictly between two dyadics of the same sign."""

    __slots__ = ("negative", "low", "high")

    def __init__(self, lo: Dyadic, hi: Dyadic) -> None:
        width = hi + -lo
        if width.is_zero or width.negative:
            raise ValueError("an enclosure needs lo < hi")
        if lo.negative != hi.negative or lo.is_zero or hi.is_zero:
            raise Undecided("the enclosure contains zero")
        self.negative = lo.negative
        # magnitudes: low < |X| < high
        self.low, self.high = (abs_dyadic(hi), abs_dyadic(lo)) if lo.negative else (lo, hi)

    @property
    def is_zero(self) -> bool:
        return False

    def ilog2(self) -> int:
        e_lo = self.low.ilog2()
        e_hi = self.high.ilog2() - (1 if _is_power_of_two(self.high) else 0)
        if e_lo != e_hi:
            raise Undecided("binade not decided")
        return e_lo

    def floor_scaled(self, k: int) -> tuple[int, bool]:
        a = _floor(self.low, k)
        b = _ceil(self.high, k) - 1
        if a != b:
            raise Undecided(f"floor(|X| 2^{k}) not decided")
        return a, False

    def to_fraction(self) -> Fraction:
        raise ValueError("an enclosed value is not rational")

    def __repr__(self) -> str:
        return f"Enclosure({'-' if self.negative else ''}({self.low!r}, {self.high!r}))"


def abs_dyadic(d: Dyadic) -> Dyadic:
    return Dyadic(False, d.mant, d.exp)


__all__ = ["Enclosure", "Undecided", "abs_dyadic"]
