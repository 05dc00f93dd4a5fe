"""Flag bits of the reference results: SoftFloat values (`fpverify.rounding.Flags`) in 8 bits."""

from __future__ import annotations

import z3

from ...rounding import Flags
from .bv import const, ite

WIDTH = 8
NONE = const(0, WIDTH)


def flag(f: Flags | int) -> z3.BitVecRef:
    return const(int(f), WIDTH)


def when(cond: z3.BoolRef, f: Flags | int) -> z3.BitVecRef:
    return ite(cond, flag(f), NONE)


def has(flags: z3.BitVecRef, f: Flags) -> z3.BoolRef:
    return (flags & flag(f)) != 0
