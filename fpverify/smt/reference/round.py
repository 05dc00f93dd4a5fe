"""ROUND: the shared round-and-pack of an exact value ``(-1)^sign * sig * 2^exp`` (P3109 kernel,
`formats.md` §2-§4), symbolically.

Steps (names recorded in ``terms`` with the given prefix, e.g. ``round_sticky``):

1. ``e = floor(log2 |X|)`` from a leading-zero count; quantum ``q = max(e, emin) - P + 1``.
2. Shift the significand right by ``d = q - exp`` (pre-padded by P+1 bits so a negative d, which
   never exceeds P+1, is a shorter right shift) in a frame with F extra fraction bits: ``s0`` (truncated significand), ``frac`` (the next F bits of ν) and ``sticky``
   (any bit below). F = G + 1 where G is what the decision reads (1 for the deterministic
   modes, N for SR-A, N + 1 for SR-B/SR-C); the extra bit serves the after-rounding tininess
   test at quantum q - 1.
3. Decide ``away`` per mode; ``s = s0 + away``; a carry into 2^P renormalises.
4. Tininess (before/after), underflow = tiny ∧ inexact; overflow compares the rounded value with
   the largest finite value and applies the overflow policy; negative values into unsigned
   formats follow P3109 SatNone; otherwise PACK.

Inexactness beyond the frame must be visible in the LSB of ``sig``: callers with a bounded
alignment jam their sticky bit there (round-to-odd), at least one bit below the frame.
"""

from __future__ import annotations

import z3

from ...formats import FloatFormat
from ...rounding import Env, Flags, Mode, Tininess
from ...semantics import overflow as overflow_rules
from ...semantics import rounding_rules, stages
from ...semantics.boolops import BoolOps
from . import flags as F
from .bv import FALSE, TRUE, all_of, any_of, bit, const, ite, lzc, shr_sticky, zext
from .pack import Packed, by_sign, choose, const_packed, finite_code, zero

Z3_OPS = BoolOps(lambda a, b: all_of(a, b), lambda a, b: any_of(a, b), z3.Not, FALSE, TRUE)


def decision_bits(env: Env) -> int:
    """G: the bits of ν the rounding decision at quantum q reads (`rounding_rules.decision_bits`)."""
    return rounding_rules.decision_bits(env.rounding.mode, env.rounding.nbits)


def frame_bits(env: Env) -> int:
    """F = G + 1: one more bit for the after-rounding tininess test (rounding at quantum q - 1)."""
    return decision_bits(env) + 1


def _away(mode: Mode, nbits: int, sign, s0_even, frac, fw: int, sticky, rand):
    """Round away from zero? ``frac`` holds the fw most significant bits of ν."""
    below = lambda k: any_of(z3.Extract(fw - k - 1, 0, frac) != 0, sticky) if k < fw else sticky
    stochastic = _stochastic_away(mode, nbits, frac, fw, below, rand) if mode.stochastic else None
    return rounding_rules.round_away(mode, sign, z3.Not(s0_even), bit(frac, fw - 1), below(1), stochastic, Z3_OPS)


def away_bit(mode: Mode, nbits: int, sign, s0_even, frac, fw: int, sticky, rand) -> z3.BoolRef:
    """Round away from zero? (the per-mode rule on the ``fw`` leading bits of ν, the sticky bit
    below them and the random bits): for kernels with their own alignment, e.g. tapered formats."""
    return _away(mode, nbits, sign, s0_even, frac, fw, sticky, rand)


def _stochastic_away(mode: Mode, n: int, frac, fw: int, below, rand) -> z3.BoolRef:
    """The SR-A/B/C comparison on the leading bits of ν and the random bits."""
    top = lambda k: z3.Extract(fw - 1, fw - k, frac)  # the k leading bits of ν
    r = zext(rand, n + 2)
    if mode is Mode.SR_A:
        return z3.UGE(zext(top(n), n + 2) + r, const(1 << n, n + 2))
    if mode is Mode.SR_B:
        return z3.UGE(zext(top(n + 1), n + 2) + (r << 1) + 1, const(1 << (n + 1), n + 2))
    # SR_C: RNITE(ν 2^N) + R >= 2^N
    t = top(n + 1)
    v = zext(z3.Extract(n, 1, t), n + 2)
    halfb = bit(t, 0)
    exact_t = z3.Not(below(n + 1))
    up = all_of(halfb, any_of(z3.Not(exact_t), bit(v, 0)))
    v = v + ite(up, const(1, n + 2), const(0, n + 2))
    return z3.UGE(v + r, const(1 << n, n + 2))


def round_pack(fmt: FloatFormat, sign: z3.BoolRef, sig: z3.BitVecRef, exp: z3.BitVecRef, env: Env,
               rand: z3.BitVecRef | None = None, terms: dict | None = None,
               prefix: str = "round") -> Packed:
    """Round the exact value ``(-1)^sign * sig * 2^exp`` (sig may be 0: an exact zero) into ``fmt``."""
    terms = terms if terms is not None else {}
    rnd = env.rounding
    mode = rnd.mode
    if mode.stochastic:
        if rand is None:
            rand = const(env.random_bits, rnd.nbits)
        if rand.size() != rnd.nbits:
            raise ValueError(f"{rnd}: random bits must be {rnd.nbits} bits wide, got {rand.size()}")
    p = fmt.precision
    w = sig.size()
    fw = frame_bits(env)
    # exponent arithmetic must also hold the frame width and this format's exponent range
    need = max((max(w, p + 1) + fw + 2).bit_length(),
               (abs(fmt.emin) + abs(fmt.finite_parts(fmt.max_code)[2]) + p + fw + 4).bit_length()) + 2
    if exp.size() < need:
        exp = z3.SignExt(need - exp.size(), exp)
    we = exp.size()
    # 1. exponent of the leading bit and the quantum
    lz = lzc(sig, we)
    e = exp + const(w - 1, we) - lz
    emin = const(fmt.emin, we)
    q = ite(e > emin, e, emin) - const(p - 1, we)
    # 2. align to the quantum: one right shift by d + L of sig * 2^(fw+L), L = P + 1 >= -d
    lpad = p + 1
    width = w + fw + lpad
    x = z3.Concat(sig, const(0, fw + lpad)) if width > w else sig
    d = q - exp
    amt = d + const(lpad, we)  # >= 0 for every nonzero sig
    amt = ite(amt > const(width, we), const(width, we), amt)
    y, sticky = shr_sticky(x, amt if we >= width.bit_length() + 1 else zext(amt, width.bit_length() + 1))
    s0 = z3.Extract(fw + p, fw, y)  # P+1 bits (the top one is 0)
    frac = z3.Extract(fw - 1, 0, y)
    inexact = any_of(frac != 0, sticky)
    even = _code_is_even(fmt, s0, q)
    away = all_of(inexact, _away(mode, rnd.nbits, sign, even, frac, fw, sticky, rand))
    # 3. increment and renormalise
    s = s0 + ite(away, const(1, p + 1), const(0, p + 1))
    carry = bit(s, p)
    s_fin = ite(carry, z3.LShR(s, 1), s)
    q_fin = q + ite(carry, const(1, we), const(0, we))
    # 4. tininess and underflow
    if env.tininess is Tininess.BEFORE:
        tiny = e < emin
    else:
        # at quantum q-1 (only matters when e = emin-1, where s0 < 2^(P-1)): P bits
        gbit = z3.Extract(fw - 1, fw - 1, frac)
        s0u = z3.Concat(z3.Extract(p - 2, 0, s0), gbit) if p > 1 else gbit
        fracu = z3.Concat(z3.Extract(fw - 2, 0, frac), const(0, 1))
        evenu = _code_is_even(fmt, s0u, q - 1)
        inexact_u = any_of(fracu != 0, sticky)
        awayu = all_of(inexact_u, _away(mode, rnd.nbits, sign, evenu, fracu, fw, sticky, rand))
        carry_u = all_of(s0u == const((1 << p) - 1, p), awayu)
        tiny = all_of(e < emin, z3.Not(all_of(e == emin - 1, carry_u)))
    underflow = all_of(tiny, inexact)
    flags = F.when(inexact, Flags.INEXACT) | F.when(underflow, Flags.UNDERFLOW)

    def name(field: str) -> str:
        return stages.round_stage(field, prefix)

    terms.update({name("lz"): lz, name("e"): e, name("q"): q, name("s0"): s0, name("frac"): frac,
                  name("guard"): bit(frac, fw - 1), name("sticky"): sticky,
                  name("inexact"): inexact, name("away"): away, name("sig"): s_fin,
                  name("exp"): q_fin, name("tiny"): tiny})
    is_zero_in = sig == 0
    s_zero = s_fin == 0
    zero_res = by_sign(fmt, sign, lambda sg: const_packed(fmt, *zero(fmt, sg)))
    exact_zero = zero_res
    if fmt.has_zero:  # a rounded zero keeps the rounding flags (no zero at all: NaN, invalid only)
        zero_res = Packed(zero_res.code, zero_res.flags | flags, zero_res.defined)
    # overflow against the largest finite value (both normalised, or at the subnormal quantum)
    _, msig, mexp = fmt.finite_parts(fmt.max_code)
    ovf = any_of(q_fin > const(mexp, we),
                 all_of(q_fin == const(mexp, we), z3.UGT(s_fin, const(msig, p + 1))))
    ovf_res = overflow_packed(fmt, sign, env, flags | F.flag(Flags.OVERFLOW | Flags.INEXACT))
    normal = Packed(finite_code(fmt, sign, z3.Extract(p - 1, 0, s_fin), q_fin), flags)
    res = choose(s_zero, zero_res, choose(ovf, ovf_res, normal))
    if not fmt.signed and not z3.is_false(sign):
        res = choose(sign, _negative_into_unsigned(fmt, s_zero, env, flags), res)
    res = choose(is_zero_in, exact_zero, res)
    terms[name("overflow")] = all_of(z3.Not(s_zero), ovf)
    return res


def _code_is_even(fmt: FloatFormat, s0: z3.BitVecRef, q: z3.BitVecRef) -> z3.BoolRef:
    if fmt.precision > 1:
        return z3.Not(bit(s0, 0))
    return any_of(s0 == 0, z3.Not(bit(q + const(fmt.bias, q.size()), 0)))


def overflow_packed(fmt, sign: z3.BoolRef, env: Env, flags: z3.BitVecRef) -> Packed:
    """The overflowed result of ``fmt`` (any format kind) under ``env``'s policy and mode, with
    ``flags`` added."""
    policy = env.overflow_for(fmt)
    mode = env.rounding.mode

    def make(s: int) -> Packed:
        to_max = overflow_rules.rounds_to_max(mode, policy, bool(s))
        code, saturated = overflow_rules.overflow_code(fmt, policy, s, to_max)
        return const_packed(fmt, code, Flags.SATURATED if saturated else Flags.NONE)

    p = by_sign(fmt, sign, make)
    return Packed(p.code, p.flags | flags, p.defined)


def _negative_into_unsigned(fmt: FloatFormat, s_zero, env: Env, flags) -> Packed:
    mode = env.rounding.mode
    nan = Packed(const_packed(fmt, fmt.nan_code()).code, (flags & ~F.flag(Flags.INEXACT)) | F.flag(Flags.INVALID))
    if not fmt.has_zero:
        return nan
    zero_code = const_packed(fmt, fmt.zero_code(0)).code
    to_zero = Packed(zero_code, flags | ite(s_zero, F.NONE, F.flag(Flags.SATURATED)))
    if overflow_rules.negative_to_zero(mode, env.overflow_for(fmt)):
        return to_zero
    return choose(s_zero, to_zero, nan)


__all__ = ["round_pack", "overflow_packed", "frame_bits", "decision_bits", "away_bit", "Z3_OPS"]
