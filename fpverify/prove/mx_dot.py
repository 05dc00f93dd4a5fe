"""Monolithic equivalence proof of an MX block dot-product unit (`rtl.mx_dot.MXDot`: ports ``a``,
``b``, ``scale_a``, ``scale_b``, [``rbits``], ``result``, ``flags``) against the symbolic reference
`fpverify.smt.reference.mx_dot` (exact sum, one rounding; MX float and MXINT8 elements, a and b
may differ; static rounding). In a
stochastic mode the unit's random-bits port (role ``rbits``) is the reference's R, so the proof
covers every R; the counterexample carries it and golden is replayed with it (``Env.random_bits``).

A sat model is replayed before it is reported: the netlist on the numpy evaluator (Python ints:
ports of any width) and golden `mx_dot_exact` on the model's blocks must disagree (NaN as a class,
the five IEEE flags), else the verdict is ERROR (a tool bug). Specs state it as ``y == mx_dot(a, b, sa, sb, MODE)``
(`fpverify.dsl.prove_mx_dot`), which passes the spec's port binding (``ports``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import z3

from ..errors import InputError
from ..formats import FloatFormat
from ..rounding import Env
from ..smt.netlist_z3 import translate
from ..smt.reference.mx_dot import Element, mx_dot
from ..smt.reference.tapered import unpack_any
from .decompose.pool import solve_text
from .obligation import Obligation, conj
from .replay import evaluate_netlist, premises_hold

FLAG_MASK = 0x1F
PORTS = ("a", "b", "scale_a", "scale_b")
RAND = "rbits"  # the random-bits role of a stochastic unit
ROLES = PORTS + (RAND, "result", "flags")  # a port binding maps these roles to the netlist's port names


@dataclass
class DotProof:
    status: str  # PROVED | REFUTED | UNKNOWN | ERROR
    seconds: float
    solver: str
    inputs: dict[str, int] | None = None  # the replayed counterexample
    netlist: tuple[int, int] | None = None  # (code, flags) on the evaluator
    golden: tuple[int, int] | None = None
    message: str = ""
    first_failing: str | None = None  # the first named stage that differs from the reference (REFUTED)
    stages: list[tuple[str, int, int]] | None = None  # (stage, expected, actual) modulo the signal width

STAGES = ("dot_nan", "dot_scale_exp", "dot_sum", "round_guard", "round_sticky", "round_up", "result",
          "flags")  # pipeline order
# round-stage bits, compared only on the rounding datapath (no NaN, a nonzero exact sum): elsewhere
# the result bypasses the rounder and the two sides need not agree on them
ROUND_STAGES = ("round_guard", "round_sticky", "round_up")
DATAPATH = "dot_datapath"


def port_binding(ports: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """The role -> netlist port map (the generator's names by default; ``flags`` None: no flags)."""
    out = {r: r for r in ROLES}
    out.update(ports or {})
    return out


def dot_obligation(netlist, elem_a: Element, elem_b: Element, k: int, out: FloatFormat, env: Env,
                   ports: dict[str, str | None] | None = None, fixed: dict[str, int] | None = None):
    """(obligation, input variables): result and flags of ``netlist`` equal the reference's.
    ``ports``: role -> netlist port (`port_binding`); ``fixed``: other input ports held at a value
    (premises; e.g. an ``rm`` port at the code of ``env``'s mode)."""
    p = port_binding(ports)
    vars_ = {n: z3.BitVec(n, len(v)) for n, v in netlist.inputs.items() if len(v)}
    terms = translate(netlist, vars_)
    ref = mx_dot(elem_a, elem_b, vars_[p["a"]], vars_[p["b"]], vars_[p["scale_a"]], vars_[p["scale_b"]], k, out, env,
                 rand_term(vars_, p, env))
    code = terms.output(p["result"])
    same = z3.Or(code == ref.code, z3.And(unpack_any(out, code).is_nan, unpack_any(out, ref.code).is_nan))
    goals = [same]
    if p["flags"] is not None:
        goals.append(z3.Extract(4, 0, terms.output(p["flags"])) == z3.Extract(4, 0, ref.flags))
    ob = Obligation(f"{netlist.name}:mx_dot:{elem_a.name}x{elem_b.name}:k{k}->{out.name}:{env.rounding}",
                    "netlist == reference mx_dot (exact sum, one rounding), NaN as a class"
                    + (", IEEE flags" if p["flags"] is not None else ""),
                    [ref.defined] + [vars_[n] == v for n, v in (fixed or {}).items()], conj(goals))
    ob.watch = {**ref.terms, **round_watch(ref.terms), "result": ref.code, "flags": ref.flags}
    return ob, vars_


def round_watch(terms: dict) -> dict:
    """Localisation terms of the rounder from the reference's round terms: guard, sticky (every bit
    below the guard), round up (as the RTL's 1-bit ``round_*`` signals) and the datapath condition."""
    bit1 = lambda b: z3.If(b, z3.BitVecVal(1, 1), z3.BitVecVal(0, 1))  # noqa: E731
    frac = terms["round_frac"]
    below = z3.Or(z3.Extract(frac.size() - 2, 0, frac) != 0, terms["round_sticky"]) if frac.size() > 1 \
        else terms["round_sticky"]
    total = terms["dot_sum"]
    return {"round_guard": bit1(terms["round_guard"]), "round_sticky": bit1(below),
            "round_up": bit1(terms["round_away"]),
            DATAPATH: z3.And(terms["dot_nan"] == 0, total != z3.BitVecVal(0, total.size()))}


def expected_stage(watch: dict, stage: str, subst: list) -> int | None:
    """The reference's value of ``stage`` on the substituted inputs, or None for a round stage off
    the rounding datapath (not compared)."""
    fold = lambda t: z3.simplify(z3.substitute(t, *subst) if subst else t)  # noqa: E731
    if stage in ROUND_STAGES and not z3.is_true(fold(watch[DATAPATH])):
        return None
    return fold(watch[stage]).as_long()


def rand_term(vars_: dict[str, z3.BitVecRef], ports: dict[str, str | None], env: Env) -> z3.BitVecRef | None:
    """The random-bits port variable of a stochastic mode (None: a deterministic mode, or a unit
    without the port, whose reference then takes ``env.random_bits``). InputError when the port is
    not N bits wide."""
    name = ports.get(RAND)
    if not env.rounding.mode.stochastic or name is None or name not in vars_:
        return None
    if vars_[name].size() != env.rounding.nbits:
        raise InputError(f"random-bits port {name} is {vars_[name].size()} bits; {env.rounding} needs "
                         f"{env.rounding.nbits}")
    return vars_[name]


def role_values(inputs: dict[str, int], ports: dict[str, str | None], env: Env) -> dict[str, int]:
    """Netlist port values -> the role values golden reads (a, b, scales; rbits in a stochastic mode)."""
    out = {role: inputs[ports[role]] for role in PORTS}
    if env.rounding.mode.stochastic and ports.get(RAND) in inputs:
        out[RAND] = inputs[ports[RAND]]
    return out


def golden_dot(elem_a, elem_b, k: int, out, env: Env, inputs: dict[str, int]) -> tuple[int, int]:
    """Golden `mx_dot_exact` on one block pair; ``inputs`` keyed by role (a, b, scale_a, scale_b,
    and ``rbits`` in a stochastic mode: R for this one rounding, else ``env.random_bits``)."""
    from ..golden.blocks import MXBlock, mx_dot_exact

    if env.rounding.mode.stochastic and RAND in inputs:
        env = replace(env, random_bits=inputs[RAND])

    def codes(word: int, w: int) -> tuple[int, ...]:
        return tuple((word >> (i * w)) & ((1 << w) - 1) for i in range(k))
    r = mx_dot_exact([MXBlock(inputs["scale_a"], codes(inputs["a"], elem_a.width))],
                     [MXBlock(inputs["scale_b"], codes(inputs["b"], elem_b.width))], elem_a, elem_b, out=out, env=env)
    return r.code, int(r.flags) & FLAG_MASK


def prove_mx_dot(netlist, elem_a: Element, k: int, *, elem_b: Element | None = None,
                 out: FloatFormat, env: Env = Env(), solver: str = "bitwuzla", timeout_s: float = 60,
                 ports: dict[str, str | None] | None = None, fixed: dict[str, int] | None = None,
                 semantics: str = "exact") -> DotProof:
    """``ports``: role -> netlist port name (`port_binding`; default the generator's names);
    ``fixed``: input ports held at a value (`dot_obligation`). The counterexample's ``inputs`` are
    keyed by netlist port. ``semantics="tosa"``: the TOSA fp32 order instead
    (`fpverify.prove.mx_dot_tosa.prove_mx_dot_tosa`; f32 out, RNE, no ``fixed`` ports)."""
    if semantics == "tosa":
        from .mx_dot_tosa import prove_mx_dot_tosa
        if out.name != "f32" or env != Env() or fixed:
            raise InputError("the TOSA order is defined for an f32 output in round-to-nearest-even only")
        return prove_mx_dot_tosa(netlist, elem_a, k, elem_b=elem_b, solver=solver, timeout_s=timeout_s, ports=ports)
    if semantics != "exact":
        raise InputError(f"unknown MX dot semantics {semantics!r} (exact or tosa)")
    t0 = time.perf_counter()
    elem_b = elem_b or elem_a
    p = port_binding(ports)
    ob, vars_ = dot_obligation(netlist, elem_a, elem_b, k, out, env, p, fixed)
    answer, model, msg = solve_text(None, solver, timeout_s, ob)
    if answer == "unsat":
        return DotProof("PROVED", time.perf_counter() - t0, solver)
    if answer != "sat":
        return DotProof("UNKNOWN", time.perf_counter() - t0, solver, message=msg or answer)
    inputs = {n: int((model or {}).get(n, 0)) % (1 << v.size()) for n, v in vars_.items()}
    r = evaluate_netlist(netlist, inputs)  # Python ints: ports wider than 64 bits too
    net_flags = r[p["flags"]] & FLAG_MASK if p["flags"] is not None else 0
    net = (r[p["result"]], net_flags)
    gold = golden_dot(elem_a, elem_b, k, out, env, role_values(inputs, p, env))
    if p["flags"] is None:
        gold = (gold[0], 0)
    same = (net[0] == gold[0] or (out.is_nan(net[0]) and out.is_nan(gold[0]))) and net[1] == gold[1]
    status, why = ("ERROR", "netlist and golden agree on the model (tool bug, not a design bug)") if same else ("REFUTED", "")
    if not premises_hold(ob.premises, vars_, inputs):
        status, why = "ERROR", "the model is outside the property's domain (tool bug, not a design bug)"
    if status == "REFUTED":
        stages, first = localise_dot(netlist, ob, vars_, inputs, p)
        return DotProof(status, time.perf_counter() - t0, solver, inputs, net, gold, why, first, stages)
    return DotProof(status, time.perf_counter() - t0, solver, inputs, net, gold, why)


def localise_dot(netlist, ob: Obligation, vars_, inputs: dict[str, int], ports: dict | None = None):
    """(stage rows, first failing stage): the netlist's named dot stages vs the reference's terms
    (the result and flags stages read the bound ports)."""
    from ..hdl.evaluate import evaluate

    p = port_binding(ports)
    alias = {"result": p["result"], "flags": p["flags"]}
    names = [s for s in STAGES if alias.get(s, s) is not None
             and (alias.get(s, s) in netlist.outputs or _has(netlist, alias.get(s, s)))]
    probes = [alias.get(s, s) for s in names]
    got = evaluate(netlist, {n: np.array([v], dtype=object) for n, v in inputs.items()}, probes=probes)
    subst = [(v, z3.BitVecVal(inputs[n], v.size())) for n, v in vars_.items()]
    rows, first = [], None
    for s in names:
        sig = alias.get(s, s)
        width = len(netlist.outputs[sig]) if sig in netlist.outputs else len(netlist.signal(sig))
        want = expected_stage(ob.watch, s, subst)
        if want is None:
            continue
        want %= 1 << width
        have = next(int(v[0]) for k, v in got.items() if k == sig or k.endswith("." + sig)) % (1 << width)
        if s == "flags":
            want, have = want & FLAG_MASK, have & FLAG_MASK
        rows.append((s, want, have))
        if want != have and first is None:
            first = s
    return rows, first


def _has(netlist, name: str) -> bool:
    try:
        netlist.signal(name)
        return True
    except KeyError:
        return False


__all__ = ["DotProof", "dot_obligation", "golden_dot", "localise_dot", "port_binding", "prove_mx_dot", "rand_term",
           "role_values", "round_watch", "expected_stage", "RAND", "ROLES", "STAGES", "ROUND_STAGES"]
