"""Replaying a counterexample without the solver: the design on the numpy netlist evaluator, the
property with `concrete.ConcreteEvaluator`."""

from __future__ import annotations

from . import ast
from .check import CheckedSpec, Property, walk
from .describe import describe


def signal_probes(spec: CheckedSpec, netlist, prop: Property, design: str = "dut") -> list[str]:
    """Internal signals of the design (``design="ref"``: of the reference, ``netlist`` being its
    netlist) that the property or the outputs read (evaluated as probes)."""
    probes = set()
    exprs = [prop.expr, *prop.assumptions]
    for e in exprs:
        for x in walk(e):
            if (isinstance(x, ast.Signal) and x.design == design and x.path not in netlist.inputs
                    and x.path not in netlist.outputs):
                probes.add(x.path)
    for p in spec.outputs.values():
        if p.design == design and p.port not in netlist.outputs:
            probes.add(p.port)
    return sorted(probes)


def design_runner(netlist, latency: int, probes: list[str], reset=None, held: dict[str, int] | None = None):
    """``run(ports) -> {signal: value}``: one evaluation of the design (outputs and ``probes``);
    ``reset`` (`fpverify.hdl.reset.ResetSequence`) runs before the ``latency`` edges; ``held``
    inputs (clock, released reset) take their value when ``ports`` does not give one."""
    import numpy as np

    from ..hdl.evaluate import evaluate_pipelined

    def run(ports: dict[str, int]) -> dict[str, int]:
        arrays = {}
        for name, val in netlist.inputs.items():
            v = ports.get(name, (held or {}).get(name, 0))
            arrays[name] = np.array([v], dtype=np.uint64 if len(val) <= 64 else object)
        out = evaluate_pipelined(netlist, arrays, latency, probes=probes, reset=reset)
        return {k: int(v[0]) for k, v in out.items()}
    return run


def replay_general(spec: CheckedSpec, netlist, prop: Property, values: dict[str, int]
                   ) -> tuple[bool, str, list[dict[str, int]]]:
    """Re-evaluate a counterexample without the solver: assumptions must hold, the property fail."""
    from .concrete import ConcreteEvaluator

    probes = signal_probes(spec, netlist, prop)
    ref = spec.reference
    run_ref = None
    if ref is not None:  # the counterexample is replayed on both netlists
        run_ref = design_runner(ref.netlist, ref.latency, signal_probes(spec, ref.netlist, prop, "ref"),
                                ref.reset, ref.held)
    ev = ConcreteEvaluator(spec, design_runner(netlist, spec.latency or 0, probes, spec.reset), probes, run_ref)
    holds = all(bool(ev.eval(a, values)) for a in prop.assumptions)
    fails = not bool(ev.eval(prop.expr, values))
    text = describe(spec, netlist, prop, values, ev)
    return holds and fails, text, [dict(k) for k in ev.cache]
