"""PACK: codes of a format from a rounded (sign, significand, exponent), and the special results
(NaN, Inf, zero, saturated max) with the golden model's policies (`rounding.special_to_format`).

A `Packed` is (code, flags, defined): ``defined`` is false where the golden model raises
(NaN into a format whose NaN policy is 'error').
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ...formats import FloatFormat
from ...rounding import Env, Flags
from ...semantics.specials import inf_into, nan_into
from . import flags as F
from .bv import TRUE, all_of, const, ite, resize


@dataclass
class Packed:
    code: z3.BitVecRef
    flags: z3.BitVecRef
    defined: z3.BoolRef = TRUE


def choose(cond: z3.BoolRef, a: Packed, b: Packed) -> Packed:
    return Packed(ite(cond, a.code, b.code), ite(cond, a.flags, b.flags),
                  all_of(ite(cond, a.defined, b.defined)))


def const_packed(fmt: FloatFormat, code: int, flags: Flags | int = 0, defined=TRUE) -> Packed:
    return Packed(const(code, fmt.width), F.flag(flags), defined)


def with_flags(p: Packed, extra: z3.BitVecRef) -> Packed:
    return Packed(p.code, p.flags | extra, p.defined)


def by_sign(fmt: FloatFormat, sign: z3.BoolRef, make) -> Packed:
    """``make(s)`` for a Python sign s, selected by the symbolic sign."""
    if z3.is_false(sign):
        return make(0)
    return choose(sign, make(1), make(0))


def zero(fmt: FloatFormat, sign: int) -> tuple[int, int]:
    """(code, flags) of a zero; a format without zero (E8M0) cannot encode it: NaN, invalid."""
    if fmt.has_zero:
        return fmt.zero_code(sign), 0
    return fmt.nan_code(), int(Flags.INVALID)


def nan(fmt: FloatFormat, env: Env) -> Packed:
    """The default NaN (golden `special_to_format('nan', 0, ...)`)."""
    got = nan_into(fmt, env.nan_for(fmt))
    if got is None:  # nan policy 'error': no code, the golden model raises
        return const_packed(fmt, 0, Flags.INVALID, defined=z3.BoolVal(False))
    return const_packed(fmt, *got)


def inf(fmt: FloatFormat, sign: int, env: Env) -> tuple[int, int]:
    """(code, flags) of an infinite result (golden `special_to_format('inf', ...)`)."""
    code, flags = inf_into(fmt, sign, env.overflow_for(fmt))
    return code, int(flags)


def inf_packed(fmt: FloatFormat, sign: z3.BoolRef, env: Env) -> Packed:
    return by_sign(fmt, sign, lambda s: const_packed(fmt, *inf(fmt, s, env)))


def zero_packed(fmt: FloatFormat, sign: z3.BoolRef) -> Packed:
    return by_sign(fmt, sign, lambda s: const_packed(fmt, *zero(fmt, s)))


def finite_code(fmt: FloatFormat, sign: z3.BoolRef, s: z3.BitVecRef, q: z3.BitVecRef) -> z3.BitVecRef:
    """Code of (-1)^sign * s * 2^q; s < 2^P nonzero, in range (`FloatFormat.pack`)."""
    m, e = fmt.man_bits, fmt.exp_bits
    we = q.size()
    e_field = resize(q + const(m + fmt.bias, we), e)
    if m:
        normal = z3.Extract(m, m, s) == 1
        t = z3.Extract(m - 1, 0, s)
        mag = ite(normal, z3.Concat(e_field, t), z3.Concat(const(0, e), t))
    else:
        mag = e_field
    code = resize(mag, fmt.width)
    if fmt.signed:
        code = ite(sign, code | const(fmt.sign_bit, fmt.width), code)
    return code
