"""Square root: the exact root of a rational, rounded once (no precision to choose)."""

from __future__ import annotations

from ..formats import Format
from ..rounding import Env, Rounded
from .operand import inf_result, nan_result, round_result, unpack, zero_result
from .real import SqrtOf


def sqrt(fmt: Format, a: int, env: Env = Env(), out: Format | None = None) -> Rounded:
    out = out or fmt
    x = unpack(fmt, a)
    if x.is_nan:
        return nan_result(out, env, x)
    if x.is_zero:
        return zero_result(out, x.sign, env)  # sqrt(-0) = -0
    if x.sign:
        return nan_result(out, env, x, invalid=True)
    if x.is_inf:
        return inf_result(out, 0, env)
    return round_result(SqrtOf(x.value.to_fraction()), out, env)
