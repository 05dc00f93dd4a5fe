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


def solve_cached(query: list, timeout: float, solver: str):
    """`solve` through the proof cache: (status, model-or-None, solver name, cache note or "").
    A cached unsat is trusted; a cached sat model is only a hint: the solver re-solves the query
    with the hinted inputs pinned (so the model is confirmed and complete), else solves afresh."""
    from ..prove import cache as proof_cache

    cache = proof_cache.active()
    if cache is None:
        return (*solve(query, timeout, solver), "")
    text = list(query)
    entry = cache.get(text, solver)
    if entry is not None and entry.answer == "unsat":
        return "unsat", None, entry.by or entry.solver, entry.note()
    if entry is not None and entry.model:
        model = _confirm_hint(query, entry.model, timeout)
        if model is not None:
            return "sat", model, entry.by or entry.solver, f"model {entry.note()}, confirmed"
    t0 = time.perf_counter()
    status, model, used = solve(query, timeout, solver)
    hint = None
    if status == "sat":
        hint = {d.name(): (model[d].as_long() if z3.is_bv_value(model[d]) else int(z3.is_true(model[d])))
                for d in model.decls() if d.arity() == 0 and (z3.is_bv_value(model[d]) or z3.is_bool(model[d]))}
    cache.put(text, solver, status, time.perf_counter() - t0, hint, by=used)
    return status, model, used, ""


def _confirm_hint(query: list, hint: dict[str, int], timeout: float):
    """A z3 model of ``query`` with the hinted constants pinned, or None if they do not satisfy it."""
    s = z3.Solver()
    s.set(timeout=max(1, int(timeout * 1000)))
    s.add(*query)
    for q in query:
        for c in _constants(q):
            name = c.decl().name()
            if name in hint:
                s.add(c == (z3.BitVecVal(hint[name], c.size()) if z3.is_bv(c) else z3.BoolVal(bool(hint[name]))))
    return s.model() if s.check() == z3.sat else None


def _constants(term) -> list:
    out, todo, seen = {}, [term], set()
    while todo:
        t = todo.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out[t.decl().name()] = t
        todo.extend(t.children())
    return list(out.values())


def prove_general_case(spec: CheckedSpec, netlist, prop: Property, case: Case, *, timeout: float,
                       solver: str, replay: Callable | None = None) -> CaseResult:
    t0 = time.perf_counter()
    ob, terms = build_obligation(spec, netlist, prop, case)
    status, model, used, cached = solve_cached(ob.query, timeout, solver)
    seconds = time.perf_counter() - t0
    if status == "unknown":
        return CaseResult(case.label, "UNKNOWN", seconds, used, message="solver timeout or gave up")
    if status == "unsat":
        vac_status, _, _, _ = solve_cached(list(ob.premises) or [z3.BoolVal(True)], timeout, "z3")
        if vac_status == "unsat":
            return CaseResult(case.label, "VACUOUS", seconds, used, message="the assumptions exclude every input")
        return CaseResult(case.label, "PROVED", seconds, used, cached=cached or None)
    values = {n: model.eval(t, model_completion=True).as_long() for n, t in terms.items()}
    ok, text, vectors = (replay or replay_general)(spec, netlist, prop, values)
    if not ok:
        return CaseResult(case.label, "ERROR", seconds, used, text, values,
                          "counterexample did not replay (tool bug, not a design bug)", vectors)
    return CaseResult(case.label, "REFUTED", seconds, used, text, values, vectors=vectors)
