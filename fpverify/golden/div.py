"""Division: exact rational quotient, rounded once."""

from __future__ import annotations

from ..formats import Format
from ..rounding import Env, Flags, Rounded
from .operand import inf_result, nan_result, round_result, unpack, zero_result
from .real import Ratio


def div(fmt: Format, a: int, b: int, env: Env = Env(), out: Format | None = None) -> Rounded:
    out = out or fmt
    x, y = unpack(fmt, a), unpack(fmt, b)
    sign = x.sign ^ y.sign
    if x.is_nan or y.is_nan:
        return nan_result(out, env, x, y)
    if x.is_inf:
        if y.is_inf:
            return nan_result(out, env, x, y, invalid=True)  # inf / inf
        return inf_result(out, sign, env)
    if y.is_inf:
        return zero_result(out, sign, env)
    if y.is_zero:
        if x.is_zero:
            return nan_result(out, env, x, y, invalid=True)  # 0 / 0
        return inf_result(out, sign, env, Flags.INFINITE)
    if x.is_zero:
        return zero_result(out, sign, env)
    q = x.value.to_fraction() / y.value.to_fraction()
    return round_result(Ratio(q), out, env)
