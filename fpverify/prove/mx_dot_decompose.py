"""Decomposed proof of an MX block dot unit (`rtl.mx_dot.MXDot`): a SUM CUT instead of one miter.

Both the netlist and the reference (`fpverify.smt.reference.mx_dot`) place every product in an
exact fixed-point frame starting at the smallest product LSB and add the signed terms exactly, so
their sums are the same integer (the RTL's frame is narrower; the values agree after sign
extension). Obligations, all proved in the same run and listed in the result:

* ``term{i}`` (one per element pair): the netlist's aligned product ``dot_term{i}`` equals the
  reference's (zero-extended to a common width) and is at most ``max_a * max_b`` in units of the
  frame LSB (``min_subnormal_a * min_subnormal_b``; an MXINT8 element counts in 2^-6 up to
  |-128|, `element_max_units`). One small multiplier and one shifter each.
* ``sum``: with every ``dot_term{i}`` replaced by a free ``T_i`` on BOTH sides (the netlist's
  nets re-driven from a new input port, the reference's term substituted by the same value), the
  netlist's ``dot_sum`` equals the reference's exact sum (sign-extended) and lies within
  ``k * max_a * max_b`` (each ``T_i`` within ``max_a * max_b``, what ``term{i}`` proves). Adders
  and negations only: the two adder trees (balanced vs left to right) over free terms.
* ``back end``: the netlist with ``dot_sum`` replaced by a free ``S`` against the reference with
  its sum replaced by ``S`` sign-extended, ``S`` within that bound: specials (NaN scale, NaN/Inf
  elements, zero), normalisation, scale exponent, rounding, packing and flags — no multiplier left.
  In a stochastic mode the unit's ``rbits`` port is the reference's R on both sides of every
  obligation (the rounding of the free sum takes the same random bits), so each lemma covers
  every R.

Soundness: instantiate ``T_i`` with the netlist's real aligned products (``term{i}`` makes the
reference's terms the same value) and ``S`` with the netlist's real sum (``sum`` makes the
reference's sum that value): the back-end miter is then the monolithic miter. A cut reads the
netlist signal's nets through a new port, so every reader of the signal (and only those) sees the
free value. No case split: nothing to cover.

A sat lemma is replayed (the model's ports on the evaluator and golden `mx_dot_exact`): a
disagreement is REFUTED and localised. A failed ``term{i}`` whose model hides the wrong product
(e.g. both scales 0 flush both results to +0) is shown by the miter with the model's elements
held (scales free). Otherwise (the free cut value was unreachable, no scale shows it), or on an
UNKNOWN lemma, the proof falls back to the monolithic miter on the time left. Never PROVED
unless every obligation is unsat. A lifted model keeps the scales and the random bits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import z3

from ..formats import FloatFormat
from ..hdl.ir import CONST0, CONST1, Netlist
from ..rounding import Env
from ..smt.netlist_z3 import translate
from ..smt.reference.mx_dot import Element, element_max_units, mx_dot
from ..smt.reference.tapered import unpack_any
from .decompose.pool import solve_text
from .mx_dot import (
    FLAG_MASK, RAND, STAGES, DotProof, dot_obligation, expected_stage, golden_dot, localise_dot, port_binding,
    prove_mx_dot, rand_term, role_values,
)
from .obligation import Obligation, conj
from .replay import evaluate_netlist, premises_hold

SUM, TERM = "dot_sum", "dot_term{}"
BLOCKED_SUMS = 4  # back-end models with an unreachable free sum blocked before the monolithic fallback


class CutError(ValueError):
    """The sum cut does not apply to this netlist (a signal missing, or a product read around the cut)."""


@dataclass
class Lemma:
    name: str
    status: str  # PROVED | FAILED (sat) | UNKNOWN | SKIPPED
    seconds: float
    message: str = ""


@dataclass
class DecomposedDotProof(DotProof):
    lemmas: list[Lemma] = field(default_factory=list)
    strategy: str = "sum cut"  # or "sum cut -> monolithic" after a fallback


def cut_to_input(netlist: Netlist, signal: str, port: str) -> Netlist:
    """A copy of ``netlist`` whose readers of ``signal``'s nets read a new input ``port`` instead
    (constant bits stay constant: the port's bits there are unused)."""
    nets = netlist.signal(signal)
    base = netlist.num_nets
    fresh = {n: base + j for j, n in enumerate(nets) if n not in (CONST0, CONST1)}
    if not fresh:
        raise CutError(f"cut {signal}: the signal is constant")

    def sub(v):
        return tuple(fresh.get(n, n) for n in v)
    cells = [replace(c, args=tuple(sub(a) for a in c.args)) if any(n in fresh for a in c.args for n in a) else c
             for c in netlist.cells]
    inputs = dict(netlist.inputs)
    inputs[port] = tuple(base + j for j in range(len(nets)))
    return Netlist(name=netlist.name, inputs=inputs, outputs={k: sub(v) for k, v in netlist.outputs.items()},
                   signals={k: sub(v) for k, v in netlist.signals.items()}, cells=cells, signed=dict(netlist.signed))


def _sext(t: z3.BitVecRef, w: int) -> z3.BitVecRef:
    return t if t.size() == w else z3.SignExt(w - t.size(), t)


def _zext(t: z3.BitVecRef, w: int) -> z3.BitVecRef:
    return t if t.size() == w else z3.ZeroExt(w - t.size(), t)


def _as(ref_term: z3.BitVecRef, value: z3.BitVecRef, signed: bool) -> z3.BitVecRef:
    """``value`` (a netlist-width term) extended, then cut to ``ref_term``'s width."""
    w = max(ref_term.size(), value.size())
    v = _sext(value, w) if signed else _zext(value, w)
    return z3.Extract(ref_term.size() - 1, 0, v)


def _same_value(net: z3.BitVecRef, ref: z3.BitVecRef, signed: bool) -> z3.BoolRef:
    w = max(net.size(), ref.size())
    ext = _sext if signed else _zext
    return ext(net, w) == ext(ref, w)


def _within(t: z3.BitVecRef, bound: int) -> z3.BoolRef:
    """-bound <= t <= bound, ``t`` signed."""
    w = max(t.size(), bound.bit_length()) + 2
    v = _sext(t, w)
    return z3.And(v <= z3.BitVecVal(bound, w), v >= z3.BitVecVal(-bound, w))


def _has_mul(e: z3.ExprRef) -> bool:
    seen, todo = set(), [e]
    while todo:
        t = todo.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        if z3.is_app_of(t, z3.Z3_OP_BMUL):
            return True
        todo.extend(t.children())
    return False


def dot_obligations(netlist: Netlist, elem_a: Element, elem_b: Element, k: int, out: FloatFormat,
                    env: Env) -> tuple[list[Obligation], dict[str, z3.BitVecRef]]:
    """(the sum-cut obligations ``term{i}``..., ``sum``, ``back end``; the design's port variables)."""
    vars_ = {n: z3.BitVec(n, len(v)) for n, v in netlist.inputs.items() if len(v)}
    ports = [vars_[p] for p in ("a", "b", "scale_a", "scale_b")]
    ref = mx_dot(elem_a, elem_b, *ports, k, out, env, rand_term(vars_, port_binding(None), env))
    name = f"{netlist.name}:mx_dot:{elem_a.name}x{elem_b.name}:k{k}->{out.name}:{env.rounding}"
    obs = []
    full = translate(netlist, vars_)
    # the largest product in units of the frame LSB (float: the two smallest subnormals' product;
    # MXINT8: 2^-6, its largest magnitude |-128|)
    top = element_max_units(elem_a) * element_max_units(elem_b)
    for i in range(k):
        t = TERM.format(i)
        obs.append(Obligation(f"{name}:term{i}", f"netlist {t} == reference {t} (aligned product magnitude), "
                              f"{t} <= {top}", [ref.defined],
                              conj([_same_value(full.signal(t), ref.terms[t], signed=False),
                                    _within(_zext(full.signal(t), full.signal(t).size() + 1), top)])))
    # sum: every aligned product cut on both sides
    cut_terms, subst = netlist, []
    for i in range(k):
        cut_terms = cut_to_input(cut_terms, TERM.format(i), f"cut_{TERM.format(i)}")
    cuts = [f"cut_{TERM.format(i)}" for i in range(k)]
    tv = {**vars_, **{c: z3.BitVec(c, len(cut_terms.inputs[c])) for c in cuts}}
    tt = translate(cut_terms, tv)
    for i in range(k):
        t = TERM.format(i)
        subst.append((ref.terms[t], _as(ref.terms[t], tt.signal(t), signed=False)))
    ref_sum = z3.substitute(ref.terms[SUM], *subst)
    net_sum = tt.signal(SUM)
    if _has_mul(net_sum) or _has_mul(ref_sum):
        raise CutError("a product survives the term cut")
    bound = k * top
    term_ranges = [_within(_zext(tt.signal(TERM.format(i)), len(netlist.signal(TERM.format(i))) + 1), top)
                   for i in range(k)]
    obs.append(Obligation(f"{name}:sum", "netlist dot_sum == reference exact sum, |dot_sum| <= k * the largest "
                          "product; aligned products free within the largest product", [ref.defined, *term_ranges],
                          conj([_same_value(net_sum, ref_sum, signed=True), _within(net_sum, bound)])))
    # back end: the sum cut on both sides
    cut_sum = cut_to_input(netlist, SUM, "cut_dot_sum")
    sv = {**vars_, "cut_dot_sum": z3.BitVec("cut_dot_sum", len(cut_sum.inputs["cut_dot_sum"]))}
    st = translate(cut_sum, sv)
    pair = (ref.terms[SUM], _as(ref.terms[SUM], st.signal(SUM), signed=True))
    ref_code, ref_flags = z3.substitute(ref.code, pair), z3.substitute(ref.flags, pair)
    code = st.output("result")
    if _has_mul(code) or _has_mul(ref_code) or _has_mul(ref_flags) or _has_mul(st.output("flags")):
        raise CutError("a product survives the sum cut")
    same = z3.Or(code == ref_code, z3.And(unpack_any(out, code).is_nan, unpack_any(out, ref_code).is_nan))
    flags = z3.Extract(4, 0, st.output("flags")) == z3.Extract(4, 0, ref_flags)
    obs.append(Obligation(f"{name}:back end", "netlist == reference with the exact sum free (specials, "
                          "normalise, scale, round, pack, flags)", [ref.defined, _within(sv["cut_dot_sum"], bound)],
                          conj([same, flags])))
    return obs, vars_


def prove_mx_dot_decomposed(netlist: Netlist, elem_a: Element, k: int, *, elem_b: Element | None = None,
                            out: FloatFormat, env: Env = Env(), solver: str = "bitwuzla",
                            timeout_s: float = 60) -> DecomposedDotProof:
    """Sum-cut proof of ``netlist`` (an `rtl.mx_dot.MXDot`) against the reference; ``timeout_s``
    bounds the whole run (lemmas, then a monolithic fallback on the time left)."""
    t0 = time.perf_counter()
    elem_b = elem_b or elem_a
    lemmas: list[Lemma] = []
    why = ""
    try:
        obs, vars_ = dot_obligations(netlist, elem_a, elem_b, k, out, env)
    except (CutError, KeyError) as e:  # not a design bug: prove it whole
        obs, why = [], f"sum cut not applicable ({e})"
    for ob in obs[-1:] + obs[:-1]:  # the back end first: a bug in the rounding half refutes at once
        left = timeout_s - (time.perf_counter() - t0)
        label = ob.name.rsplit(":", 1)[1]
        if left <= 0:
            lemmas.append(Lemma(label, "SKIPPED", 0.0, "no time left"))
            continue
        t1 = time.perf_counter()
        answer, model, msg = solve_text(None, solver, left, ob)
        for _ in range(BLOCKED_SUMS if answer == "sat" and "cut_dot_sum" in (model or {}) else 0):
            inputs = {n: int((model or {}).get(n, 0)) % (1 << v.size()) for n, v in vars_.items()}
            if _replay(netlist, elem_a, elem_b, k, out, env, inputs) is not None:
                break  # the model's own elements already show the bug
            if _lift(netlist, vars_, inputs, int(model["cut_dot_sum"]), solver, left - (time.perf_counter() - t1)):
                break  # a reachable sum: replayed below
            cut = z3.BitVec("cut_dot_sum", len(netlist.signal(SUM)))  # unreachable: block it, ask again
            ob = Obligation(ob.name, ob.description, [*ob.premises, cut != model["cut_dot_sum"]], ob.goal)
            answer, model, msg = solve_text(None, solver, left - (time.perf_counter() - t1), ob)
            if answer != "sat":  # all models so far were unreachable sums: not a proof, fall back
                answer, msg = "unknown", "back end refuted only by unreachable sums"
                break
        dt = time.perf_counter() - t1
        if answer == "unsat":
            lemmas.append(Lemma(label, "PROVED", dt))
            continue
        if answer != "sat":
            lemmas.append(Lemma(label, "UNKNOWN", dt, msg or answer))
            why = f"lemma {label} UNKNOWN"
            break
        lemmas.append(Lemma(label, "FAILED", dt))
        inputs = {n: int((model or {}).get(n, 0)) % (1 << v.size()) for n, v in vars_.items()}
        refuted = _replay(netlist, elem_a, elem_b, k, out, env, inputs)
        if refuted is None and "cut_dot_sum" in (model or {}):
            lifted = _lift(netlist, vars_, inputs, int(model["cut_dot_sum"]), solver, left - dt)
            refuted = _replay(netlist, elem_a, elem_b, k, out, env, lifted) if lifted else None
        if refuted is None and label.startswith("term"):  # a wrong product the model's scales hide
            shown = _show_elements(netlist, elem_a, elem_b, k, out, env, inputs, solver, left - dt)
            refuted = _replay(netlist, elem_a, elem_b, k, out, env, shown) if shown else None
        if refuted is not None:
            refuted.seconds, refuted.lemmas, refuted.solver = time.perf_counter() - t0, lemmas, solver
            return refuted
        why = f"lemma {label} failed on a model that is not a counterexample (free cut value)"
        break
    else:
        if lemmas and all(lm.status == "PROVED" for lm in lemmas):
            return DecomposedDotProof("PROVED", time.perf_counter() - t0, solver, lemmas=lemmas)
        why = why or "out of time"
    left = timeout_s - (time.perf_counter() - t0)
    if left <= 0:
        return DecomposedDotProof("UNKNOWN", time.perf_counter() - t0, solver, message=why, lemmas=lemmas)
    mono = prove_mx_dot(netlist, elem_a, k, elem_b=elem_b, out=out, env=env, solver=solver, timeout_s=left)
    return DecomposedDotProof(mono.status, time.perf_counter() - t0, solver, mono.inputs, mono.netlist, mono.golden,
                              f"{why}; monolithic fallback: {mono.message}".rstrip("; "), mono.first_failing,
                              mono.stages, lemmas, "sum cut -> monolithic")


def _lift(netlist: Netlist, vars_, inputs: dict[str, int], total: int, solver: str,
          timeout_s: float) -> dict[str, int] | None:
    """Elements whose real ``dot_sum`` is the back-end model's free sum, the scales and random bits
    kept and ``dot_nan`` as on the model (a NaN/Inf element would hide the rounding), i.e. a model
    of the back end lifted to the design's ports, or None."""
    if timeout_s <= 0:
        return None
    t = translate(netlist, vars_)
    s = t.signal(SUM)
    kept = ("scale_a", "scale_b", RAND)
    fixed = [vars_[p] == inputs[p] for p in kept if p in vars_]
    try:
        nan = t.signal("dot_nan")
    except KeyError:
        nan = None
    if nan is not None:
        on_model = z3.substitute(nan, *[(v, z3.BitVecVal(inputs[n], v.size())) for n, v in vars_.items()])
        fixed.append(nan == z3.simplify(on_model))
    ob = Obligation("lift", "elements reaching the cut sum", [*fixed, s == z3.BitVecVal(total, s.size())],
                    z3.BoolVal(False))
    answer, model, _ = solve_text(None, solver, min(timeout_s, 30), ob)
    if answer != "sat":
        return None
    return {**inputs, **{n: int((model or {}).get(n, 0)) % (1 << v.size()) for n, v in vars_.items()
                         if n not in kept}}


def _show_elements(netlist: Netlist, elem_a, elem_b, k: int, out, env: Env, inputs: dict[str, int], solver: str,
                   timeout_s: float) -> dict[str, int] | None:
    """Scales (and random bits) under which the failed term lemma's elements give a wrong result:
    the monolithic miter with ``a`` and ``b`` held at the model's codes (every product a constant,
    so only the back end is left to solve), or None when no scale shows them."""
    if timeout_s <= 0:
        return None
    ob, ports = dot_obligation(netlist, elem_a, elem_b, k, out, env, fixed={"a": inputs["a"], "b": inputs["b"]})
    answer, model, _ = solve_text(None, solver, min(timeout_s, 30), ob)
    if answer != "sat":
        return None
    return {n: int((model or {}).get(n, 0)) % (1 << v.size()) for n, v in ports.items()}


def localise_folded(netlist: Netlist, ob: Obligation, ports, inputs: dict[str, int]):
    """`localise_dot` by z3 constant folding (any port width): (stage rows, first failing stage)."""
    t = translate(netlist, {n: inputs[n] for n in ports})
    subst = [(v, z3.BitVecVal(inputs[n], v.size())) for n, v in ports.items()]
    rows, first = [], None
    for st in STAGES:
        try:
            term = t.output(st) if st in netlist.outputs else t.signal(st)
        except KeyError:
            continue
        mask = FLAG_MASK if st == "flags" else (1 << term.size()) - 1
        want = expected_stage(ob.watch, st, subst)
        if want is None:
            continue
        want &= mask
        have = z3.simplify(term).as_long() & mask
        rows.append((st, want, have))
        if want != have and first is None:
            first = st
    return rows, first


def _replay(netlist, elem_a, elem_b, k, out, env, inputs) -> DecomposedDotProof | None:
    """REFUTED (replayed, localised) when netlist and golden disagree on ``inputs``, else None."""
    ob, ports = dot_obligation(netlist, elem_a, elem_b, k, out, env)
    if not premises_hold(ob.premises, ports, inputs):
        return None
    r = evaluate_netlist(netlist, inputs)
    net = (r["result"], r["flags"] & FLAG_MASK)
    gold = golden_dot(elem_a, elem_b, k, out, env, role_values(inputs, port_binding(None), env))
    if (net[0] == gold[0] or (out.is_nan(net[0]) and out.is_nan(gold[0]))) and net[1] == gold[1]:
        return None
    stages, first = localise_dot(netlist, ob, ports, inputs)  # Python-int vectors: any port width
    return DecomposedDotProof("REFUTED", 0.0, "", inputs, net, gold, "", first, stages)


__all__ = ["CutError", "DecomposedDotProof", "Lemma", "cut_to_input", "dot_obligations", "localise_folded",
           "prove_mx_dot_decomposed"]
