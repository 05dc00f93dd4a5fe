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

__all__ = [
    "add", "sub", "mul", "div", "sqrt", "fma", "convert", "from_value", "parse_number", "to_value",
    "compare", "eq", "lt", "le", "minimum", "maximum", "minimum_number", "maximum_number", "neg",
    "absolute", "lmul", "LMulPolicy", "LMulVariant", "LMulSpecials", "lmul_constant",
    "offset_exponent", "Kind", "Operand", "unpack",
]
