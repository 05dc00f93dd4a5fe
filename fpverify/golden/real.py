"""Exact real numbers for the golden model.

The rounding kernel needs only three things of a value X: its sign, ``floor(log2|X|)`` and
``floor(|X| * 2^k)`` together with whether that floor is exact. Dyadic rationals (every sum,
product and FMA of float codes), general rationals (quotients, decimal strings) and square roots
of rationals all provide them exactly, with integer arithmetic only: no floating-point ``log2``
and no precision to choose.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from fractions import Fraction
from math import isqrt


class Real(ABC):
    """An exact real number."""

    negative: bool

    @property
    @abstractmethod
    def is_zero(self) -> bool: ...

    @abstractmethod
    def ilog2(self) -> int:
        """floor(log2 |X|) for X != 0."""

    @abstractmethod
    def floor_scaled(self, k: int) -> tuple[int, bool]:
        """(floor(|X| * 2^k), whether it is exact)."""

    @abstractmethod
    def to_fraction(self) -> Fraction:
        """The exact value (only for rationals)."""


class Dyadic(Real):
    """(-1)^negative * mant * 2^exp with integer mant >= 0."""

    __slots__ = ("negative", "mant", "exp")

    def __init__(self, negative: bool, mant: int, exp: int) -> None:
        if mant < 0:
            raise ValueError("mantissa must be non-negative")
        self.negative = bool(negative)
        self.mant = mant
        self.exp = exp

    @classmethod
    def from_signed(cls, value: int, exp: int) -> "Dyadic":
        return cls(value < 0, abs(value), exp)

    @property
    def is_zero(self) -> bool:
        return self.mant == 0

    @property
    def signed_mant(self) -> int:
        return -self.mant if self.negative else self.mant

    def ilog2(self) -> int:
        return self.mant.bit_length() - 1 + self.exp

    def floor_scaled(self, k: int) -> tuple[int, bool]:
        s = self.exp + k
        if s >= 0:
            return self.mant << s, True
        q = self.mant >> -s
        return q, (q << -s) == self.mant

    def to_fraction(self) -> Fraction:
        v = Fraction(self.mant) * (Fraction(2) ** self.exp)
        return -v if self.negative else v

    def __add__(self, other: "Dyadic") -> "Dyadic":
        e = min(self.exp, other.exp)
        total = (self.signed_mant << (self.exp - e)) + (other.signed_mant << (other.exp - e))
        return Dyadic.from_signed(total, e)

    def __mul__(self, other: "Dyadic") -> "Dyadic":
        return Dyadic(self.negative != other.negative, self.mant * other.mant, self.exp + other.exp)

    def __neg__(self) -> "Dyadic":
        return Dyadic(not self.negative, self.mant, self.exp)

    def __repr__(self) -> str:
        return f"Dyadic({'-' if self.negative else ''}{self.mant}*2^{self.exp})"


class Ratio(Real):
    """A general rational p/q."""

    __slots__ = ("negative", "num", "den")

    def __init__(self, value: Fraction) -> None:
        value = Fraction(value)
        self.negative = value < 0
        self.num = abs(value.numerator)
        self.den = value.denominator

    @property
    def is_zero(self) -> bool:
        return self.num == 0

    def ilog2(self) -> int:
        n, d = self.num, self.den
        lg = n.bit_length() - d.bit_length()
        if lg >= 0:
            if n < (d << lg):
                lg -= 1
        elif (n << -lg) < d:
            lg -= 1
        return lg

    def floor_scaled(self, k: int) -> tuple[int, bool]:
        n, d = self.num, self.den
        if k >= 0:
            n <<= k
        else:
            d <<= -k
        q, r = divmod(n, d)
        return q, r == 0

    def to_fraction(self) -> Fraction:
        v = Fraction(self.num, self.den)
        return -v if self.negative else v

    def __repr__(self) -> str:
        return f"Ratio({self.to_fraction()})"


class SqrtOf(Real):
    """The non-negative square root of a non-negative rational."""

    __slots__ = ("negative", "radicand")

    def __init__(self, radicand: Fraction) -> None:
        if radicand < 0:
            raise ValueError("square root of a negative number")
        self.negative = False
        self.radicand = Ratio(Fraction(radicand))

    @property
    def is_zero(self) -> bool:
        return self.radicand.is_zero

    def ilog2(self) -> int:
        return self.radicand.ilog2() // 2

    def floor_scaled(self, k: int) -> tuple[int, bool]:
        # floor(sqrt(r) * 2^k) = isqrt(floor(r * 4^k)); exact iff r*4^k is an integer square.
        f, exact = self.radicand.floor_scaled(2 * k)
        s = isqrt(f)
        return s, exact and s * s == f

    def to_fraction(self) -> Fraction:
        raise ValueError("a square root is not rational in general")

    def __repr__(self) -> str:
        return f"SqrtOf({self.radicand.to_fraction()})"


def exact(value) -> Real:
    """An exact Real from an int, Fraction, Dyadic or Real."""
    if isinstance(value, Real):
        return value
    f = Fraction(value)
    d = f.denominator
    if d & (d - 1) == 0:
        return Dyadic.from_signed(f.numerator, -(d.bit_length() - 1))
    return Ratio(f)
