"""FMA a*b + c: exact product, alignment with the addend, rounded once.

Two alignments (``alignment``; default: exact where its frame is at most 400 bits, i.e. formats up to
16 bits, bounded beyond):

* **exact**: the frame spans every product/addend exponent difference (raw significands);
* **bounded** (`fma_operands`): every operand normalised (SymFPU), the exact product of the
  normalised significands (one ``bvmul`` term, ``product``, shareable with a proof's cut), and a
  frame of ``F = max(2P, P_c, P_out + G + 2) + 2`` bits whose top is the larger of the two top
  exponents; each operand is shifted right from the frame top by its own distance, the bits shifted
  out are jammed into the frame LSB (round to odd). Only the lower operand loses bits, and only
  when it is at least 3 binades below, so at most two leading bits cancel and the P_out + G bits
  the round kernel reads (G = `round.frame_bits`) lie above the jammed bit (docs/proofs-internals.md).

``addend`` (default ``fmt``) is c's format: ``a, b : bf16``, ``c : f32``."""

from __future__ import annotations

import z3

from ...formats import FloatFormat, Specials
from ...rounding import Env, Mode
from ...semantics import stages
from .bv import all_of, any_of, const, ite, resize, sext, shr_sticky, zext
from .pack import choose
from .result import RefResult, inf_result, nan_result, zero_result
from .round import frame_bits, round_pack
from .unpack import Unpacked, exp_width, normalise, unpack


def _lsb_exp_range(fmt: FloatFormat) -> tuple[int, int]:
    top = fmt.exp_mask - (1 if fmt.specials is Specials.IEEE else 0)
    lo = (1 if fmt.subnormals else 0) - fmt.bias - fmt.man_bits
    return lo, top - fmt.bias - fmt.man_bits


EXACT_LIMIT = 400  # widest exact frame (bits) the default alignment accepts


def exact_frame_bits(fmt: FloatFormat) -> int:
    lo, hi = _lsb_exp_range(fmt)
    return 2 * fmt.precision + max(2 * hi - lo, hi - 2 * lo, 0) + 3


def fma(fmt: FloatFormat, a, b, c, env: Env = Env(), out: FloatFormat | None = None, rand=None,
        addend: FloatFormat | None = None, alignment: str | None = None) -> RefResult:
    """``alignment``: None (exact up to `EXACT_LIMIT` bits, else bounded), "exact" or "bounded"."""
    out = out or (addend or fmt)
    cfmt = addend or fmt
    if alignment not in (None, "exact", "bounded"):
        raise ValueError(f"alignment must be 'exact' or 'bounded', not {alignment!r}")
    width = exact_frame_bits(fmt)
    if alignment == "bounded" or cfmt != fmt or (alignment is None and width > EXACT_LIMIT):
        we = exp_width(fmt, cfmt, out) + 1
        return fma_operands(fmt, cfmt, out, unpack(fmt, a, we), unpack(fmt, b, we), unpack(cfmt, c, we), env, rand)
    we = exp_width(fmt, out) + 1
    x, y, z = unpack(fmt, a, we), unpack(fmt, b, we), unpack(fmt, c, we)
    p = fmt.precision
    psign = z3.Xor(x.sign, y.sign)
    product = zext(x.sig, 2 * p) * zext(y.sig, 2 * p)
    pexp = x.exp + y.exp
    low = ite(pexp < z.exp, pexp, z.exp)
    wa = max(width, we)

    def shl(v, amount):
        amt = zext(amount, wa) if wa > we else amount
        return z3.Extract(width - 1, 0, zext(v, wa) << amt) if wa > width else zext(v, width) << amt

    p_al = shl(product, pexp - low)
    c_al = shl(z.sig, z.exp - low)
    eff_sub = z3.Xor(psign, z.sign)
    total = ite(eff_sub, p_al - c_al, p_al + c_al)
    negative = all_of(eff_sub, total < 0)
    mag = ite(negative, -total, total)
    sign = z3.Xor(psign, negative)
    terms = {"a": x, "b": y, "c": z, stages.PRODUCT: product, stages.PRODUCT_EXP: pexp, stages.SUM: mag,
             stages.SUM_EXP: low}
    rounded = round_pack(out, sign, mag, low, env, rand, terms)
    return _with_specials(out, env, x, y, z, psign, mag == 0, rounded, terms)


def bounded_frame_bits(p: int, p_c: int, p_out: int, env: Env) -> int:
    """F: bits of the bounded alignment frame (see the module docstring)."""
    return max(2 * p, p_c, p_out + frame_bits(env) + 1) + 2


def fma_operands(fmt: FloatFormat, cfmt: FloatFormat, out: FloatFormat, x: Unpacked, y: Unpacked, z: Unpacked,
                 env: Env, rand=None, product: z3.BitVecRef | None = None) -> RefResult:
    """x*y + z with bounded alignment. ``product``: a term for the exact product of the normalised
    significands of x and y (a proof's shared cut variable); by default their ``bvmul``."""
    p, pc = fmt.precision, cfmt.precision
    we = x.exp.size() + 2
    nx, ny, nz = normalise(x), normalise(y), normalise(z)
    if product is None:
        product = zext(nx.nsig, 2 * p) * zext(ny.nsig, 2 * p)
    f = bounded_frame_bits(p, pc, out.precision, env)
    psign = z3.Xor(x.sign, y.sign)
    w = lambda t: sext(t, we)
    ep = w(nx.log2) + w(ny.log2) + const(1, we)  # exponent of product bit 2P-1
    ec = w(nz.log2)  # exponent of the addend's top bit
    prod_nz, c_nz = all_of(x.is_finite, y.is_finite), z.is_finite
    top = ite(z3.Not(prod_nz), ec, ite(z3.Not(c_nz), ep, ite(ep > ec, ep, ec)))
    sw = max(we, (f + 1).bit_length() + 1)

    def place(sig: z3.BitVecRef, e: z3.BitVecRef, nonzero: z3.BoolRef):
        """sig MSB-aligned at the frame top, shifted right by top - e, lost bits jammed into bit 0."""
        framed = z3.Concat(sig, const(0, f - sig.size()))
        dist = top - e
        amt = ite(dist > const(f, we), const(f, we), dist)
        shifted, lost = shr_sticky(framed, resize(amt, sw))
        jammed = shifted | ite(lost, const(1, f), const(0, f))
        return ite(nonzero, zext(jammed, f + 2), const(0, f + 2))

    p_al = place(product, ep, prod_nz)
    c_al = place(nz.nsig, ec, c_nz)
    total = ite(psign, -p_al, p_al) + ite(z.sign, -c_al, c_al)
    negative = total < 0
    mag = ite(negative, -total, total)
    low = top - const(f - 1, we)
    terms = {"a": x, "b": y, "c": z, "a_nsig": nx.nsig, "b_nsig": ny.nsig, "c_nsig": nz.nsig,
             stages.PRODUCT: product, stages.PRODUCT_EXP: w(nx.log2) + w(ny.log2),
             stages.ALIGN_SHIFT: ec - ep, stages.SUM: mag, stages.SUM_EXP: low, SUM_NEGATIVE: negative}
    return fma_from_sum(out, env, x, y, z, negative, mag, low, rand, terms)


SUM_NEGATIVE = "sum_negative"  # `fma_operands` term: the exact sum is negative


def fma_from_sum(out: FloatFormat, env: Env, x: Unpacked, y: Unpacked, z: Unpacked, negative: z3.BoolRef,
                 mag: z3.BitVecRef, low: z3.BitVecRef, rand=None, terms: dict | None = None) -> RefResult:
    """The back end of `fma_operands`: round ``(-1)^negative * mag * 2^low`` once (``mag`` 0: the
    exact zero) and put the NaN/Inf/zero results of x*y + z around it (a proof's sum cut-point
    calls it on free terms)."""
    terms = terms if terms is not None else {"a": x, "b": y, "c": z}
    rounded = round_pack(out, negative, mag, low, env, rand, terms)
    return _with_specials(out, env, x, y, z, z3.Xor(x.sign, y.sign), mag == 0, rounded, terms)


def _with_specials(out: FloatFormat, env: Env, x, y, z, psign, sum_zero, rounded, terms) -> RefResult:
    """NaN, Inf and exact-zero results around the rounded finite one (golden `fma`'s order)."""
    prod_zero = any_of(x.is_zero, y.is_zero)
    zsign = ite(all_of(prod_zero, z.is_zero, psign == z.sign), psign, z3.BoolVal(env.rounding.mode is Mode.RDN))
    invalid_mul = any_of(all_of(x.is_inf, y.is_zero), all_of(x.is_zero, y.is_inf))
    prod_inf = any_of(x.is_inf, y.is_inf)
    inf_minus_inf = all_of(prod_inf, z.is_inf, z.sign != psign)
    res = choose(all_of(invalid_mul, z3.Not(any_of(x.is_nan, y.is_nan))),
                 nan_result(out, env, x, y, z, invalid=z3.BoolVal(True)),
                 choose(any_of(x.is_nan, y.is_nan, z.is_nan), nan_result(out, env, x, y, z),
                        choose(inf_minus_inf, nan_result(out, env, x, y, z, invalid=z3.BoolVal(True)),
                               choose(prod_inf, inf_result(out, psign, env),
                                      choose(z.is_inf, inf_result(out, z.sign, env),
                                             choose(sum_zero, zero_result(out, zsign), rounded))))))
    r = RefResult.of(res, terms)
    r.defined = all_of(r.defined, x.valid, y.valid, z.valid)
    return r
