"""Lemma decomposition for equivalence proofs: splits with coverage proofs, multiplier isolation
and cut-points, a z3 + Bitwuzla process pool, CEGAR with localisation, reports.

Entry point: `prove_decomposed` (see `engine`). Strategies: ``proofs/decompose_*.strategy``
(`strategy`, docs/strategies.md).
"""

from .engine import DecomposedResult, Item, Problem, build_problem, plan, prove_decomposed
from .strategy import Strategy, load_strategy, parse_strategy

__all__ = ["prove_decomposed", "DecomposedResult", "Item", "Problem", "build_problem", "plan",
           "Strategy", "load_strategy", "parse_strategy"]
