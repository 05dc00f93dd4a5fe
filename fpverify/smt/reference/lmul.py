"""L-MUL (formats.md §6): variants B (bit-add, default), A (real formula, rounded once) and
C (normalise and truncate), specials policies ``wrap`` and ``ieee_like``; all overflow policies.
Written from the golden definition, field by field."""

from __future__ import annotations

import z3

from ...formats import FloatFormat, FormatError, Overflow
from ...golden.lmul import DEFAULT_POLICY, LMulPolicy, LMulSpecials, LMulVariant, lmul_constant, offset_exponent
from ...rounding import Env, Flags
from . import flags as F
from .bv import all_of, any_of, const, ite, zext
from .pack import Packed, by_sign, choose, const_packed
from .result import RefResult, inf_result, nan_result, zero_result
from .round import round_pack
from .unpack import exp_width, unpack


def lmul(fmt: FloatFormat, a, b, policy: LMulPolicy | None = None, env: Env = Env(), rand=None) -> RefResult:
    policy = policy or DEFAULT_POLICY
    if not fmt.signed:
        raise FormatError(f"L-Mul needs a signed float format, not {fmt.name}")
    m, nb, w = fmt.man_bits, fmt.bits, fmt.width
    mag_w = nb - 1
    ww = mag_w + 3  # signed room for |a| + |b| - C
    amag = zext(z3.Extract(mag_w - 1, 0, a), ww)
    bmag = zext(z3.Extract(mag_w - 1, 0, b), ww)
    sbit = z3.Xor(z3.Extract(nb - 1, nb - 1, a) == 1, z3.Extract(nb - 1, nb - 1, b) == 1)
    sign_code = ite(sbit, const(fmt.sign_bit, w), const(0, w))
    cst = lmul_constant(fmt)
    if policy.specials is LMulSpecials.WRAP:
        if policy.variant is not LMulVariant.BIT_ADD:
            raise FormatError("the 'wrap' specials policy is defined for the bit-add variant only")
        r = z3.Extract(mag_w - 1, 0, amag + bmag - const(cst, ww))
        return RefResult(sign_code | zext(r, w), F.NONE, z3.BoolVal(True), {"lmul_raw": r})

    we = exp_width(fmt)
    x, y = unpack(fmt, a, we), unpack(fmt, b, we)
    s = z3.Xor(x.sign, y.sign)
    ovf_env = Env(overflow=policy.overflow)
    terms: dict = {"a": x, "b": y, "sign": s}
    if policy.variant is LMulVariant.REAL:
        l = offset_exponent(m)
        wsig = m + l + 3
        mx, my = (zext(x.trailing, wsig), zext(y.trailing, wsig)) if m else (const(0, wsig),) * 2
        sig = const((1 << (m + l)) + (1 << m), wsig) + ((mx + my) << l)
        ex = zext(x.e_field, we) - const(fmt.bias, we)
        ey = zext(y.e_field, we) - const(fmt.bias, we)
        renv = Env(env.rounding, policy.overflow, env.tininess, env.random_bits, env.nan_policy)
        core = round_pack(fmt, s, sig, ex + ey - const(m + l, we), renv, rand, terms)
    else:
        if policy.variant is LMulVariant.BIT_ADD:
            r = amag + bmag - const(cst, ww)
        else:  # normalise and truncate
            l = offset_exponent(m)
            field = zext(x.e_field, ww) + zext(y.e_field, ww) - const(fmt.bias, ww)
            mx, my = (zext(x.trailing, ww), zext(y.trailing, ww)) if m else (const(0, ww),) * 2
            big = const((1 << m) + ((1 << m) >> l), ww) + mx + my
            wide = z3.UGE(big, const(1 << (m + 1), ww))
            big = ite(wide, z3.LShR(big, 1), big)
            field = field + ite(wide, const(1, ww), const(0, ww))
            r = (field << m) + (big - const(1 << m, ww))
        terms["lmul_raw"] = r
        under = r < const(1 << m, ww)  # signed: the subtraction may wrap below zero
        over = r > const(fmt.max_code, ww)
        zero = zero_result(fmt, s)
        under_res = Packed(zero.code, zero.flags | F.flag(Flags.UNDERFLOW | Flags.INEXACT))
        over_res = by_sign(fmt, s, lambda sg: _overflow(fmt, sg, policy))
        normal = Packed(sign_code | z3.Extract(w - 1, 0, r), F.NONE)  # ww = w + 2 bits
        core = choose(under, under_res, choose(over, over_res, normal))
    any_zero = any_of(x.is_zero, y.is_zero)
    any_sub = any_of(x.is_subnormal, y.is_subnormal)
    flush = zero_result(fmt, s)
    flush = Packed(flush.code, flush.flags | F.when(all_of(any_sub, z3.Not(any_zero)), Flags.INEXACT | Flags.UNDERFLOW))
    invalid = any_of(all_of(x.is_inf, y.is_zero), all_of(x.is_zero, y.is_inf))
    res = choose(any_of(x.is_nan, y.is_nan), nan_result(fmt, ovf_env, x, y),
                 choose(invalid, nan_result(fmt, ovf_env, x, y, invalid=invalid),
                        choose(any_of(x.is_inf, y.is_inf), inf_result(fmt, s, ovf_env),
                               choose(any_of(any_zero, any_sub), flush, core))))
    out = RefResult.of(res, terms)
    out.defined = all_of(out.defined, x.valid, y.valid)
    return out


def _overflow(fmt: FloatFormat, s: int, policy: LMulPolicy) -> Packed:
    flags = Flags.OVERFLOW | Flags.INEXACT
    saturate = (policy.overflow in (Overflow.SATFINITE, Overflow.SATPROPAGATE)
                or not (fmt.has_nan if policy.overflow is Overflow.NAN else fmt.has_inf))
    if saturate:
        return const_packed(fmt, (fmt.sign_bit if s else 0) | fmt.max_code, flags | Flags.SATURATED)
    if policy.overflow is Overflow.NAN:
        return const_packed(fmt, fmt.nan_code(s), flags)
    return const_packed(fmt, fmt.inf_code(s), flags)
