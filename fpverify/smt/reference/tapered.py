"""UNPACK and ROUND/PACK for the tapered HiF8 format, symbolically (a real tapered-rounding
encoding in z3, not a case table).

* Unpack decodes the dot prefix with a mux over the six field layouts: the value is
  ``sig * 2^exp`` with a 4-bit significand ``1.mmm`` (missing mantissa bits zero; a denormal
  ``2^(m-23)`` is ``1.000``), so every nonzero operand is already normalised.
* Round: ``e = floor(log2 |X|)`` by a leading-zero count; the binade precision ``p(e)`` is an
  ite over the format's precision table (`TaperedFormat.binade_precision`); quantum
  ``q = max(e, emin_binade) - p(eb) + 1`` (eb: e clamped to the binade range); align in a frame
  of P_max + 1 significand bits plus the decision bits; the per-mode decision is the shared
  rule (`round.away_bit`). RNE/RTO parity is the code's last bit: the significand's, except in
  the one-value denormal binades where it is the LSB of ``m = e + 23``.
* A carry to ``2^p`` gives ``2^(eb+1)`` (mantissa 0), a value of every binade. Overflow: the
  rounded value exceeds max finite (2^15). Pack encodes (E, mantissa) field by field with an ite
  over |E| (dot 11/10/01/001/0001, or the denormal ``0000 m``).
* Tininess after rounding rounds once more at the smallest normal binade's precision (P = 2 at
  2^-16 is one bit more than that binade's P = 1: the quantum q - 1, as in `round.py`).
"""

from __future__ import annotations

import z3

from ...formats import FloatFormat
from ...rounding import Env, Flags, Tininess
from ...semantics import stages
from ...tapered import HIF8_DENORMAL_BIAS, TaperedFormat
from . import flags as F
from .bv import FALSE, TRUE, all_of, any_of, bit, const, ite, lzc, sext, shr_sticky, zext
from .pack import Packed, choose, const_packed
from .round import away_bit, frame_bits, overflow_packed, round_pack
from .unpack import Unpacked, exp_width, unpack

SIG_BITS = 4  # 1.mmm


def is_tapered(fmt) -> bool:
    return isinstance(fmt, TaperedFormat)


def lsb_exponents(fmt: TaperedFormat) -> tuple[int, int]:
    """(lowest, highest) exponent of the 4-bit significand's LSB over the finite nonzero codes."""
    exps = []
    for c in range(1, fmt.sign_bit):
        if not fmt.is_special(c):
            _, sig, exp = fmt.finite_parts(c)
            exps.append(exp + sig.bit_length() - SIG_BITS)
    return min(exps), max(exps)


def unpack_tapered(fmt: TaperedFormat, code: z3.BitVecRef, we: int) -> Unpacked:
    if code.size() != 8:
        raise ValueError(f"{fmt.name} codes are 8 bits, got a {code.size()}-bit term")
    sign = bit(code, 7)
    mag = z3.Extract(6, 0, code)
    fld = lambda hi, lo: z3.Extract(hi, lo, mag)  # noqa: E731
    top2, top3, top4 = fld(6, 5), fld(6, 4), fld(6, 3)
    es5 = bit(mag, 4)  # exponent sign for dots 11, 10, 01
    # (exponent magnitude, exponent sign, 3-bit left-aligned mantissa) per layout
    e11, m11 = zext(fld(3, 1), we) + const(8, we), z3.Concat(fld(0, 0), const(0, 2))
    e10, m10 = zext(fld(3, 2), we) + const(4, we), z3.Concat(fld(1, 0), const(0, 1))
    e01 = zext(fld(3, 3), we) + const(2, we)  # mantissa: m_low below
    e001, es001 = const(1, we), bit(mag, 3)
    m_low = fld(2, 0)
    denormal = top4 == 0
    emag = ite(top2 == 3, e11, ite(top2 == 2, e10, ite(top2 == 1, e01, ite(top3 == 1, e001, const(0, we)))))
    eneg = ite(top2 != 0, es5, ite(top3 == 1, es001, FALSE))
    man = ite(top2 == 3, m11, ite(top2 == 2, m10, m_low))
    e_norm = ite(eneg, -emag, emag)
    e_den = zext(m_low, we) - const(HIF8_DENORMAL_BIAS, we)
    exp = ite(denormal, e_den, e_norm) - const(SIG_BITS - 1, we)
    sig = ite(denormal, const(1 << (SIG_BITS - 1), SIG_BITS), z3.Concat(const(1, 1), man))
    is_nan = code == const(fmt.nan_code(), 8)
    is_inf = mag == const(fmt.inf_code(0), 7)
    is_zero = code == const(fmt.zero_code(0), 8)
    sig = ite(is_zero, const(0, SIG_BITS), sig)
    is_sub = all_of(denormal, z3.Not(is_zero), z3.Not(is_nan))
    return Unpacked(fmt, code, TRUE, sign, is_nan, is_inf, is_zero, is_sub, FALSE, mag, None, sig, exp)


def _precision(fmt: TaperedFormat, eb: z3.BitVecRef, width: int) -> z3.BitVecRef:
    """p(eb) for eb within the binade range: an ite over the runs of equal precision."""
    lo, hi = fmt.emin_binade, fmt.emax_binade
    runs: list[tuple[int, int, int]] = []  # (first, last, precision)
    for e in range(lo, hi + 1):
        p = fmt.binade_precision(e)
        if runs and runs[-1][2] == p:
            runs[-1] = (runs[-1][0], e, p)
        else:
            runs.append((e, e, p))
    r = const(runs[-1][2], width)
    for first, last, p in reversed(runs[:-1]):
        r = ite(eb <= const(last, eb.size()), const(p, width), r)
    return r


def _encode(fmt: TaperedFormat, E: z3.BitVecRef, man3: z3.BitVecRef) -> z3.BitVecRef:
    """The 7-bit magnitude of 1.man3 * 2^E (E in the binade range, not the Inf place)."""
    we = E.size()
    neg = E < 0
    a = ite(neg, -E, E)
    es = ite(neg, const(1, 1), const(0, 1))
    low = lambda k: z3.Extract(k - 1, 0, a)  # noqa: E731
    den = z3.Concat(const(0, 4), z3.Extract(2, 0, E + const(HIF8_DENORMAL_BIAS, we)))
    d0 = z3.Concat(const(0b0001, 4), man3)
    d1 = z3.Concat(const(0b001, 3), es, man3)
    d2 = z3.Concat(const(0b01, 2), es, z3.Extract(0, 0, a), man3)
    d3 = z3.Concat(const(0b10, 2), es, low(2), z3.Extract(2, 1, man3))
    d4 = z3.Concat(const(0b11, 2), es, low(3), z3.Extract(2, 2, man3))
    lowest_normal = -(1 << 3) - 7  # |E| <= 15 for dot 11; below it the denormals
    return ite(E < const(lowest_normal, we), den,
               ite(a == 0, d0, ite(a == 1, d1, ite(z3.ULE(a, const(3, we)), d2,
                                                     ite(z3.ULE(a, const(7, we)), d3, d4)))))


def round_pack_tapered(fmt: TaperedFormat, sign: z3.BoolRef, sig: z3.BitVecRef, exp: z3.BitVecRef,
                       env: Env, rand: z3.BitVecRef | None = None, terms: dict | None = None,
                       prefix: str = "round") -> Packed:
    """Round the exact ``(-1)^sign * sig * 2^exp`` (sig may be 0) into the tapered ``fmt``."""
    terms = terms if terms is not None else {}
    rnd = env.rounding
    mode = rnd.mode
    if mode.stochastic:
        rand = const(env.random_bits, rnd.nbits) if rand is None else rand
        if rand.size() != rnd.nbits:
            raise ValueError(f"{rnd}: random bits must be {rnd.nbits} bits wide, got {rand.size()}")
    pmax = fmt.precision
    w = sig.size()
    fw = frame_bits(env)
    need = max((w + pmax + fw + 4).bit_length(), 8) + 2
    exp = sext(exp, max(need, exp.size()))
    we = exp.size()
    lz = lzc(sig, we)
    e = exp + const(w - 1, we) - lz
    lo_b, hi_b = const(fmt.emin_binade, we), const(fmt.emax_binade, we)
    e_lo = ite(e < lo_b, lo_b, e)
    eb = ite(e_lo > hi_b, hi_b, e_lo)
    p = _precision(fmt, eb, we)
    q = e_lo - p + const(1, we)
    # align: one right shift by d + L of sig * 2^(fw + L), L = P_max + 1 >= -d
    lpad = pmax + 1
    width = w + fw + lpad
    x = z3.Concat(sig, const(0, fw + lpad))
    amt = q - exp + const(lpad, we)
    amt = ite(amt > const(width, we), const(width, we), amt)
    y, sticky = shr_sticky(x, zext(amt, max(we, width.bit_length() + 1)))
    s0 = z3.Extract(fw + pmax, fw, y)  # P_max + 1 bits (s0 < 2^p)
    frac = z3.Extract(fw - 1, 0, y)
    inexact = any_of(frac != 0, sticky)
    one_value_binade = p == const(1, we)
    den_lsb = bit(q + const(HIF8_DENORMAL_BIAS, we), 0)
    even = any_of(s0 == 0, ite(one_value_binade, z3.Not(den_lsb), z3.Not(bit(s0, 0))))
    away = all_of(inexact, away_bit(mode, rnd.nbits, sign, even, frac, fw, sticky, rand))
    s = s0 + ite(away, const(1, pmax + 1), const(0, pmax + 1))
    s_w = zext(s, we)
    pw = p
    carry = s_w == (const(1, we) << pw)
    E = ite(carry, e_lo + const(1, we), e_lo)  # beyond the top binade: e itself (overflow)
    frac_bits = z3.Extract(pmax - 2, 0, s)  # s - 2^(p-1) left-aligned below
    man3 = ite(carry, const(0, pmax - 1),
               z3.Extract(pmax - 2, 0, (zext(frac_bits, we) << (const(pmax, we) - pw))
                          if pmax - 1 <= we else frac_bits))
    # tininess (IEEE rules at the smallest normal binade's precision)
    emin = const(fmt.emin, we)
    if env.tininess is Tininess.BEFORE:
        tiny = e < emin
    else:
        if fmt.binade_precision(fmt.emin) != fmt.binade_precision(fmt.emin - 1) + 1:
            raise ValueError(f"{fmt.name}: the after-rounding tininess test assumes one more bit at 2^emin")
        pn = fmt.binade_precision(fmt.emin)
        gbit = z3.Extract(fw - 1, fw - 1, frac)
        s0u = z3.Concat(z3.Extract(pn - 2, 0, s0), gbit)
        fracu = z3.Concat(z3.Extract(fw - 2, 0, frac), const(0, 1))
        inexact_u = any_of(fracu != 0, sticky)
        awayu = all_of(inexact_u, away_bit(mode, rnd.nbits, sign, z3.Not(bit(s0u, 0)), fracu, fw, sticky, rand))
        carry_u = all_of(s0u == const((1 << pn) - 1, pn), awayu)
        tiny = all_of(e < emin, z3.Not(all_of(e == emin - 1, carry_u)))
    underflow = all_of(tiny, inexact)
    flags = F.when(inexact, Flags.INEXACT) | F.when(underflow, Flags.UNDERFLOW)

    def name(field: str) -> str:
        return stages.round_stage(field, prefix)

    terms.update({name("lz"): lz, name("e"): e, name("q"): q, name("s0"): s0, name("frac"): frac,
                  name("guard"): bit(frac, fw - 1), name("sticky"): sticky, name("inexact"): inexact,
                  name("away"): away, name("sig"): s, name("exp"): E, name("tiny"): tiny,
                  name("precision"): p})
    s_zero = s == 0
    zero = const_packed(fmt, fmt.zero_code(0), flags=0)
    zero_res = Packed(zero.code, zero.flags | flags, zero.defined)
    max_e = fmt.finite_parts(fmt.max_code)
    max_E = max_e[2] + max_e[1].bit_length() - 1  # 15; its mantissa is 0
    ovf = any_of(E > const(max_E, we), all_of(E == const(max_E, we), man3 != 0))
    ovf_res = overflow_packed(fmt, sign, env, flags | F.flag(Flags.OVERFLOW | Flags.INEXACT))
    mag = _encode(fmt, E, man3)
    code = z3.Concat(ite(sign, const(1, 1), const(0, 1)), mag)
    normal = Packed(code, flags)
    res = choose(s_zero, zero_res, choose(ovf, ovf_res, normal))
    res = choose(sig == 0, const_packed(fmt, fmt.zero_code(0)), res)
    terms[name("overflow")] = all_of(z3.Not(s_zero), ovf)
    return res



# ---- dispatch for the ops ----------------------------------------------------------------------


def unpack_any(fmt, code: z3.BitVecRef, we: int | None = None) -> Unpacked:
    """`unpack` for float formats, `unpack_tapered` for tapered ones."""
    if is_tapered(fmt):
        return unpack_tapered(fmt, code, we or exp_width_any(fmt))
    return unpack(fmt, code, we)


def round_any(fmt, sign, sig, exp, env: Env, rand=None, terms: dict | None = None, prefix: str = "round") -> Packed:
    """`round_pack` for float formats, `round_pack_tapered` for tapered ones."""
    if is_tapered(fmt):
        return round_pack_tapered(fmt, sign, sig, exp, env, rand, terms, prefix)
    return round_pack(fmt, sign, sig, exp, env, rand, terms, prefix)


def exp_width_any(*fmts) -> int:
    """`exp_width` over float formats, with room for a tapered format's exponents."""
    floats: list[FloatFormat] = [f for f in fmts if not is_tapered(f)]
    bound = 32
    for f in fmts:
        if is_tapered(f):
            lo, hi = lsb_exponents(f)
            bound = max(bound, 2 * (abs(lo) + abs(hi)) + 4 * f.precision + 16)
    we = bound.bit_length() + 1
    return max(we, exp_width(*floats)) if floats else we


__all__ = ["unpack_tapered", "round_pack_tapered", "unpack_any", "round_any", "exp_width_any",
           "is_tapered", "lsb_exponents", "SIG_BITS"]
