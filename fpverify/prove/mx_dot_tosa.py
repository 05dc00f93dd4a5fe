"""Monolithic equivalence proof of a TOSA-order MX block dot unit (`rtl.mx_dot_tosa.MXDotTOSA`, or
`MXDot(..., semantics="tosa")`: ports ``a``, ``b``, ``scale_a``, ``scale_b``, ``result``, ``flags``)
against the symbolic reference `fpverify.smt.reference.mx_dot_tosa` (fp32 RNE, the TOSA order).

The goal is the exact f32 code (NaN codes included) and the five IEEE flags. A sat model is
replayed before it is reported: the netlist on the numpy evaluator and golden
`mx_dot_tosa_rounded` must disagree, else the verdict is ERROR (a tool bug). A REFUTED model is
localised on the unit's named stages (``tosa_prod{i}``, ``tosa_blk{i}``, ``tosa_scale``,
``tosa_scaled``, result, flags) against golden's per-stage trace.
"""

from __future__ import annotations

import time

import numpy as np
import z3

from ..formats import FloatFormat, get_format
from ..smt.netlist_z3 import translate
from ..smt.reference.mx_dot_tosa import mx_dot_tosa
from .decompose.pool import solve_text
from .mx_dot import FLAG_MASK, PORTS, DotProof, port_binding
from .obligation import Obligation, conj
from .replay import premises_hold

F32 = get_format("f32")


def tosa_stages(k: int) -> list[str]:
    """The unit's named stages in datapath order, then the result and flags ports."""
    return [f"tosa_prod{i}" for i in range(k)] + [f"tosa_blk{i}" for i in range(k)] + \
        ["tosa_scale", "tosa_scaled", "result", "flags"]


def tosa_obligation(netlist, elem_a: FloatFormat, elem_b: FloatFormat, k: int,
                    ports: dict[str, str | None] | None = None):
    """(obligation, input variables): result code and flags of ``netlist`` equal the reference's."""
    p = port_binding(ports)
    vars_ = {n: z3.BitVec(n, len(v)) for n, v in netlist.inputs.items() if len(v)}
    terms = translate(netlist, vars_)
    ref = mx_dot_tosa(elem_a, elem_b, vars_[p["a"]], vars_[p["b"]], vars_[p["scale_a"]], vars_[p["scale_b"]], k)
    goals = [terms.output(p["result"]) == ref.code]
    if p["flags"] is not None:
        goals.append(z3.Extract(4, 0, terms.output(p["flags"])) == z3.Extract(4, 0, ref.flags))
    ob = Obligation(f"{netlist.name}:mx_dot_tosa:{elem_a.name}x{elem_b.name}:k{k}",
                    "netlist == reference mx_dot_tosa (TOSA fp32 order), exact code"
                    + (", IEEE flags" if p["flags"] is not None else ""), [ref.defined], conj(goals))
    ob.watch = {**ref.terms, "flags": ref.flags}
    return ob, vars_


def golden_tosa(elem_a, elem_b, k: int, inputs: dict[str, int], trace: dict | None = None) -> tuple[int, int]:
    """Golden `mx_dot_tosa_rounded` on one block pair; ``inputs`` keyed by role (a, b, scale_a, scale_b)."""
    from ..golden.blocks import MXBlock, mx_dot_tosa_rounded

    def codes(word: int, w: int) -> tuple[int, ...]:
        return tuple((word >> (i * w)) & ((1 << w) - 1) for i in range(k))
    r = mx_dot_tosa_rounded([MXBlock(inputs["scale_a"], codes(inputs["a"], elem_a.width))],
                            [MXBlock(inputs["scale_b"], codes(inputs["b"], elem_b.width))], elem_a, elem_b, trace=trace)
    return r.code, int(r.flags) & FLAG_MASK


def prove_mx_dot_tosa(netlist, elem_a: FloatFormat, k: int, *, elem_b: FloatFormat | None = None,
                      solver: str = "bitwuzla", timeout_s: float = 60,
                      ports: dict[str, str | None] | None = None) -> DotProof:
    """PROVED / REFUTED (replayed, localised) / UNKNOWN / ERROR, with wall seconds."""
    from ..hdl.evaluate import evaluate

    t0 = time.perf_counter()
    elem_b = elem_b or elem_a
    p = port_binding(ports)
    ob, vars_ = tosa_obligation(netlist, elem_a, elem_b, k, p)
    answer, model, msg = solve_text(None, solver, timeout_s, ob)
    if answer == "unsat":
        return DotProof("PROVED", time.perf_counter() - t0, solver)
    if answer != "sat":
        return DotProof("UNKNOWN", time.perf_counter() - t0, solver, message=msg or answer)
    inputs = {n: int((model or {}).get(n, 0)) % (1 << v.size()) for n, v in vars_.items()}
    r = evaluate(netlist, {n: np.array([v], dtype=object) for n, v in inputs.items()})
    net = (int(r[p["result"]][0]), int(r[p["flags"]][0]) & FLAG_MASK if p["flags"] is not None else 0)
    trace: dict[str, int] = {}
    gold = golden_tosa(elem_a, elem_b, k, {role: inputs[p[role]] for role in PORTS}, trace)
    if p["flags"] is None:
        gold = (gold[0], 0)
    status, why = ("ERROR", "netlist and golden agree on the model (tool bug, not a design bug)") if net == gold \
        else ("REFUTED", "")
    if not premises_hold(ob.premises, vars_, inputs):
        status, why = "ERROR", "the model is outside the property's domain (tool bug, not a design bug)"
    if status != "REFUTED":
        return DotProof(status, time.perf_counter() - t0, solver, inputs, net, gold, why)
    trace["flags"] = gold[1]
    stages, first = localise_tosa(netlist, k, inputs, trace, p)
    return DotProof(status, time.perf_counter() - t0, solver, inputs, net, gold, why, first, stages)


def localise_tosa(netlist, k: int, inputs: dict[str, int], trace: dict[str, int], ports: dict | None = None):
    """(stage rows (stage, golden, netlist), first failing stage): the unit's named stages against
    golden's trace of the same inputs (stages the netlist does not name are skipped)."""
    from ..hdl.evaluate import evaluate

    p = port_binding(ports)
    alias = {"result": p["result"], "flags": p["flags"]}
    names = [s for s in tosa_stages(k) if alias.get(s, s) is not None and _has(netlist, alias.get(s, s))]
    got = evaluate(netlist, {n: np.array([v], dtype=object) for n, v in inputs.items()},
                   probes=[alias.get(s, s) for s in names])
    rows, first = [], None
    for s in names:
        sig = alias.get(s, s)
        have = next(int(v[0]) for key, v in got.items() if key == sig or key.endswith("." + sig))
        want = trace[s]
        if s == "flags":
            want, have = want & FLAG_MASK, have & FLAG_MASK
        rows.append((s, want, have))
        if want != have and first is None:
            first = s
    return rows, first


def _has(netlist, name: str) -> bool:
    if name in netlist.outputs:
        return True
    try:
        netlist.signal(name)
        return True
    except KeyError:
        return False


__all__ = ["golden_tosa", "localise_tosa", "prove_mx_dot_tosa", "tosa_obligation", "tosa_stages"]
