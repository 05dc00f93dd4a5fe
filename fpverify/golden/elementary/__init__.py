"""Correctly rounded elementary functions of the golden model (every format, every rounding mode).

Each function is a `Definition` (``table.FUNCTIONS``): special and exact cases decided exactly,
every other input rounded from an mpmath enclosure whose precision rises until the shared
rounding kernel is decided (Ziv's strategy, `ziv`). See docs/golden.md for the definitions.
"""

from .enclosure import Enclosure, Undecided
from .evaluate import (atan, cos, cosh, erf, evaluate, exp, exp2, exp10, expm1, gelu_erf, gelu_tanh, log,
                       log1p, log2, log10, outcome, pow, recip, rsqrt, sigmoid, silu, sin, sinh, tan, tanh)
from .outcomes import ApproxOut, Definition, ExactOut, InfOut, NanOut, Outcome
from .softmax import softmax
from .table import FUNCTIONS, UnknownFunction, definition
from .ziv import ZivExhausted, round_enclosed

__all__ = [
    "FUNCTIONS", "Definition", "definition", "evaluate", "outcome", "UnknownFunction", "ZivExhausted",
    "Enclosure", "Undecided", "round_enclosed", "NanOut", "InfOut", "ExactOut", "ApproxOut", "Outcome",
    "exp", "exp2", "exp10", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "atan",
    "tanh", "sinh", "cosh", "erf", "sigmoid", "silu", "gelu_erf", "gelu_tanh", "rsqrt", "recip", "pow", "softmax",
]
