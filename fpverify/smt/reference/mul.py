"""MUL: exact significand product (one shared ``bvmul`` term, named ``product``), rounded once."""

from __future__ import annotations

import z3

from ...formats import FloatFormat
from ...rounding import Env
from .bv import all_of, any_of, zext
from .pack import choose
from .result import RefResult, inf_result, nan_result, zero_result
from .round import round_pack
from .unpack import exp_width, unpack


def mul(fmt: FloatFormat, a, b, env: Env = Env(), out: FloatFormat | None = None, rand=None) -> RefResult:
    out = out or fmt
    we = exp_width(fmt, out)
    x, y = unpack(fmt, a, we), unpack(fmt, b, we)
    sign = z3.Xor(x.sign, y.sign)
    p = fmt.precision
    product = zext(x.sig, 2 * p) * zext(y.sig, 2 * p)
    pexp = x.exp + y.exp
    terms = {"a": x, "b": y, "sign": sign, "product": product, "product_exp": pexp}
    rounded = round_pack(out, sign, product, pexp, env, rand, terms)
    invalid = any_of(all_of(x.is_inf, y.is_zero), all_of(x.is_zero, y.is_inf))
    res = choose(any_of(x.is_nan, y.is_nan), nan_result(out, env, x, y),
                 choose(invalid, nan_result(out, env, x, y, invalid=invalid),
                        choose(any_of(x.is_inf, y.is_inf), inf_result(out, sign, env),
                               choose(any_of(x.is_zero, y.is_zero), zero_result(out, sign), rounded))))
    r = RefResult.of(res, terms)
    r.defined = all_of(r.defined, x.valid, y.valid)
    return r
