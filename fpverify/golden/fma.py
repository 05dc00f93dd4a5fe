"""Fused multiply-add a*b + c: exact, rounded once (TestFloat's mulAdd)."""

from __future__ import annotations

from ..formats import Format
from ..rounding import Env, Mode, Rounded
from .operand import inf_result, nan_result, round_result, unpack, zero_result


def fma(fmt: Format, a: int, b: int, c: int, env: Env = Env(), out: Format | None = None,
        addend: Format | None = None) -> Rounded:
    """``addend``: c's format when it differs from a's and b's (mixed FMA, e.g. bf16 x bf16 + f32);
    the result format ``out`` defaults to c's."""
    out = out or addend or fmt
    x, y, z = unpack(fmt, a), unpack(fmt, b), unpack(addend or fmt, c)
    psign = x.sign ^ y.sign
    # 0 * inf is invalid even when c is a quiet NaN (SoftFloat's choice; 754-2019 §7.2 leaves it open)
    if (x.is_inf and y.is_zero) or (x.is_zero and y.is_inf):
        if not (x.is_nan or y.is_nan):
            return nan_result(out, env, x, y, z, invalid=True)
    if x.is_nan or y.is_nan or z.is_nan:
        return nan_result(out, env, x, y, z)
    if x.is_inf or y.is_inf:
        if z.is_inf and z.sign != psign:
            return nan_result(out, env, x, y, z, invalid=True)
        return inf_result(out, psign, env)
    if z.is_inf:
        return inf_result(out, z.sign, env)
    product = x.value * y.value
    total = product + z.value
    if total.is_zero:
        if product.is_zero and z.is_zero and psign == z.sign:
            sign = psign
        else:
            sign = int(env.rounding.mode is Mode.RDN)
        return zero_result(out, sign, env)
    return round_result(total, out, env)
