"""Rigorous per-input decisions of an elementary property: is ``ulp(y, f(x)) <= K`` (or
``relerr``) true for one operand code and one result code?

The exact value f(x) is known exactly (special and exact cases of the golden definition) or only
through an enclosure ``lo < X < hi`` (`fpverify.golden.elementary.ziv.enclose`, the golden
model's error model); the enclosure is narrowed (precision doubled) until the bound holds for
every real in it (True) or fails for every real in it (False). Never decided -> None (UNKNOWN).

ulp(y, X) = |y - X| / ulp(X), ulp(X) = 2^(clamp(floor(log2 |X|), emin, emax) - m) of the OUTPUT
format (m its fraction bits; ulp(0) = 2^(emin - m)). A NaN exact value is matched only by a NaN
y, an infinite one only by the same infinity (error 0); a NaN or infinite y against a finite X
fails. relerr(y, X) = |y - X| / |X|: false unless y and X are finite, relerr(0, 0) = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..formats import FloatFormat
from ..golden.elementary import ExactOut, InfOut, NanOut, definition, outcome
from ..golden.elementary.enclosure import Undecided
from ..golden.elementary.ziv import MAX_PRECISION, enclose, from_dyadic
from ..golden.operand import unpack

START_PRECISION = 64


@dataclass(frozen=True)
class Truth:
    """What is known of f(x): ``kind`` "nan", "inf" (``sign``), "exact" (``value``), "interval"
    (``lo < X < hi``, same sign) or "huge" (|X| > 2^``exp``, sign ``sign``)."""

    kind: str
    sign: int = 0
    value: Fraction | None = None
    lo: Fraction | None = None
    hi: Fraction | None = None
    exp: int = 0


def emax_of(fmt: FloatFormat) -> int:
    m = Fraction(fmt.max_value)
    e = m.numerator.bit_length() - m.denominator.bit_length()
    return e if Fraction(2) ** e <= m else e - 1


def ulp_of(fmt: FloatFormat, e: int) -> Fraction:
    """The quantum of binade ``e`` (clamped to the format's binades)."""
    return Fraction(2) ** (min(max(e, fmt.emin), emax_of(fmt)) - fmt.man_bits)


def _ilog2(x: Fraction) -> int:
    x = abs(x)
    e = x.numerator.bit_length() - x.denominator.bit_length()
    return e if Fraction(2) ** e <= x else e - 1


class Decider:
    """Decides one property (``measure`` "ulp"/"relerr", ``bound``, ``strict``) for ``func`` from
    ``fmt`` into ``out``."""

    def __init__(self, func: str, fmt: FloatFormat, out: FloatFormat, measure: str, bound: Fraction,
                 strict: bool) -> None:
        self.defn = definition(func)
        self.fmt, self.out, self.measure, self.bound, self.strict = fmt, out, measure, bound, strict
        k_bits = max(1, int(bound + 2).bit_length())
        self.t_high = emax_of(out) + 64 + k_bits  # beyond: X only known as "huge"
        self.t_low = out.emin - out.man_bits - 200  # below: X only known as (0, 2^t_low)

    # ---- the exact value ----------------------------------------------------------------------

    def truths(self, code: int):
        """Successively tighter `Truth`s of f(x) for operand ``code`` (one for exact cases)."""
        op = unpack(self.fmt, code)
        got = outcome(self.defn, [op])
        if isinstance(got, NanOut):
            yield Truth("nan")
            return
        if isinstance(got, InfOut):
            yield Truth("inf", got.sign)
            return
        if isinstance(got, ExactOut):
            yield from self._exact_truths(got.value)
            return
        if got is not None:  # ApproxOut: a constant thunk
            value = got.value
            extra = 0
        else:
            args = [from_dyadic(op.value)]
            value = (lambda: self.defn.value(*args))
            extra = self.defn.extra_bits(op) if self.defn.extra_bits else 0
        p = START_PRECISION + extra
        while p <= MAX_PRECISION:
            try:
                enc = enclose(value, p)
            except Undecided:
                p *= 2
                continue
            far = self._far(enc.high.ilog2(), enc.negative, enc.low.ilog2())
            if far is not None:
                yield far
            else:
                lo, hi = enc.low.to_fraction(), enc.high.to_fraction()
                yield Truth("interval", lo=-hi, hi=-lo) if enc.negative else Truth("interval", lo=lo, hi=hi)
            p *= 2

    def _exact_truths(self, v):
        """An exactly known value: rational (compared exactly) or an algebraic irrational such as
        rsqrt(2) = sqrt(1/2), enclosed by its exact ``floor_scaled`` at rising precision."""
        if v.is_zero:
            yield Truth("exact", value=Fraction(0))
            return
        far = self._far(v.ilog2(), v.negative)
        if far is not None:
            yield far
            return
        try:
            yield Truth("exact", value=v.to_fraction())
            return
        except ValueError:
            pass
        s = -1 if v.negative else 1
        p = START_PRECISION
        while p <= MAX_PRECISION:
            k = p - v.ilog2()
            q, exact = v.floor_scaled(k)
            scale = Fraction(2) ** k
            if exact:
                yield Truth("exact", value=s * q / scale)
                return
            lo, hi = Fraction(q) / scale, Fraction(q + 1) / scale
            yield Truth("interval", lo=-hi, hi=-lo) if v.negative else Truth("interval", lo=lo, hi=hi)
            p *= 2

    def _far(self, e_hi: int, negative: bool, e_lo: int | None = None) -> Truth | None:
        e_lo = e_hi if e_lo is None else e_lo
        s = -1 if negative else 1
        if e_lo >= self.t_high:
            return Truth("huge", 1 if negative else 0, exp=self.t_high)
        if e_hi < self.t_low:
            edge = Fraction(2) ** self.t_low
            return Truth("interval", lo=min(0, s * edge), hi=max(0, s * edge))
        return None

    # ---- the decision -------------------------------------------------------------------------

    def decide(self, code: int, y_code: int) -> tuple[bool | None, Truth | None]:
        """(True: the bound holds for every real f(x) may be; False: it fails for every one; None:
        undecided at `MAX_PRECISION`), and the last `Truth` used."""
        last = None
        for t in self.truths(code):
            last = t
            r = self.decide_truth(t, y_code)
            if r is not None:
                return r, t
        return None, last

    def decide_truth(self, t: Truth, y_code: int) -> bool | None:
        out = self.out
        y_nan, y_inf = out.is_nan(y_code), out.is_inf(y_code)
        if t.kind == "nan":
            return y_nan if self.measure == "ulp" else False
        if t.kind == "inf":
            if self.measure == "relerr":
                return False
            return y_inf and int(bool(out.signed and y_code & out.sign_bit)) == t.sign
        if y_nan or y_inf:
            return False
        y = Fraction(out.value(y_code))
        return self._ulp(t, y) if self.measure == "ulp" else self._relerr(t, y)

    def _le(self, a: Fraction, b: Fraction) -> bool:
        return a < b if self.strict else a <= b

    def _ulp(self, t: Truth, y: Fraction) -> bool | None:
        k = self.bound
        if t.kind == "huge":
            return False  # |y - X| > 2^(t_high - 1) > K ulp(X): y is finite
        if t.kind == "exact":
            x = t.value
            u = ulp_of(self.out, _ilog2(x) if x else self.out.emin)
            return self._le(abs(y - x), k * u)
        lo, hi = t.lo, t.hi
        mags = sorted(abs(v) for v in (lo, hi))
        e_small = _ilog2(mags[0]) if mags[0] else self.out.emin
        u_min, u_max = ulp_of(self.out, e_small), ulp_of(self.out, _ilog2(mags[1]))
        if self._le(max(abs(y - lo), abs(y - hi)), k * u_min):
            return True
        worst = k * u_max  # fails everywhere: |y - X| > K u_max (>= K ulp(X)) for every X in (lo, hi)
        if y <= lo - worst or y >= hi + worst:
            return False
        return None

    def _relerr(self, t: Truth, y: Fraction) -> bool | None:
        k = self.bound
        if t.kind == "exact" and t.value == 0:
            return y == 0
        if y == 0:
            return self._le(Fraction(1), k)  # |0 - X| / |X| = 1 for every X != 0
        if t.kind == "huge":
            d = Fraction(2) ** (emax_of(self.out) + 1 - t.exp)  # |y| / |X| < d
            if self._le(1 + d, k):
                return True
            if (1 - d >= k) if self.strict else (1 - d > k):
                return False
            return None
        if t.kind == "exact":
            x = t.value
            return self._le(abs(y - x), k * abs(x))

        def g(x: Fraction) -> Fraction:
            return abs(y - x) - k * abs(x)

        lo, hi = t.lo, t.hi
        gl, gh = g(lo), g(hi)
        if (gl < 0 and gh < 0) if self.strict else (gl <= 0 and gh <= 0):
            return True
        outside = not (lo < y < hi)
        if outside and ((gl >= 0 and gh >= 0) if self.strict else (gl >= 0 and gh >= 0 and (gl > 0 or gh > 0))):
            return False
        return None

    def error_text(self, t: Truth | None, y_code: int) -> str:
        """The error of ``y_code`` for a report (an approximation of the interval's middle)."""
        if t is None or t.kind in ("nan", "inf", "huge"):
            return "the exact value is " + ("NaN" if t and t.kind == "nan" else "infinite" if t and t.kind == "inf"
                                           else "far beyond the format" if t else "undecided")
        if self.out.is_nan(y_code) or self.out.is_inf(y_code):
            return "the result is not finite"
        y = Fraction(self.out.value(y_code))
        x = t.value if t.kind == "exact" else (t.lo + t.hi) / 2
        if self.measure == "ulp":
            e = float(abs(y - x) / ulp_of(self.out, _ilog2(x) if x else self.out.emin))
            return f"exact {float(x):.9g}, error {e:.4g} ulp"
        e = float(abs(y - x) / abs(x)) if x else float("inf")
        return f"exact {float(x):.9g}, relative error {e:.4g}"


__all__ = ["Decider", "Truth", "ulp_of", "emax_of", "START_PRECISION"]
