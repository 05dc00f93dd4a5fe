"""Case splits (`split on class(a), sign(b), exp(a)`): the cases of a property, as labelled z3
predicates, and the proof that each splitter's cases cover every code."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import z3

from . import ast
from .check import CheckedSpec
from .symbolic import CLASSES, class_names, f_sign


@dataclass(frozen=True)
class Case:
    label: str
    parts: tuple[tuple[str, str, object], ...]  # (kind, input, value)

    def predicate(self, spec: CheckedSpec, terms: dict[str, z3.BitVecRef]) -> list[z3.BoolRef]:
        out = []
        for kind, name, value in self.parts:
            fmt = spec.input_type(name).fmt
            x = terms[name]
            if kind == "class":
                out.append(CLASSES[value](fmt, x))
            elif kind == "sign":
                out.append(f_sign(fmt, x) if value else z3.Not(f_sign(fmt, x)))
            else:
                m = fmt.man_bits
                out.append(z3.Extract(m + fmt.exp_bits - 1, m, x) == value)
        return out


def split_values(spec: CheckedSpec, s: ast.Splitter) -> list:
    fmt = spec.input_type(s.target).fmt
    if s.kind == "class":
        return class_names(fmt)
    if s.kind == "sign":
        return [0, 1] if fmt.signed else [0]
    return list(range(1 << fmt.exp_bits))


def cases_of(spec: CheckedSpec, splits: tuple[ast.Splitter, ...]) -> list[Case]:
    if not splits:
        return [Case("", ())]
    axes = [[(s.kind, s.target, v) for v in split_values(spec, s)] for s in splits]
    out = []
    for combo in itertools.product(*axes):
        label = ", ".join(f"{k}({n})={v}" for k, n, v in combo)
        out.append(Case(label, tuple(combo)))
    return out


def split_is_complete(spec: CheckedSpec, splits: tuple[ast.Splitter, ...]) -> bool:
    """Each splitter's values cover every code of its input (checked by z3, not assumed)."""
    for s in splits:
        t = spec.input_type(s.target)
        x = z3.BitVec("x", t.fmt.width)
        preds = [Case("", ((s.kind, s.target, v),)).predicate(spec, {s.target: x})[0]
                 for v in split_values(spec, s)]
        solver = z3.Solver()
        solver.add(z3.Not(z3.Or(*preds)) if len(preds) > 1 else z3.Not(preds[0]))
        if solver.check() != z3.unsat:
            return False
    return True
