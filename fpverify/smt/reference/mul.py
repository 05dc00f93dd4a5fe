"""MUL: normalise both operands (SymFPU, z3 ``fp.mul``), multiply the normalised significands
exactly (one ``bvmul`` term, named ``product``), round once.

Normalising before the product puts every nonzero finite product in [2^(2P-2), 2^(2P)), and gives
a multiplier proof one place to share the product term with the hardware (`prove.decompose.isolate`).
"""

from __future__ import annotations

import z3

from ...formats import FloatFormat
from ...rounding import Env
from ...semantics import stages
from .bv import all_of, any_of, zext
from .pack import choose
from .result import RefResult, inf_result, nan_result, zero_result
from .tapered import exp_width_any, round_any, unpack_any
from .unpack import Unpacked, normalise


def mul(fmt: FloatFormat, a, b, env: Env = Env(), out: FloatFormat | None = None, rand=None) -> RefResult:
    out = out or fmt
    we = exp_width_any(fmt, out)
    return mul_operands(fmt, out, unpack_any(fmt, a, we), unpack_any(fmt, b, we), env, rand)


def mul_operands(fmt: FloatFormat, out: FloatFormat, x: Unpacked, y: Unpacked, env: Env, rand=None,
                 product: z3.BitVecRef | None = None) -> RefResult:
    """x * y. ``product``: a term to use for the exact product of the normalised significands
    (a proof's shared cut variable); by default their ``bvmul``."""
    sign = z3.Xor(x.sign, y.sign)
    p = fmt.precision
    nx, ny = normalise(x), normalise(y)
    if product is None:
        product = zext(nx.nsig, 2 * p) * zext(ny.nsig, 2 * p)
    pexp = nx.nexp + ny.nexp
    terms = {"a": x, "b": y, "a_nsig": nx.nsig, "b_nsig": ny.nsig, "sign": sign, stages.PRODUCT: product,
             stages.PRODUCT_EXP: pexp}
    rounded = round_any(out, sign, product, pexp, env, rand, terms)
    invalid = any_of(all_of(x.is_inf, y.is_zero), all_of(x.is_zero, y.is_inf))
    res = choose(any_of(x.is_nan, y.is_nan), nan_result(out, env, x, y),
                 choose(invalid, nan_result(out, env, x, y, invalid=invalid),
                        choose(any_of(x.is_inf, y.is_inf), inf_result(out, sign, env),
                               choose(any_of(x.is_zero, y.is_zero), zero_result(out, sign), rounded))))
    r = RefResult.of(res, terms)
    r.defined = all_of(r.defined, x.valid, y.valid)
    return r
