"""Decomposition strategies: reusable per unit family, parameterised by the format.

`Strategy` is what the engine (`prove_decomposed`) runs. The files that describe one,
``proofs/decompose_*.strategy`` (docs/strategies.md), are part of the spec language: the
`strategy` rule of ``fpverify/dsl/grammar.lark`` parses them and
`fpverify.dsl.proof_strategy.load_strategy` / `parse_strategy` build a `Strategy`.

Interval bounds (`band`, `diff`) are kept as text over p, m, e, bias, emin, emax
(`splits.format_params`) and evaluated per format by `splits.parse_intervals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FAMILIES = ("mul", "add", "lmul", "fma")  # which reference the miter uses
SOLVERS = ("z3", "bitwuzla", "portfolio")


@dataclass
class Strategy:
    name: str
    family: str = "mul"
    isolate: list[str] = field(default_factory=list)
    class_split: list[str] = field(default_factory=list)  # operand roles, e.g. ["a", "b"]
    grouped: bool = False  # specials first (any NaN / any Inf / any zero / finite) instead of 5x5
    band: str | None = None
    diff: str | None = None
    witnesses: bool = True
    timeout_s: float = 120.0
    solver: str = "portfolio"
    cross_check: bool = False
    source: str = ""

    @property
    def solvers(self) -> tuple[str, ...]:
        return ("z3", "bitwuzla") if self.solver == "portfolio" else (self.solver,)


__all__ = ["Strategy", "FAMILIES", "SOLVERS"]
