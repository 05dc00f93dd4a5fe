"""The exact product of two float codes' significands, built as ONE shared term.

A property's assumption may read the exact product (``abs(a*b) >= 2^-126``). The DSL builds that
product with `significand_product`; a decomposition that cuts the unit's multiplier builds the
very same term (z3 hash-conses equal terms) and replaces it by an expression of the cut product
(`prove.decompose.isolate`), so the assumption stops being a second wide multiplier the solver
must reason about. Only the term is shared; what it means is checked by the engine's lemmas.
"""

from __future__ import annotations

import z3

from ..formats import FloatFormat
from .classify import value_bits


def raw_significand(fmt: FloatFormat, code: z3.BitVecRef) -> z3.BitVecRef:
    """The ``fmt.precision``-bit significand of a code as stored: the hidden bit (clear when the
    exponent field is 0 in a format with subnormals) over the trailing bits."""
    c = value_bits(fmt, code)
    m, e = fmt.man_bits, fmt.exp_bits
    if e and fmt.subnormals:
        hidden = z3.If(z3.Extract(m + e - 1, m, c) == 0, z3.BitVecVal(0, 1), z3.BitVecVal(1, 1))
    else:
        hidden = z3.BitVecVal(1, 1)
    return z3.Concat(hidden, z3.Extract(m - 1, 0, c)) if m else hidden


def significand_product(fa: FloatFormat, a: z3.BitVecRef, fb: FloatFormat, b: z3.BitVecRef) -> z3.BitVecRef:
    """``raw_significand(a) * raw_significand(b)``, exact, ``pa + pb`` bits."""
    pa, pb = fa.precision, fb.precision
    return z3.ZeroExt(pb, raw_significand(fa, a)) * z3.ZeroExt(pa, raw_significand(fb, b))


__all__ = ["raw_significand", "significand_product"]
