"""The golden reference: exact semantics of every operation, rounded once.

Each operation decodes its operands to exact values (`operand.unpack`), computes exactly
(dyadic integers, rationals, or square roots of rationals), and rounds once through the shared
kernel `fpverify.rounding.round_to_format`. No floating-point arithmetic is involved anywhere.
Which function is which operation (name, arity, calling convention) is in the operation
registry `fpverify.semantics.ops`.
"""

from .add import add, sub
from .compare import absolute, compare, eq, le, lt, maximum, maximum_number, minimum, minimum_number, neg
from .convert import convert, from_value, parse_number, to_value
from .div import div
from .fma import fma
from .lmul import (LMulPolicy, LMulSpecials, LMulVariant, lmul, lmul_constant, offset_exponent,
                   overflow_to_special)
from .mul import mul
from .operand import Kind, Operand, unpack
from .sqrt import sqrt

_ELEMENTARY = ("exp", "exp2", "exp10", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "atan",
               "tanh", "sinh", "cosh", "erf", "sigmoid", "silu", "gelu_erf", "gelu_tanh", "rsqrt", "recip",
               "pow")


def __getattr__(name: str):
    """The elementary functions (`fpverify.golden.elementary`, which needs mpmath) load on first use."""
    if name in _ELEMENTARY:
        from . import elementary

        return getattr(elementary, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "add", "sub", "mul", "div", "sqrt", "fma", "convert", "from_value", "parse_number", "to_value",
    "compare", "eq", "lt", "le", "minimum", "maximum", "minimum_number", "maximum_number", "neg",
    "absolute", "lmul", "LMulPolicy", "LMulVariant", "LMulSpecials", "lmul_constant",
    "offset_exponent", "Kind", "Operand", "unpack",
]
