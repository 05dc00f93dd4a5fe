"""Addition and subtraction: exact sum, rounded once."""

from __future__ import annotations

from ..formats import Format
from ..rounding import Env, Mode, Rounded
from .operand import Operand, inf_result, nan_result, round_result, unpack, zero_result


def add_operands(x: Operand, y: Operand, out: Format, env: Env) -> Rounded:
    if x.is_nan or y.is_nan:
        return nan_result(out, env, x, y)
    if x.is_inf or y.is_inf:
        if x.is_inf and y.is_inf and x.sign != y.sign:
            return nan_result(out, env, x, y, invalid=True)  # inf - inf
        return inf_result(out, x.sign if x.is_inf else y.sign, env)
    total = x.value + y.value
    if total.is_zero:
        # exact zero: the sign of two like-signed zeros; otherwise +0 (-0 when rounding down)
        if x.is_zero and y.is_zero and x.sign == y.sign:
            sign = x.sign
        else:
            sign = int(env.rounding.mode is Mode.RDN)
        return zero_result(out, sign, env)
    return round_result(total, out, env)


def add(fmt: Format, a: int, b: int, env: Env = Env(), out: Format | None = None) -> Rounded:
    """a + b in ``fmt`` (result in ``out``, default ``fmt``)."""
    return add_operands(unpack(fmt, a), unpack(fmt, b), out or fmt, env)


def sub(fmt: Format, a: int, b: int, env: Env = Env(), out: Format | None = None) -> Rounded:
    """a - b: a + (-b), with -b negated exactly (NaN payload and signaling kept)."""
    y = unpack(fmt, b)
    neg = Operand(y.kind, 1 - y.sign, -y.value, y.signaling)
    return add_operands(unpack(fmt, a), neg, out or fmt, env)
