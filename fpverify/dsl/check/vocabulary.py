"""The DSL's fixed vocabulary and limits: golden operations, functions, split kinds, solvers,
fault settings. `GOLDEN_OPS` comes from the operation registry (`fpverify.semantics.ops`)."""

from __future__ import annotations

from ...semantics.ops import dsl_arities

GOLDEN_OPS = dsl_arities()  # name: operand count, from the one operation registry
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
MAX_RESET_CYCLES = 64  # like `latency`
MAX_VECTOR = 64  # elements of an `FMT[k]` vector (the MX dot unit's largest k)
