"""Lemma decomposition for equivalence proofs: splits with coverage proofs, multiplier isolation
and cut-points, a z3 + Bitwuzla process pool, CEGAR with localisation, reports.

Entry point: `prove_decomposed` (see `engine`), which runs a `Strategy` (`strategy`). Strategy
files ``proofs/decompose_*.strategy`` are read by `fpverify.dsl.proof_strategy.load_strategy`
(docs/strategies.md).
"""

from .engine import DecomposedResult, Item, Problem, build_problem, plan, prove_decomposed
from .strategy import Strategy

__all__ = ["prove_decomposed", "DecomposedResult", "Item", "Problem", "build_problem", "plan", "Strategy"]
