"""ADD / SUB: align, add or subtract the significands, round once.

Alignment (documented in docs/proofs-internals.md): the operand with the larger LSB exponent
(``big``; it is normal whenever the exponents differ, hence the larger magnitude) keeps K extra
low bits; the other is shifted right by the exponent difference d inside that frame.

* **exact** alignment when the largest possible d is at most the bounded K (tiny exponent
  ranges) or when forced: K = the largest d, nothing is shifted out and the sum is exact.
* **bounded** alignment otherwise (default from FP6 E3M2 up to f32): K = G + 2 where G is the
  number of bits the round kernel's decision reads below the quantum (1, N for SR-A, N+1 for
  SR-B/SR-C; `round.decision_bits`). Bits shifted out are jammed into the frame LSB
  (round-to-odd). Far path (d ≥ 2) cancels at most one bit, so the result's quantum is at least
  2^(e_big-1) and the jammed bit lies below every bit the decision reads; its value (odd) keeps
  "inexact below" visible; the rounded result equals the rounding of the exact sum
  (Boldo-Melquiond round-to-odd argument). Near path (d ≤ 1) shifts out nothing. The kernel's
  after-rounding tininess test (one more bit, at quantum q-1) only matters when the result's
  exponent is emin-1; then the big operand's exponent is at most emin (otherwise the far path
  keeps |sum| > 2^(e_big-1) ≥ 2^emin), its LSB exponent is the smallest one, d ≤ 0 and nothing
  is shifted out.
"""

from __future__ import annotations

import z3

from ...formats import FloatFormat
from ...rounding import Env, Mode
from ...semantics import stages
from .bv import all_of, any_of, const, ite, shr_sticky, zext
from .pack import choose
from .result import RefResult, inf_result, nan_result, zero_result
from .round import decision_bits
from .tapered import exp_width_any, is_tapered, lsb_exponents, round_any, unpack_any
from .unpack import Unpacked


def max_exp_difference(fmt: FloatFormat) -> int:
    """The largest difference of LSB exponents between two finite codes."""
    if is_tapered(fmt):
        lo, hi = lsb_exponents(fmt)
        return hi - lo
    top_field = fmt.exp_mask if fmt.specials.value not in ("ieee",) else fmt.exp_mask - 1
    low_field = 1 if fmt.subnormals else 0
    return max(top_field - low_field, 0)


def alignment_bits(fmt: FloatFormat, env: Env, alignment: str | None = None) -> tuple[int, bool]:
    """(K, exact): the frame's extra low bits and whether the alignment is exact.

    ``alignment``: None (bounded unless the exact frame is no wider: FP4/FP6-sized exponent
    ranges), "exact" or "bounded" (forced; the tests validate both paths exhaustively)."""
    dmax = max_exp_difference(fmt)
    k = decision_bits(env) + 2
    if alignment not in (None, "exact", "bounded"):
        raise ValueError(f"alignment must be 'exact' or 'bounded', not {alignment!r}")
    if alignment == "exact" or (alignment is None and dmax <= k):
        return dmax, True
    return k, False


def add(fmt: FloatFormat, a, b, env: Env = Env(), out: FloatFormat | None = None, rand=None,
        subtract: z3.BoolRef | bool = False, alignment: str | None = None) -> RefResult:
    """a + b (``subtract``: a - b, may be symbolic) in ``out`` (default ``fmt``)."""
    out = out or fmt
    we = exp_width_any(fmt, out)
    x, y = unpack_any(fmt, a, we), unpack_any(fmt, b, we)
    sub = z3.BoolVal(subtract) if isinstance(subtract, bool) else subtract
    ysign = z3.Xor(y.sign, sub)
    return add_operands(fmt, out, x, y, ysign, env, rand, alignment)


def add_operands(fmt: FloatFormat, out: FloatFormat, x: Unpacked, y: Unpacked, ysign, env: Env,
                 rand=None, alignment: str | None = None) -> RefResult:
    we = x.exp.size()
    p = fmt.precision
    k, exact = alignment_bits(fmt, env, alignment)
    width = p + k + 1  # room for the carry (the difference big - small is never negative)
    # order by magnitude (LSB exponent, then significand): big - small is never negative
    x_big = any_of(x.exp > y.exp, all_of(x.exp == y.exp, z3.UGE(x.sig, y.sig)))
    big_sig, big_exp, big_sign = ite(x_big, x.sig, y.sig), ite(x_big, x.exp, y.exp), ite(x_big, x.sign, ysign)
    sml_sig, sml_exp, sml_sign = ite(x_big, y.sig, x.sig), ite(x_big, y.exp, x.exp), ite(x_big, ysign, x.sign)
    d = big_exp - sml_exp
    big_f = zext(big_sig, width) << k
    sml_f0 = zext(sml_sig, width) << k
    if exact:
        sml_f = z3.LShR(sml_f0, zext(d, width) if width > we else z3.Extract(width - 1, 0, d))
        sticky = z3.BoolVal(False)
    else:
        amt = ite(z3.UGT(d, const(width, we)), const(width, we), d)
        sml_f, sticky = shr_sticky(sml_f0, amt)
        sml_f = sml_f | ite(sticky, const(1, width), const(0, width))  # jam (round to odd)
    effective_sub = z3.Xor(big_sign, sml_sign)
    mag = ite(effective_sub, big_f - sml_f, big_f + sml_f)
    sign = big_sign
    sum_exp = big_exp - const(k, we)
    terms = {"a": x, "b": y, stages.ALIGN_SHIFT: d, stages.ALIGN_STICKY: sticky, stages.SUM: mag, stages.SUM_EXP: sum_exp,
             "sum_sign": sign, "effective_sub": effective_sub}
    rounded = round_any(out, sign, mag, sum_exp, env, rand, terms)
    # exact zero: like-signed zeros keep their sign; otherwise +0 (-0 when rounding down)
    both_zero_same = all_of(x.is_zero, y.is_zero, x.sign == ysign)
    zsign = ite(both_zero_same, x.sign, z3.BoolVal(env.rounding.mode is Mode.RDN))
    exact_zero = zero_result(out, zsign)
    inf_inf = all_of(x.is_inf, y.is_inf, x.sign != ysign)
    inf_sign = ite(x.is_inf, x.sign, ysign)
    res = choose(any_of(x.is_nan, y.is_nan), nan_result(out, env, x, y),
                 choose(inf_inf, nan_result(out, env, x, y, invalid=inf_inf),
                        choose(any_of(x.is_inf, y.is_inf), inf_result(out, inf_sign, env),
                               choose(mag == 0, exact_zero, rounded))))
    r = RefResult.of(res, terms)
    r.defined = all_of(r.defined, x.valid, y.valid)
    return r


def sub(fmt: FloatFormat, a, b, env: Env = Env(), out: FloatFormat | None = None, rand=None,
        alignment: str | None = None) -> RefResult:
    return add(fmt, a, b, env, out, rand, subtract=True, alignment=alignment)
