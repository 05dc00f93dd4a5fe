"""``OUTPUT == op(...)`` proved monolithically by `fpverify.prove.api.prove_equivalence` (the
symbolic reference; counterexamples are replayed there, on the netlist and in the golden model)."""

from __future__ import annotations

import time

import z3

from .cases import Case
from .check import CheckedSpec, Property
from .obligations import base_terms, solve_cached
from .symbolic import SymbolicEvaluator
from .verdicts import CaseResult


def port_map(spec: CheckedSpec, prop: Property):
    """The `PortMap` of an equivalence property: the design ports of its operands, result, flags,
    rounding and random inputs; the spec's clock (held at 0) and reset sequence, and nothing else
    held (no implicit clk/rst: the rule of every property kind, docs/dsl.md)."""
    from ..prove.api import PortMap

    eq = prop.equivalence
    ports = [spec.inputs[n].port for n in eq.operands]
    kw = dict(a=ports[0], b=ports[1] if len(ports) > 1 else None, c=ports[2] if len(ports) > 2 else None,
              result=spec.outputs[eq.output].port,
              flags=spec.outputs[eq.flags].port if eq.flags else None,
              rm=spec.inputs[eq.rounding_input].port if eq.rounding_input else None)
    if eq.random_input:
        kw["rand"] = spec.inputs[eq.random_input].port
    return PortMap(**kw, fixed=((spec.clock, 0),) if spec.clock else (), reset=spec.reset)


def assumption_fn(spec: CheckedSpec, netlist, exprs, case: Case, cycles: int):
    """The assumptions and the case predicate over the symbolic ports of the prove API."""
    def assume(sym) -> z3.BoolRef:
        terms = {n: sym.ports[p.port] for n, p in spec.inputs.items() if p.port in sym.ports}
        ev = SymbolicEvaluator(spec, netlist, terms, cycles)
        parts = [ev.boolean(e) for e in exprs] + case.predicate(spec, terms)
        return z3.And(*parts) if len(parts) > 1 else (parts[0] if parts else z3.BoolVal(True))
    return assume


def prove_equivalence_case(spec: CheckedSpec, netlist, prop: Property, case: Case, *, timeout: float,
                           solver: str) -> CaseResult:
    from ..prove.api import prove_equivalence

    eq = prop.equivalence
    assumptions = []
    if prop.assumptions or case.parts:
        assumptions.append(assumption_fn(spec, netlist, prop.assumptions, case, spec.latency or 0))
    t0 = time.perf_counter()
    res = prove_equivalence(netlist, eq.op, eq.fmt, out_fmt=eq.out_fmt, env=eq.env, lmul_policy=eq.lmul_policy,
                            ports=port_map(spec, prop), assumptions=assumptions,
                            check_flags=eq.flags is not None, timeout_s=timeout, solver=solver,
                            nan_exact=eq.nan_exact, addend_fmt=eq.addend_fmt,
                            cycles=spec.latency or 0)
    seconds = time.perf_counter() - t0
    out = CaseResult(case.label, res.status, seconds, f"{res.solver}", message=res.message,
                     cached=res.cached or None)
    if res.counterexample is not None:
        out.take_counterexample(spec, netlist, res.counterexample, res.localisation)
    if res.status == "PROVED" and (prop.assumptions or case.parts):
        if is_vacuous(spec, netlist, prop, case, timeout):
            out.status = "VACUOUS"
            out.message = "the assumptions exclude every input"
    return out


def is_vacuous(spec: CheckedSpec, netlist, prop: Property, case: Case, timeout: float) -> bool:
    """The assumptions and the case exclude every input."""
    terms = base_terms(spec, netlist)
    ev = SymbolicEvaluator(spec, netlist, terms, spec.latency or 0)
    query = [ev.boolean(e) for e in prop.assumptions] + list(case.predicate(spec, terms))
    return solve_cached(query or [z3.BoolVal(True)], timeout, "z3")[0] == "unsat"
