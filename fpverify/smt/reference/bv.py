"""Small z3 bit-vector helpers shared by the reference stages."""

from __future__ import annotations

import z3

TRUE = z3.BoolVal(True)
FALSE = z3.BoolVal(False)


def const(value: int, width: int) -> z3.BitVecRef:
    return z3.BitVecVal(value % (1 << width), width)


def bit(t: z3.BitVecRef, i: int) -> z3.BoolRef:
    return z3.Extract(i, i, t) == 1


def zext(t: z3.BitVecRef, width: int) -> z3.BitVecRef:
    return t if t.size() == width else z3.ZeroExt(width - t.size(), t)


def sext(t: z3.BitVecRef, width: int) -> z3.BitVecRef:
    return t if t.size() == width else z3.SignExt(width - t.size(), t)


def resize(t: z3.BitVecRef, width: int) -> z3.BitVecRef:
    """Zero-extend or truncate to ``width``."""
    return zext(t, width) if t.size() <= width else z3.Extract(width - 1, 0, t)


def ite(c, a, b):
    if z3.is_true(c):
        return a
    if z3.is_false(c):
        return b
    return z3.If(c, a, b)


def all_of(*ts) -> z3.BoolRef:
    ts = [t for t in ts if not z3.is_true(t)]
    if any(z3.is_false(t) for t in ts):
        return FALSE
    return TRUE if not ts else ts[0] if len(ts) == 1 else z3.And(*ts)


def any_of(*ts) -> z3.BoolRef:
    ts = [t for t in ts if not z3.is_false(t)]
    if any(z3.is_true(t) for t in ts):
        return TRUE
    return FALSE if not ts else ts[0] if len(ts) == 1 else z3.Or(*ts)


def lzc(t: z3.BitVecRef, width: int) -> z3.BitVecRef:
    """Leading-zero count of ``t`` as a ``width``-bit value (t == 0 gives t.size())."""
    w = t.size()
    r = const(w, width)
    for i in range(w):  # the highest set bit wins: build from the bottom
        r = z3.If(bit(t, i), const(w - 1 - i, width), r)
    return r


def shr_sticky(x: z3.BitVecRef, amount: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BoolRef]:
    """(x >> amount, whether any 1 bit was shifted out); amount unsigned, any width."""
    w = x.size()
    k = max(w, amount.size()) + 1
    xe, ae = zext(x, k), zext(amount, k)
    y = z3.LShR(xe, ae)
    below = ~(const((1 << k) - 1, k) << ae)  # ones below the shift amount: a decoder, not a shifter
    lost = (xe & below) != 0
    return z3.Extract(w - 1, 0, y), lost
