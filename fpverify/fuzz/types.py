"""The fuzzer's data: one generated `Case`, a `Mismatch` against the golden model, and the
`FuzzResult` of a run. Shared by the case generator, the harness and the report text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..rounding import Flags
from .semantics import Semantics

__all__ = ["Case", "Mismatch", "FuzzResult"]


@dataclass(frozen=True)
class Case:
    """One example: per-operand codes (or integer values for an IntSource), and R."""

    args: tuple
    r: int = 0


@dataclass
class Mismatch:
    case: Case
    expected: Any  # code, or (scale, element codes) for MX
    flags: Flags
    actual: Any  # code / None (not representable) / (scale, codes) / None
    actual_text: str | None = None
    error: str | None = None  # the target raised or returned something unusable


@dataclass
class FuzzResult:
    target_name: str
    semantics: Semantics
    examples: int  # examples checked before the first failing batch (or all)
    seed: int
    mismatches: list[Mismatch] = field(default_factory=list)  # from the shrunk failing batch
    interrupted: bool = False
    seconds: float = 0.0
    note: str = ""
    accuracy: Any = None  # accuracy fuzzing: the `fpverify.fuzz.accuracy_run.AccuracyStats`

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.interrupted
