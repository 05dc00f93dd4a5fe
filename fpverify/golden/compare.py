"""Comparisons (quiet and signaling), IEEE 754-2019 minimum/maximum, neg and abs."""

from __future__ import annotations

from ..formats import Format, IntFormat
from ..rounding import Flags
from .operand import Operand, unpack


def _key(o: Operand):
    """Total order key for non-NaN operands: -inf < finite < +inf, zeros equal."""
    if o.is_inf:
        return (-1 if o.sign else 1, 0)
    return (0, o.value.to_fraction())


def compare(fmt: Format, a: int, b: int, signaling: bool = False) -> tuple[str, Flags]:
    """'lt', 'eq', 'gt' or 'un' (unordered), with INVALID per IEEE 754 §5.11."""
    x, y = unpack(fmt, a), unpack(fmt, b)
    if x.is_nan or y.is_nan:
        bad = signaling or x.signaling or y.signaling
        return "un", Flags.INVALID if bad else Flags.NONE
    kx, ky = _key(x), _key(y)
    return ("lt" if kx < ky else "gt" if kx > ky else "eq"), Flags.NONE


def eq(fmt: Format, a: int, b: int, signaling: bool = False) -> tuple[bool, Flags]:
    rel, f = compare(fmt, a, b, signaling)
    return rel == "eq", f


def lt(fmt: Format, a: int, b: int, signaling: bool = True) -> tuple[bool, Flags]:
    rel, f = compare(fmt, a, b, signaling)
    return rel == "lt", f


def le(fmt: Format, a: int, b: int, signaling: bool = True) -> tuple[bool, Flags]:
    rel, f = compare(fmt, a, b, signaling)
    return rel in ("lt", "eq"), f


def _pick(fmt: Format, a: int, b: int, want_min: bool, number: bool) -> tuple[int, Flags]:
    x, y = unpack(fmt, a), unpack(fmt, b)
    flags = Flags.INVALID if (x.signaling or y.signaling) else Flags.NONE
    if x.is_nan or y.is_nan:
        if number and not (x.is_nan and y.is_nan):
            return (b if x.is_nan else a), flags
        return fmt.nan_code(), flags
    kx, ky = _key(x), _key(y)
    if kx == ky:  # zeros: -0 < +0 for minimum/maximum
        kx, ky = (kx, -x.sign), (ky, -y.sign)
    first = kx < ky if want_min else kx > ky
    return (a if first else b), flags


def minimum(fmt: Format, a: int, b: int) -> tuple[int, Flags]:
    """IEEE 754-2019 minimum: NaN if either is NaN; -0 < +0."""
    return _pick(fmt, a, b, True, False)


def maximum(fmt: Format, a: int, b: int) -> tuple[int, Flags]:
    return _pick(fmt, a, b, False, False)


def minimum_number(fmt: Format, a: int, b: int) -> tuple[int, Flags]:
    """IEEE 754-2019 minimumNumber: a number wins over a NaN."""
    return _pick(fmt, a, b, True, True)


def maximum_number(fmt: Format, a: int, b: int) -> tuple[int, Flags]:
    return _pick(fmt, a, b, False, True)


def neg(fmt: Format, a: int) -> int:
    """Flip the sign (a bit operation; NaN and the unsigned/FNUZ zero stay as they are)."""
    fmt.check_code(a)
    if isinstance(fmt, IntFormat):
        v = -fmt.to_int(a)
        return fmt.from_int(max(fmt.min_int, min(fmt.max_int, v)))
    if not fmt.signed or fmt.is_nan(a):
        return a
    flipped = a ^ fmt.sign_bit
    if not fmt.has_neg_zero and (a & fmt.mag_mask) == 0 and not fmt.is_inf(a):
        return a
    return flipped


def absolute(fmt: Format, a: int) -> int:
    fmt.check_code(a)
    if isinstance(fmt, IntFormat):
        v = abs(fmt.to_int(a))
        return fmt.from_int(min(fmt.max_int, v))
    if not fmt.signed or fmt.is_nan(a):
        return a
    return a & ~fmt.sign_bit
