"""The DSL's fixed vocabulary and limits: golden operations, functions, split kinds, solvers,
fault settings. `GOLDEN_OPS` is defined here and nowhere else in the dsl."""

from __future__ import annotations

GOLDEN_OPS = {"add": 2, "sub": 2, "mul": 2, "div": 2, "sqrt": 1, "fma": 3, "lmul": 2}  # name: operand count
CLASS_PREDICATES = ("normal", "subnormal", "zero", "inf", "nan", "finite", "negative")
FUNCTIONS = CLASS_PREDICATES + ("bits", "value", "neg", "abs", "relerr", "abserr")
SPLIT_KINDS = ("class", "sign", "exp")
SOLVERS = ("z3", "bitwuzla", "portfolio")
FAULT_KEYS = {"mutants": "int", "seed": "int", "timeout": "number", "operators": "names",
              "semantic": "names", "jobs": "int"}
FALLBACK_OPERATORS = ("inv", "const0", "const1", "cnot0", "cnot1", "opswap", "const")
MAX_SPLIT_CASES = 4096
MAX_EXPONENT = 4096
MAX_WIDTH = 4096
