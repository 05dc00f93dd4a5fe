"""Properties other than ``OUTPUT == op(...)`` (relational, error bounds, lemmas over internal
signals): an `Obligation` built from `symbolic.py` terms, solved, and a counterexample replayed
before it is reported."""

from __future__ import annotations

import time
from typing import Callable

import z3

from .cases import Case
from .check import CheckedSpec, Property
from .replay import replay_general
from .symbolic import SymbolicEvaluator
from .types import type_width
from .verdicts import CaseResult


def base_terms(spec: CheckedSpec, netlist) -> dict[str, z3.BitVecRef]:
    """One free bit-vector per input and variable of the spec."""
    terms = {}
    for n, p in spec.inputs.items():
        terms[n] = z3.BitVec(f"in_{n}", len(netlist.inputs[p.port]))
    for n, t in spec.vars.items():
        terms[n] = z3.BitVec(f"var_{n}", type_width(t))
    return terms


def build_obligation(spec: CheckedSpec, netlist, prop: Property, case: Case):
    """(the `Obligation` of one case of ``prop``, the terms of its free inputs)."""
    from ..prove.obligation import Obligation

    terms = base_terms(spec, netlist)
    ev = SymbolicEvaluator(spec, netlist, terms, spec.latency or 0)
    premises = [ev.boolean(a) for a in prop.assumptions] + case.predicate(spec, terms)
    goal = ev.boolean(prop.expr)
    ob = Obligation(f"{prop.name}" + (f" [{case.label}]" if case.label else ""),
                    f"{spec.file}:{prop.pos.line}: {prop.kind}", premises, goal, dict(terms))
    return ob, terms


def solve(query: list, timeout: float, solver: str):
    """(status "sat"/"unsat"/"unknown", model-or-None, solver name)."""
    if solver in ("bitwuzla", "portfolio"):
        from .solvers import solve_portfolio

        return solve_portfolio(query, timeout, solver)
    s = z3.Solver()
    s.set(timeout=max(1, int(timeout * 1000)))
    s.add(*query)
    r = s.check()
    if r == z3.sat:
        return "sat", s.model(), "z3"
    if r == z3.unsat:
        return "unsat", None, "z3"
    return "unknown", None, "z3"


def prove_general_case(spec: CheckedSpec, netlist, prop: Property, case: Case, *, timeout: float,
                       solver: str, replay: Callable | None = None) -> CaseResult:
    t0 = time.perf_counter()
    ob, terms = build_obligation(spec, netlist, prop, case)
    status, model, used = solve(ob.query, timeout, solver)
    seconds = time.perf_counter() - t0
    if status == "unknown":
        return CaseResult(case.label, "UNKNOWN", seconds, used, message="solver timeout or gave up")
    if status == "unsat":
        vac_status, _, _ = solve(list(ob.premises) or [z3.BoolVal(True)], timeout, "z3")
        if vac_status == "unsat":
            return CaseResult(case.label, "VACUOUS", seconds, used, message="the assumptions exclude every input")
        return CaseResult(case.label, "PROVED", seconds, used)
    values = {n: model.eval(t, model_completion=True).as_long() for n, t in terms.items()}
    ok, text, vectors = (replay or replay_general)(spec, netlist, prop, values)
    if not ok:
        return CaseResult(case.label, "ERROR", seconds, used, text, values,
                          "counterexample did not replay (tool bug, not a design bug)", vectors)
    return CaseResult(case.label, "REFUTED", seconds, used, text, values, vectors=vectors)
