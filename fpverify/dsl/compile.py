"""Checked spec + netlist -> proof obligations, discharged and (when refuted) replayed.

* ``OUTPUT == op(...)`` properties go to `fpverify.prove.api.prove_equivalence` (the symbolic
  reference; its counterexamples are replayed there, on the netlist and in the golden model).
* Every other property (relational, error bounds, lemmas over internal signals) becomes an
  `Obligation` built here from `fpverify.smt.netlist_z3` terms (`symbolic.py`); a counterexample is
  replayed with `concrete.py` on `fpverify.hdl.evaluate` before it is reported.
* ``split on ...`` makes one obligation per case; the cases of each splitter are proved to cover
  every code (completeness) before anything is reported as PROVED.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Callable

import z3

from ..rounding import Env
from . import ast
from .check import CheckedSpec, Property, walk
from .symbolic import CLASSES, SymbolicEvaluator, class_names, f_sign
from .types import FloatT, IntT, type_width

STATUS_ORDER = ("PROVED", "REFUTED", "UNKNOWN", "VACUOUS", "ERROR", "INTERRUPTED")


@dataclass
class CaseResult:
    case: str  # "" for an unsplit property
    status: str
    seconds: float
    solver: str
    counterexample: str | None = None
    inputs: dict[str, int] | None = None  # counterexample input values (spec names)
    message: str = ""
    vectors: list[dict[str, int]] | None = None  # every design evaluation of the replay (port values)
    lemmas: list[str] | None = None  # decomposed proofs: the lemmas the verdict relies on
    obligations: dict[str, int] | None = None  # decomposed proofs: obligation count per kind
    strategy: str | None = None  # decomposed proofs: the decomposition strategy
    decomposition: dict | None = None  # decomposed proofs: `prove.report.result_json` (per obligation)

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class PropertyResult:
    name: str
    kind: str
    status: str
    seconds: float
    solver: str
    cases: list[CaseResult] = field(default_factory=list)
    line: int = 0

    @property
    def counterexample(self) -> CaseResult | None:
        return next((c for c in self.cases if c.status == "REFUTED"), None)

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "status": self.status,
                "seconds": round(self.seconds, 4), "solver": self.solver, "line": self.line,
                "cases": [c.to_json() for c in self.cases]}


def combine(name: str, kind: str, line: int, cases: list[CaseResult]) -> PropertyResult:
    """A property is PROVED iff every non-vacuous case is; REFUTED if any case is."""
    statuses = [c.status for c in cases]
    if "REFUTED" in statuses:
        status = "REFUTED"
    elif "ERROR" in statuses:
        status = "ERROR"
    elif "INTERRUPTED" in statuses:
        status = "INTERRUPTED"
    elif "UNKNOWN" in statuses:
        status = "UNKNOWN"
    elif all(s == "VACUOUS" for s in statuses):
        status = "VACUOUS"
    else:
        status = "PROVED"
    solvers = sorted({c.solver for c in cases if c.solver})
    return PropertyResult(name, kind, status, sum(c.seconds for c in cases), "+".join(solvers), cases, line)


# ---- case splits ---------------------------------------------------------------------------------


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


# ---- equivalence via the prove API ------------------------------------------------------------------


def _port_map(spec: CheckedSpec, prop: Property):
    from ..prove.api import PortMap

    eq = prop.equivalence
    ports = [spec.inputs[n].port for n in eq.operands]
    kw = dict(a=ports[0], b=ports[1] if len(ports) > 1 else None, c=ports[2] if len(ports) > 2 else None,
              result=spec.outputs[eq.output].port,
              flags=spec.outputs[eq.flags].port if eq.flags else None,
              rm=spec.inputs[eq.rounding_input].port if eq.rounding_input else None)
    if eq.random_input:
        kw["rand"] = spec.inputs[eq.random_input].port
    return PortMap(**kw)


def _assumption_fn(spec: CheckedSpec, netlist, exprs, case: Case, cycles: int):
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
    env = Env(rounding=eq.rounding) if eq.rounding is not None else Env()
    env = Env(rounding=env.rounding, overflow=eq.overflow, tininess=eq.tininess)
    assumptions = []
    if prop.assumptions or case.parts:
        assumptions.append(_assumption_fn(spec, netlist, prop.assumptions, case, spec.latency or 0))
    t0 = time.perf_counter()
    res = prove_equivalence(netlist, eq.op, eq.fmt, out_fmt=eq.out_fmt, env=env, lmul_policy=eq.lmul_policy,
                            ports=_port_map(spec, prop), assumptions=assumptions,
                            check_flags=eq.flags is not None, timeout_s=timeout, solver=solver,
                            nan_exact=eq.nan_exact,
                            cycles=spec.latency or 0)
    seconds = time.perf_counter() - t0
    out = CaseResult(case.label, res.status, seconds, f"{res.solver}", message=res.message)
    if res.counterexample is not None:
        cex = res.counterexample
        names = {p.port: n for n, p in spec.inputs.items()}
        out.inputs = {names.get(k, k): v for k, v in cex.inputs.items()}
        out.vectors = [{k: v for k, v in cex.inputs.items() if k in netlist.inputs}]
        out.counterexample = cex.decoded
        if res.status == "REFUTED" and not cex.replayed:
            out.status = "ERROR"
            out.message = "counterexample did not replay (tool bug, not a design bug)"
    if res.status == "PROVED" and (prop.assumptions or case.parts):
        if _vacuous(spec, netlist, prop, case, timeout):
            out.status = "VACUOUS"
            out.message = "the assumptions exclude every input"
    return out


def _vacuous(spec, netlist, prop, case, timeout) -> bool:
    terms = _base_terms(spec, netlist)
    ev = SymbolicEvaluator(spec, netlist, terms, spec.latency or 0)
    s = z3.Solver()
    s.set(timeout=int(timeout * 1000))
    for e in prop.assumptions:
        s.add(ev.boolean(e))
    for p in case.predicate(spec, terms):
        s.add(p)
    return s.check() == z3.unsat


# ---- general properties: our own obligations ---------------------------------------------------------


def _base_terms(spec: CheckedSpec, netlist) -> dict[str, z3.BitVecRef]:
    terms = {}
    for n, p in spec.inputs.items():
        terms[n] = z3.BitVec(f"in_{n}", len(netlist.inputs[p.port]))
    for n, t in spec.vars.items():
        terms[n] = z3.BitVec(f"var_{n}", type_width(t))
    return terms


def build_obligation(spec: CheckedSpec, netlist, prop: Property, case: Case):
    from ..prove.obligation import Obligation

    terms = _base_terms(spec, netlist)
    ev = SymbolicEvaluator(spec, netlist, terms, spec.latency or 0)
    premises = [ev.boolean(a) for a in prop.assumptions] + case.predicate(spec, terms)
    goal = ev.boolean(prop.expr)
    ob = Obligation(f"{prop.name}" + (f" [{case.label}]" if case.label else ""),
                    f"{spec.file}:{prop.pos.line}: {prop.kind}", premises, goal, dict(terms))
    return ob, terms


def _solve(query: list, timeout: float, solver: str):
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
    status, model, used = _solve(ob.query, timeout, solver)
    seconds = time.perf_counter() - t0
    if status == "unknown":
        return CaseResult(case.label, "UNKNOWN", seconds, used, message="solver timeout or gave up")
    if status == "unsat":
        vac_status, _, _ = _solve(list(ob.premises) or [z3.BoolVal(True)], timeout, "z3")
        if vac_status == "unsat":
            return CaseResult(case.label, "VACUOUS", seconds, used, message="the assumptions exclude every input")
        return CaseResult(case.label, "PROVED", seconds, used)
    values = {n: model.eval(t, model_completion=True).as_long() for n, t in terms.items()}
    ok, text, vectors = (replay or replay_general)(spec, netlist, prop, values)
    if not ok:
        return CaseResult(case.label, "ERROR", seconds, used, text, values,
                          "counterexample did not replay (tool bug, not a design bug)", vectors)
    return CaseResult(case.label, "REFUTED", seconds, used, text, values, vectors=vectors)


def _signal_probes(spec: CheckedSpec, netlist, prop: Property) -> list[str]:
    probes = set()
    exprs = [prop.expr, *prop.assumptions]
    for e in exprs:
        for x in walk(e):
            if isinstance(x, ast.Signal) and x.path not in netlist.inputs and x.path not in netlist.outputs:
                probes.add(x.path)
    for p in spec.outputs.values():
        if p.port not in netlist.outputs:
            probes.add(p.port)
    return sorted(probes)


def design_runner(netlist, latency: int, probes: list[str]):
    import numpy as np

    from ..hdl.evaluate import evaluate_pipelined

    def run(ports: dict[str, int]) -> dict[str, int]:
        arrays = {}
        for name, val in netlist.inputs.items():
            v = ports.get(name, 0)
            arrays[name] = np.array([v], dtype=np.uint64 if len(val) <= 64 else object)
        out = evaluate_pipelined(netlist, arrays, latency, probes=probes)
        return {k: int(v[0]) for k, v in out.items()}
    return run


def replay_general(spec: CheckedSpec, netlist, prop: Property, values: dict[str, int]
                   ) -> tuple[bool, str, list[dict[str, int]]]:
    """Re-evaluate a counterexample without the solver: assumptions must hold, the property fail."""
    from .concrete import ConcreteEvaluator

    probes = _signal_probes(spec, netlist, prop)
    ev = ConcreteEvaluator(spec, design_runner(netlist, spec.latency or 0, probes), probes)
    holds = all(bool(ev.eval(a, values)) for a in prop.assumptions)
    fails = not bool(ev.eval(prop.expr, values))
    text = describe(spec, netlist, prop, values, ev)
    return holds and fails, text, [dict(k) for k in ev.cache]


def describe(spec: CheckedSpec, netlist, prop: Property, values: dict[str, int], ev) -> str:
    """Counterexample text: each input and output, as code and decoded value."""
    lines = []
    for n, v in values.items():
        lines.append(f"  {n} = {_fmt_value(spec.input_type(n), v)}")
    outs = ev.design_values(values)
    for n, p in spec.outputs.items():
        lines.append(f"  {n} = {_fmt_value(p.type, outs.get(p.port, 0))}")
    for x in walk(prop.expr):  # every substituted instance the property looked at
        if isinstance(x, ast.Substitute):
            env = dict(values)
            for b in x.bindings:
                env[b.name] = ev._as_int(ev.eval(b.value, values), b.name)
            o = ev.design_values(env)
            subst = ", ".join(f"{b.name} := {_fmt_value(spec.input_type(b.name), env[b.name])}"
                              for b in x.bindings)
            for n, p in spec.outputs.items():
                lines.append(f"  {n}[{subst}] = {_fmt_value(p.type, o.get(p.port, 0))}")
    return "\n".join(lines)


def _fmt_value(t, v: int) -> str:
    if isinstance(t, (FloatT, IntT)):
        fmt = t.fmt
        digits = (fmt.width + 3) // 4
        try:
            val = fmt.value(v)
        except Exception:  # noqa: BLE001 - out-of-range code: show the bits only
            return f"0x{v:0{digits}x}"
        if isinstance(val, float):
            text = str(val)
        elif val.denominator == 1 or float(val) == val:
            text = repr(float(val)) if val.denominator != 1 else str(val)
        else:
            text = f"{val} (~{float(val):.6g})"
        return f"0x{v:0{digits}x} ({text})"
    return f"{v} (0b{v:b})"


# ---- equivalence via the lemma-decomposition engine ------------------------------------------------


def prove_decomposed_case(spec: CheckedSpec, netlist, prop: Property, *, timeout: float | None,
                          solver: str | None, workers: int | None = None, progress=None) -> CaseResult:
    """``OUTPUT == op(...)`` under ``use strategy decompose_*``: `prove_decomposed` with the spec's
    port binding, rounding/overflow/tininess and flags. ``timeout`` is per obligation (None: the
    strategy's); ``solver`` None or "" keeps the strategy's solver."""
    from dataclasses import replace

    from ..prove.decompose.engine import prove_decomposed
    from ..prove.report import counts, result_json
    from .check import decompose_fixed

    eq = prop.equivalence
    st = spec.decompose
    fixed = decompose_fixed(spec, prop)
    ports = _port_map(spec, prop)
    ports = replace(ports, fixed=tuple(dict(ports.fixed, **dict(fixed)).items()))
    env = Env(rounding=eq.rounding) if eq.rounding is not None else Env()
    env = Env(rounding=env.rounding, overflow=eq.overflow, tininess=eq.tininess)
    solvers, cross_check = None, None
    if solver:  # portfolio: z3 and Bitwuzla race, and every unsat is confirmed by the other one
        solvers = ("z3", "bitwuzla") if solver == "portfolio" else (solver,)
        cross_check = True if solver == "portfolio" else None
    t0 = time.perf_counter()
    res = prove_decomposed(netlist, eq.op, eq.fmt, strategy=st, out_fmt=eq.out_fmt, env=env,
                           lmul_policy=eq.lmul_policy, ports=ports, check_flags=eq.flags is not None,
                           cycles=spec.latency or 0, workers=workers, timeout_s=timeout, solvers=solvers,
                           cross_check=cross_check, nan_exact=eq.nan_exact, progress=progress)
    seconds = time.perf_counter() - t0
    used = sorted({s for i in res.items if i.outcome is not None
                   for s in (i.outcome.solver, i.outcome.cross_solver) if s})
    status = res.status if res.status in ("PROVED", "REFUTED", "UNKNOWN", "ERROR") else "ERROR"
    bad = [i for i in res.items if i.status in ("UNKNOWN", "ERROR", "REFUTED")]
    msg = res.message
    if status != "PROVED" and bad:
        what = "; ".join(f"{i.name}: {i.status}" + (f" ({i.outcome.message})" if i.outcome is not None
                                                    and getattr(i.outcome, "message", "") else "")
                         for i in bad[:5])
        msg = (msg + "; " if msg else "") + what + (f"; +{len(bad) - 5} more" if len(bad) > 5 else "")
    out = CaseResult("", status, seconds, "+".join(used) or ",".join(solvers or st.solvers), message=msg,
                     lemmas=list(res.lemmas_relied_on), obligations=counts(res), strategy=st.name,
                     decomposition=result_json(res))
    cex = res.counterexample
    if cex is not None:
        names = {p.port: n for n, p in spec.inputs.items()}
        out.inputs = {names.get(k, k): v for k, v in cex.inputs.items()}
        out.vectors = [{k: v for k, v in cex.inputs.items() if k in netlist.inputs}]
        out.counterexample = cex.decoded
        if res.localisation is not None:
            out.counterexample += "\n" + res.localisation.text()
    if status == "REFUTED" and (cex is None or not cex.replayed):
        out.status = "ERROR"
        out.message = "counterexample did not replay (tool bug, not a design bug)"
    return out


def prove_case(spec: CheckedSpec, netlist, prop: Property, case: Case, *, timeout: float | None,
               solver: str | None, workers: int | None = None, progress=None) -> CaseResult:
    """``progress``: an obligation callback (`prove_decomposed`'s) for decomposed proofs."""
    try:
        if prop.kind == "equivalence" and getattr(spec, "decompose", None) is not None:
            return prove_decomposed_case(spec, netlist, prop, timeout=timeout, solver=solver, workers=workers,
                                         progress=progress)
        timeout = 60.0 if timeout is None else timeout
        solver = solver or "z3"
        if prop.kind == "equivalence":
            return prove_equivalence_case(spec, netlist, prop, case, timeout=timeout, solver=solver)
        return prove_general_case(spec, netlist, prop, case, timeout=timeout, solver=solver)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # an internal failure is reported per obligation, never as a proof
        import traceback

        tb = traceback.format_exc(limit=3).strip().splitlines()[-1]
        return CaseResult(case.label, "ERROR", 0.0, solver, message=f"internal error: {type(e).__name__}: {e} "
                          f"[{tb}]")
