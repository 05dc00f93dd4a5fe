"""Correctly rounded evaluation of an elementary function on codes (the golden entry point).

``evaluate(name, fmt, codes, env, out)`` unpacks the operands, applies the function's special and
exact rules, and otherwise rounds the enclosed real with the Ziv loop; all three routes end in
the shared kernel `fpverify.rounding.round_to_format` (or its special-value helpers), so flags,
tininess, overflow policies and stochastic rounding are those of every other golden operation.
"""

from __future__ import annotations

from typing import Sequence

from ...formats import FloatFormat, Format, FormatError
from ...rounding import Env, Rounded
from ..operand import Operand, inf_result, nan_result, unpack
from .outcomes import ApproxOut, Definition, ExactOut, InfOut, NanOut, Outcome
from .table import definition
from .ziv import from_dyadic, round_enclosed, round_exact, start_precision


def outcome(defn: Definition, operands: Sequence[Operand]) -> Outcome | None:
    """The special/exact outcome of ``defn`` on unpacked operands, or None (a non-dyadic real)."""
    if not defn.handles_nan and any(o.is_nan for o in operands):
        return NanOut()
    return defn.special(*operands)


def evaluate(name: str, fmt: Format, codes: Sequence[int], env: Env = Env(),
             out: Format | None = None) -> Rounded:
    """``name`` applied to ``codes`` of ``fmt``, correctly rounded into ``out`` (default ``fmt``)."""
    defn = definition(name)
    out = out or fmt
    for f in (fmt, out):
        if not isinstance(f, FloatFormat):
            raise FormatError(f"{name} takes and gives floating-point formats, not {f.name}")
    if len(codes) != defn.arity:
        raise ValueError(f"{name} takes {defn.arity} operand(s), got {len(codes)}")
    ops = [unpack(fmt, c) for c in codes]
    got = outcome(defn, ops)
    if isinstance(got, NanOut):
        return nan_result(out, env, *ops, invalid=got.invalid)
    if isinstance(got, InfOut):
        return inf_result(out, got.sign, env, got.flags)
    if isinstance(got, ExactOut):
        return round_exact(got.value, out, env)
    if isinstance(got, ApproxOut):
        return round_enclosed(got.value, out, env)
    args = [o.value for o in ops]
    extra = defn.extra_bits(*ops) if defn.extra_bits else 0
    return round_enclosed(lambda: defn.value(*[from_dyadic(a) for a in args]), out, env,
                          start_precision(out, env) + extra)


def _unary(name: str):
    def fn(fmt: Format, a: int, env: Env = Env(), out: Format | None = None) -> Rounded:
        return evaluate(name, fmt, (a,), env, out)
    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"{name}(x) = {definition(name).formula}, correctly rounded (golden model)."
    return fn


exp = _unary("exp")
exp2 = _unary("exp2")
exp10 = _unary("exp10")
expm1 = _unary("expm1")
log = _unary("log")
log2 = _unary("log2")
log10 = _unary("log10")
log1p = _unary("log1p")
sin = _unary("sin")
cos = _unary("cos")
tan = _unary("tan")
atan = _unary("atan")
tanh = _unary("tanh")
sinh = _unary("sinh")
cosh = _unary("cosh")
erf = _unary("erf")
sigmoid = _unary("sigmoid")
silu = _unary("silu")
gelu_erf = _unary("gelu_erf")
gelu_tanh = _unary("gelu_tanh")
rsqrt = _unary("rsqrt")
recip = _unary("recip")


def pow(fmt: Format, a: int, b: int, env: Env = Env(), out: Format | None = None) -> Rounded:  # noqa: A001
    """pow(x, y) = x^y with IEEE 754 special cases, correctly rounded (golden model)."""
    return evaluate("pow", fmt, (a, b), env, out)


__all__ = ["evaluate", "outcome", "exp", "exp2", "exp10", "expm1", "log", "log2", "log10", "log1p",
           "sin", "cos", "tan", "atan", "tanh", "sinh", "cosh", "erf", "sigmoid", "silu", "gelu_erf",
           "gelu_tanh", "rsqrt", "recip", "pow"]
