"""CONVERT: a code of one float format to another, one rounding."""

from __future__ import annotations

from ...formats import FloatFormat
from ...rounding import Env
from .bv import all_of
from .pack import choose
from .result import RefResult, inf_result, nan_result, zero_result
from .tapered import exp_width_any, round_any, unpack_any


def convert(src: FloatFormat, code, dst: FloatFormat, env: Env = Env(), rand=None) -> RefResult:
    we = exp_width_any(src, dst)
    x = unpack_any(src, code, we)
    terms = {"a": x}
    rounded = round_any(dst, x.sign, x.sig, x.exp, env, rand, terms)
    res = choose(x.is_nan, nan_result(dst, env, x),
                 choose(x.is_inf, inf_result(dst, x.sign, env),
                        choose(x.is_zero, zero_result(dst, x.sign), rounded)))
    r = RefResult.of(res, terms)
    r.defined = all_of(r.defined, x.valid)
    return r
