"""FMA a*b + c: exact product, exact-width alignment with the addend, rounded once.

Exact alignment only (the frame spans every product/addend exponent difference), so this is meant
for formats up to 16 bits; wider formats need the bounded alignment of ``add`` (not done)."""

from __future__ import annotations

import z3

from ...formats import FloatFormat, Specials
from ...rounding import Env, Mode
from ...semantics import stages
from .bv import all_of, any_of, ite, zext
from .pack import choose
from .result import RefResult, inf_result, nan_result, zero_result
from .round import round_pack
from .unpack import exp_width, unpack


def _lsb_exp_range(fmt: FloatFormat) -> tuple[int, int]:
    top = fmt.exp_mask - (1 if fmt.specials is Specials.IEEE else 0)
    lo = (1 if fmt.subnormals else 0) - fmt.bias - fmt.man_bits
    return lo, top - fmt.bias - fmt.man_bits


def fma(fmt: FloatFormat, a, b, c, env: Env = Env(), out: FloatFormat | None = None, rand=None) -> RefResult:
    out = out or fmt
    we = exp_width(fmt, out) + 1
    x, y, z = unpack(fmt, a, we), unpack(fmt, b, we), unpack(fmt, c, we)
    p = fmt.precision
    lo, hi = _lsb_exp_range(fmt)
    span = max(2 * hi - lo, hi - 2 * lo, 0)
    width = 2 * p + span + 3
    if width > 400:
        raise NotImplementedError(f"fma reference: exact alignment for {fmt.name} needs {width} bits")
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
                                             choose(mag == 0, zero_result(out, zsign), rounded))))))
    r = RefResult.of(res, terms)
    r.defined = all_of(r.defined, x.valid, y.valid, z.valid)
    return r
