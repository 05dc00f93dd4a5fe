"""Multiplication: exact product, rounded once."""

from __future__ import annotations

from ..formats import Format
from ..rounding import Env, Rounded
from .operand import inf_result, nan_result, round_result, unpack, zero_result


def mul(fmt: Format, a: int, b: int, env: Env = Env(), out: Format | None = None) -> Rounded:
    """a * b in ``fmt`` (result in ``out``, default ``fmt``)."""
    out = out or fmt
    x, y = unpack(fmt, a), unpack(fmt, b)
    sign = x.sign ^ y.sign
    if x.is_nan or y.is_nan:
        return nan_result(out, env, x, y)
    if x.is_inf or y.is_inf:
        if x.is_zero or y.is_zero:
            return nan_result(out, env, x, y, invalid=True)  # 0 * inf
        return inf_result(out, sign, env)
    if x.is_zero or y.is_zero:
        return zero_result(out, sign, env)
    return round_result(x.value * y.value, out, env)
