"""Case splits (`split on ...`) as the checker sees them."""

from __future__ import annotations

from typing import Iterable

from .. import ast
from ..types import FloatT
from .located import err
from .scope import Scope
from .vocabulary import MAX_SPLIT_CASES, SPLIT_KINDS


def check_splits(scope: Scope, splits: Iterable[ast.Splitter]) -> None:
    """`split on class(a), sign(b), exp(a)`: known kinds over float inputs, each once, few enough cases."""
    cases = 1
    seen = set()
    for s in splits:
        if s.kind not in SPLIT_KINDS:
            raise err(f"unknown split `{s.kind}` (choose {', '.join(SPLIT_KINDS)})", s.pos)
        if s.target not in scope.inputs and s.target not in scope.vars:
            raise err(f"cannot split on unknown input `{s.target}`", s.pos)
        t = scope.inputs[s.target].type if s.target in scope.inputs else scope.vars[s.target]
        if not isinstance(t, FloatT):
            raise err(f"`{s.kind}({s.target})` needs a float input, `{s.target}` is {t}", s.pos)
        if (s.kind, s.target) in seen:
            raise err(f"`{s.kind}({s.target})` is split twice", s.pos)
        seen.add((s.kind, s.target))
        cases *= {"class": 5, "sign": 2, "exp": 1 << t.fmt.exp_bits}[s.kind]
        if cases > MAX_SPLIT_CASES:
            raise err(f"this split makes more than {MAX_SPLIT_CASES} cases", s.pos)
