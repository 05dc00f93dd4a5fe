"""How far a kernel's result is from the exact value: ULP error, relative error, and class.

Definitions (docs/fuzz.md, "Accuracy fuzzing"). For the output format F (precision p, smallest
normal exponent emin) and a real v with 2^e <= |v| < 2^(e+1)::

    ulp_F(v)  = 2^(max(e, emin) - p + 1)          (ulp of the binade of the exact value; Goldberg's
    ulp_F(0)  = 2^(emin - p + 1)                    definition, Muller 2005, "On the definition of ulp(x)")
    ulp error = |y - f(x)| / ulp_F(f(x))
    rel error = |y - f(x)| / |f(x)|                (0 if y = f(x) = 0, infinite if only f(x) = 0)

f(x) is the exact real (mpmath through the golden model's enclosures, at rising precision until
the comparison with the bound is decided), never the rounded golden value. Special results: if
f(x) is NaN or an infinity, or y or the correctly rounded result is an infinity, or |f(x)| >=
2^(emax + 3) ("far out of range"), or f(x) is an exact zero (sign of zero), y must equal the
correctly rounded result: its error is then 0, otherwise infinite.

Classes: *correctly rounded* (y is the golden result in the declared mode), *faithful* (y is
RD(f(x)) or RU(f(x)), the format values around f(x)), *worse* (anything else). A correctly
rounded result is always within the bound (e.g. an underflow to 0 has relative error 1).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence

from ..formats import FloatFormat
from ..golden.elementary.enclosure import Undecided
from ..golden.elementary.evaluate import outcome
from ..golden.elementary.outcomes import ApproxOut, ExactOut, InfOut, NanOut
from ..golden.elementary.softmax import element_outcome, extra_bits
from ..golden.elementary.table import definition
from ..golden.elementary.ziv import enclose, from_dyadic
from ..golden.operand import unpack
from ..golden.real import Ratio
from ..rounding import Env, Mode, Rounding
from ..semantics.ops import get_op
from .bound import ErrorBound

START_BITS = 40  # working precision beyond the output precision for the first measurement
MAX_BITS = 1 << 12  # past this the error is taken from the midpoint (documented)
TINY_MARGIN = 64  # |f(x)| < 2^(emin - p - 64) is measured as the interval (0, that bound)

CORRECT, FAITHFUL, WORSE = "correctly rounded", "faithful", "worse"
CLASSES = (CORRECT, FAITHFUL, WORSE)


@dataclass(frozen=True)
class Exact:
    """The exact result f(x): ``kind`` "nan" | "inf" | "zero" | "value" | "far"; for "value" the
    signed enclosure ``lo <= f(x) <= hi`` (``lo == hi`` when known exactly) and its binade."""

    kind: str
    sign: int = 0
    lo: Fraction = Fraction(0)
    hi: Fraction = Fraction(0)
    binade: int = 0

    @property
    def mid(self) -> Fraction:
        return (self.lo + self.hi) / 2


@dataclass(frozen=True)
class Measured:
    """One result measured: errors (floats, ``math.inf`` for special mismatches), the class and
    whether it is within the bound (None without a bound)."""

    ulp: float
    rel: float
    klass: str
    ok: bool | None
    exact: Exact
    special: bool = False  # NaN / infinity / far out of range: compared as a class (0 or inf)


# ---- the exact value --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _unpacked(src: FloatFormat, args: tuple) -> list:
    return [unpack(src, c) for c in args]


def value_source(op: str, src: FloatFormat, args: Sequence[int], index: int = 0):
    """``(outcome, extra working bits, thunk)`` of f(args) (softmax: of element ``index``)."""
    ops = _unpacked(src, tuple(args))
    if op == "softmax":
        got = element_outcome(ops, index)
        extra = extra_bits(len(ops))
    else:
        defn = definition(op)
        got = outcome(defn, ops)
        extra = defn.extra_bits(*ops) if defn.extra_bits else 0
        if got is None:
            vals = [o.value for o in ops]
            return None, extra, lambda: defn.value(*[from_dyadic(v) for v in vals])
    return got, extra, (got.value if isinstance(got, ApproxOut) else None)


def exact_value(op: str, src: FloatFormat, args: Sequence[int], dst: FloatFormat, bits: int,
                index: int = 0) -> Exact:
    """f(args) enclosed to about ``bits`` bits (raises `Undecided` when that is too few)."""
    got, extra, thunk = value_source(op, src, args, index)
    if isinstance(got, NanOut):
        return Exact("nan")
    if isinstance(got, InfOut):
        return Exact("inf", got.sign)
    if isinstance(got, ExactOut):
        v = got.value
        if v.is_zero:
            return Exact("zero", int(v.negative))
        e = v.ilog2()
        return _placed(dst, int(v.negative), e, e, lambda: (abs(v.to_fraction()),) * 2, e)
    enc = enclose(thunk, bits + extra)
    return _placed(dst, int(enc.negative), enc.low.ilog2(), enc.high.ilog2(),
                   lambda: (enc.low.to_fraction(), enc.high.to_fraction()), None, enc)


def _placed(dst: FloatFormat, sign: int, e_lo: int, e_hi: int, magnitudes, binade, enc=None) -> Exact:
    """An `Exact` for a value with ``2^e_lo <= |v| < 2^(e_hi + 1)``: far, tiny or an enclosure."""
    if e_lo >= Ratio(Fraction(dst.max_value)).ilog2() + 3:
        return Exact("far", sign)
    tiny = dst.emin - dst.precision - TINY_MARGIN
    if e_hi < tiny:
        lo, hi = Fraction(0), Fraction(2) ** tiny
        return Exact("value", sign, -hi if sign else lo, -lo if sign else hi, tiny - 1)
    lo, hi = magnitudes()
    return _finite(dst, sign, lo, hi, binade if binade is not None else enc.ilog2())


def _finite(dst: FloatFormat, sign: int, lo: Fraction, hi: Fraction, binade: int) -> Exact:
    """Magnitudes ``lo <= |v| <= hi`` of sign ``sign`` as a signed enclosure."""
    if sign:
        lo, hi = -hi, -lo
    return Exact("value", sign, lo, hi, binade)


def ulp_of(dst: FloatFormat, binade: int) -> Fraction:
    """ulp_F of a value in binade ``binade`` (see the module docstring)."""
    return Fraction(2) ** (max(binade, dst.emin) - dst.precision + 1)


# ---- errors -----------------------------------------------------------------------------------


def error_interval(y: Fraction, ex: Exact, dst: FloatFormat, measure: str) -> tuple[Fraction | None, Fraction | None]:
    """(lowest, highest) error of ``y`` over the enclosure; None stands for infinity."""
    lo, hi = ex.lo, ex.hi
    d_hi = max(abs(y - lo), abs(y - hi))
    d_lo = Fraction(0) if lo <= y <= hi else min(abs(y - lo), abs(y - hi))
    if measure == "ulp":
        u = ulp_of(dst, ex.binade)
        return d_lo / u, d_hi / u
    if lo <= 0 <= hi:  # a tiny value known only as (0, 2^t): |0 - v| / |v| = 1 exactly
        t = max(abs(lo), abs(hi))
        return (Fraction(1), Fraction(1)) if y == 0 else (abs(y) / t - 1, None)
    m_lo, m_hi = min(abs(lo), abs(hi)), max(abs(lo), abs(hi))
    return d_lo / m_hi, d_hi / m_lo


def _decided(interval, limit: Fraction) -> bool | None:
    lo, hi = interval
    if hi is not None and hi <= limit:
        return True
    if lo is not None and lo > limit:
        return False
    return None


def _as_float(v: Fraction | None) -> float:
    if v is None:
        return math.inf
    try:
        return float(v)
    except OverflowError:
        return math.inf


def _special(y_code: int, golden_code: int, dst: FloatFormat) -> bool:
    return y_code == golden_code or (dst.is_nan(y_code) and dst.is_nan(golden_code))


def measure(op: str, src: FloatFormat, args: Sequence[int], dst: FloatFormat, env: Env, y_code: int | None,
            golden_code: int, bound: ErrorBound | None, neighbours: Callable[[], tuple[int, int]],
            index: int = 0) -> Measured:
    """Measure the kernel result ``y_code`` (None: not a value of ``dst``) of f(args).

    ``golden_code``: the correctly rounded result in ``env``; ``neighbours()``: (RD, RU) codes of
    f(args), called only when ``y_code`` is not the correctly rounded result."""
    bits = dst.precision + START_BITS
    ex: Exact | None = None
    while ex is None:
        try:
            ex = exact_value(op, src, args, dst, bits, index)
        except Undecided:
            bits *= 2
            if bits > MAX_BITS:
                raise
    same = y_code is not None and _special(y_code, golden_code, dst)
    if same:
        klass = CORRECT
    elif y_code is None:
        klass = WORSE
    else:
        rd, ru = neighbours()
        klass = FAITHFUL if _special(y_code, rd, dst) or _special(y_code, ru, dst) else WORSE
    special = (y_code is None or ex.kind != "value" or dst.is_nan(y_code) or dst.is_inf(y_code)
               or dst.is_inf(golden_code) or dst.is_nan(golden_code))
    if special:
        err = 0.0 if same else math.inf
        ok = None if bound is None else (same or (bound.measure == "faithful" and klass == FAITHFUL))
        return Measured(err, err, klass, ok, ex, True)
    y = Fraction(dst.value(y_code))
    limit = bound.limit if bound is not None and bound.measure != "faithful" else None
    while True:
        u = error_interval(y, ex, dst, "ulp")
        r = error_interval(y, ex, dst, "rel")
        chosen = u if bound is None or bound.measure != "relerr" else r
        verdict = _decided(chosen, limit) if limit is not None else True
        exactly = ex.lo == ex.hi
        if verdict is not None or exactly or bits >= MAX_BITS:
            break
        bits *= 2
        try:
            ex = exact_value(op, src, args, dst, bits, index)
        except Undecided:
            continue
    if bound is None:
        ok = None
    elif klass == CORRECT:  # nothing can do better than the correctly rounded result
        ok = True
    elif bound.measure == "faithful":
        ok = klass != WORSE
    else:
        ok = verdict if verdict is not None else _as_float(sum(x for x in chosen if x is not None) / 2) <= limit
    mid_u = (u[0] + u[1]) / 2 if u[1] is not None else None
    mid_r = (r[0] + r[1]) / 2 if r[1] is not None else None
    return Measured(_as_float(mid_u), _as_float(mid_r), klass, ok, ex)


def neighbours_by_golden(op: str, src: FloatFormat, args: Sequence[int], dst: FloatFormat, env: Env):
    """(RD, RU) codes of an elementary function through the golden model."""
    def both() -> tuple[int, int]:
        fn = get_op(op)
        out = []
        for mode in (Mode.RDN, Mode.RUP):
            e = Env(Rounding(mode), env.overflow, env.tininess, 0, env.nan_policy)
            out.append(fn.run_golden(src, tuple(args), e, out=dst).code)
        return out[0], out[1]
    return both


__all__ = ["Exact", "Measured", "measure", "exact_value", "error_interval", "ulp_of", "value_source",
           "neighbours_by_golden", "CLASSES", "CORRECT", "FAITHFUL", "WORSE", "START_BITS", "MAX_BITS"]
