"""``y == mx_dot(a, b, sa, sb, MODE)`` properties (`check.mx_dot.DotProperty`) proved with
`fpverify.prove.mx_dot.prove_mx_dot` on the spec's port binding: one monolithic miter against the
symbolic reference, a sat model replayed on the netlist evaluator and golden `mx_dot_exact`, and
the first failing named stage (`localise_dot`) reported with the counterexample.
``y == mx_dot_tosa(a, b, sa, sb)`` (the TOSA fp32 order) goes to the chain cut of
`fpverify.prove.mx_dot_tosa_decompose` on the generator's ports, else the monolithic TOSA miter. A stochastic mode
binds its ``random = r`` input to the reference's random bits (role ``rbits``): the proof covers
every R, and a counterexample shows and replays its R."""

from __future__ import annotations

from ..rounding import Env
from .check import CheckedSpec, Property
from .verdicts import CaseResult


def dot_ports(spec: CheckedSpec, prop: Property) -> dict[str, str | None]:
    """Role -> design port, from the spec's input and output bindings."""
    from ..prove.mx_dot import RAND

    d = prop.dot
    return {"a": spec.inputs[d.a].port, "b": spec.inputs[d.b].port, "scale_a": spec.inputs[d.scale_a].port,
            "scale_b": spec.inputs[d.scale_b].port,
            RAND: spec.inputs[d.random_input].port if d.random_input else RAND,
            "result": spec.outputs[d.output].port, "flags": spec.outputs[d.flags].port if d.flags else None}


def mode_cases(spec: CheckedSpec, d) -> list[tuple]:
    """(Env, {port: value}) per proof: the static mode, or each mode of the rounding input (its
    port held at the mode's code)."""
    from ..rounding import Rounding
    from ..semantics.ports import RM_CODES

    if d.rounding_input is None:
        return [(d.env, {})]
    port = spec.inputs[d.rounding_input].port
    return [(Env(rounding=Rounding(mode)), {port: code}) for mode, code in RM_CODES.items()]


def _prove_tosa(netlist, d, ports: dict, held: dict, solver: str, timeout: float):
    """``y == mx_dot_tosa(...)``: the chain cut on the generator's ports (one lemma per fp32 adder;
    replay and monolithic fallback inside), else the monolithic TOSA miter on the spec's binding."""
    from ..errors import InputError
    from ..prove.mx_dot import RAND, port_binding
    from ..prove.mx_dot_tosa import prove_mx_dot_tosa
    from ..prove.mx_dot_tosa_decompose import prove_mx_dot_tosa_decomposed

    if held:
        raise InputError(f"`mx_dot_tosa` is proved over every input; input(s) {', '.join(held)} are held")
    bound = {k: v for k, v in ports.items() if k != RAND}
    if bound == {k: v for k, v in port_binding(None).items() if k != RAND} and d.k >= 2:
        return prove_mx_dot_tosa_decomposed(netlist, d.elem_a, d.k, elem_b=d.elem_b, solver=solver,
                                            timeout_s=timeout)
    return prove_mx_dot_tosa(netlist, d.elem_a, d.k, elem_b=d.elem_b, solver=solver, timeout_s=timeout,
                             ports=bound)


def elements(word: int, fmt, k: int) -> str:
    """A packed vector as its element values: ``[1.5, -0, ...]``."""
    from ..prove.render import code_text

    w = fmt.width
    return "[" + ", ".join(code_text(fmt, (word >> (i * w)) & ((1 << w) - 1)) for i in range(k)) + "]"


def prove_mx_dot_case(spec: CheckedSpec, netlist, prop: Property, case, *, timeout: float,
                      solver: str) -> CaseResult:
    from ..formats import get_format
    from ..prove.mx_dot import port_binding, prove_mx_dot
    from ..prove.mx_dot_decompose import prove_mx_dot_decomposed
    from ..prove.render import code_text

    d = prop.dot
    ports = dot_ports(spec, prop)
    total = 0.0
    for env, fixed in mode_cases(spec, d):  # one proof per mode of a rounding input, else one
        held = {**spec.held_inputs, **fixed}
        if d.semantics == "tosa":
            r = _prove_tosa(netlist, d, ports, held, solver, timeout)
        elif ports == port_binding(None) and not held:
            # the generator's ports, nothing held: the sum cut (per-term and exact-sum lemmas, the
            # rounding back end on a free sum; monolithic fallback inside) - docs/strategies.md
            r = prove_mx_dot_decomposed(netlist, d.elem_a, d.k, elem_b=d.elem_b, out=d.out_fmt, env=env,
                                        solver=solver, timeout_s=timeout)
        else:
            r = prove_mx_dot(netlist, d.elem_a, d.k, elem_b=d.elem_b, out=d.out_fmt, env=env, solver=solver,
                             timeout_s=timeout, ports=ports, fixed=held)
        total += r.seconds
        if r.status != "PROVED":
            break
    mode = f" (rounding input {d.rounding_input} = {env.rounding})" if d.rounding_input else ""
    how = ""
    if getattr(r, "lemmas", None):
        how = f"{r.strategy}: " + ", ".join(f"{lm.name} {lm.status}" for lm in r.lemmas)
        if r.status == "PROVED":
            how = f"{how}; relies on {len(r.lemmas) - 1} lemmas, each proved in this run"
    message = "; ".join(x for x in (r.message, how) if x) + (mode if r.status != "PROVED" else "")
    out = CaseResult(case.label, r.status, total, solver, message=message)
    if r.inputs is None:
        return out
    names = {p.port: n for n, p in spec.inputs.items()}
    out.inputs = {names.get(k, k): v for k, v in r.inputs.items()}
    out.vectors = [dict(r.inputs)]
    e8m0 = get_format("e8m0")
    decoded = {d.a: f"{out.inputs[d.a]:#x} {elements(out.inputs[d.a], d.elem_a, d.k)}",
               d.b: f"{out.inputs[d.b]:#x} {elements(out.inputs[d.b], d.elem_b, d.k)}",
               d.scale_a: code_text(e8m0, out.inputs[d.scale_a]), d.scale_b: code_text(e8m0, out.inputs[d.scale_b])}
    out.decoded = decoded
    if d.rounding_input:
        decoded[d.rounding_input] = f"{out.inputs[d.rounding_input]} ({env.rounding})"
    if d.random_input:
        decoded[d.random_input] = f"{out.inputs[d.random_input]} (R of {env.rounding})"
    lines = [f"{n} = {v}" for n, v in decoded.items()]
    lines.append(f"golden  {d.output} = {code_text(d.out_fmt, r.golden[0])}"
                 + (f", flags {r.golden[1]:#x}" if d.flags else ""))
    lines.append(f"netlist {d.output} = {code_text(d.out_fmt, r.netlist[0])}"
                 + (f", flags {r.netlist[1]:#x}" if d.flags else ""))
    if r.stages:
        lines.append(f"first failing stage: {r.first_failing}")
        lines += [f"  {s}: expected {w:#x}, got {h:#x}{'  <-' if w != h else ''}" for s, w, h in r.stages]
        out.localisation = {"first_failing": r.first_failing,
                            "stages": [{"stage": s, "expected": w, "actual": h} for s, w, h in r.stages]}
    out.counterexample = "\n".join(lines)
    return out
