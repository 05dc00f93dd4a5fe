"""PACK: codes of a format from a rounded (sign, significand, exponent), and the special results
(NaN, Inf, zero, saturated max) with the golden model's policies (`rounding.special_to_format`).

A `Packed` is (code, flags, defined): ``defined`` is false where the golden model raises
(NaN into a format whose NaN policy is 'error').
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ...formats import FloatFormat, NanPolicy, Overflow
from ...rounding import Env, Flags
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
    if fmt.has_nan:
        return const_packed(fmt, fmt.nan_code(0))
    policy = env.nan_for(fmt)
    if policy is NanPolicy.ERROR:
        return const_packed(fmt, 0, Flags.INVALID, defined=z3.BoolVal(False))
    if policy is NanPolicy.MAX:
        return const_packed(fmt, fmt.max_code, Flags.INVALID)
    return const_packed(fmt, 0, Flags.INVALID)


def inf(fmt: FloatFormat, sign: int, env: Env) -> tuple[int, int]:
    """(code, flags) of an infinite result (golden `special_to_format('inf', ...)`)."""
    policy = env.overflow_for(fmt)
    if sign and not fmt.signed:
        return fmt.nan_code(), int(Flags.INVALID)
    if fmt.has_inf and policy is not Overflow.SATFINITE:
        return fmt.inf_code(sign), 0
    if policy is Overflow.NAN and fmt.has_nan:
        return fmt.nan_code(sign), 0
    return fmt.max_code | (fmt.sign_bit if sign else 0), int(Flags.SATURATED)


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
