"""Decomposed proof of a TOSA-order MX block dot unit (`rtl.mx_dot_tosa.MXDotTOSA`): a CHAIN CUT at
every block accumulator instead of one miter.

The unit and the reference (`fpverify.smt.reference.mx_dot_tosa`) compute the same sequence of
fp32 values; each lemma checks one link with the previous value free (all over the same element
and scale inputs; netlist signals are cut by `mx_dot_decompose.cut_to_input`):

* ``head``: no cut. Every product ``tosa_prod{i}`` and its flags ``tosa_prod{i}_flags`` equal the
  reference's `product` (code, flags), and ``tosa_blk0`` equals the reference's +0 + product 0
  (whose flags are 0).
* ``step{i}`` (i = 1 .. k-1): ``tosa_blk{i-1}`` cut to a free f32 code X. The unit's
  ``tosa_blk{i}`` and its adder's flags (``blk_add{i}.flags``) equal the reference's
  ``add(X, product i)`` (code, flags). One fp32 adder pair per lemma.
* ``back``: ``tosa_blk{k-1}`` cut to a free X. ``result`` and ``tosa_back_flags`` equal the
  reference's `scale_back_end(X, scale_a, scale_b)`.
* ``flags``: every part flag signal (``tosa_prod{i}_flags``, ``blk_add{i}.flags``,
  ``tosa_back_flags``) cut to a free value; the ``flags`` port is their OR — the reference's flags
  are, by its construction, the OR of the same parts.

Soundness: instantiate each X with the unit's real value at the cut. By induction over i the
unit's ``tosa_blk{i}`` is the reference's accumulator (``head``, ``step{i}``); then ``back`` gives
the result; the part flags are equal link by link and both sides OR them (``flags``). So every
lemma unsat => the monolithic miter is unsat. A free X may be unreachable, so a sat lemma is
replayed on the model's inputs (evaluator vs golden `mx_dot_tosa_rounded`): a disagreement is
REFUTED and localised; otherwise the proof falls back to the monolithic miter on the time left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import z3

from ..formats import FloatFormat, get_format
from ..hdl.ir import Netlist
from ..rounding import Env
from ..smt.netlist_z3 import translate
from ..smt.reference.add import add
from ..smt.reference.mx_dot_tosa import product, scale_back_end
from .decompose.pool import solve_text
from .mx_dot import FLAG_MASK, DotProof
from .mx_dot_decompose import CutError, cut_to_input
from .mx_dot_tosa import golden_tosa, localise_tosa, prove_mx_dot_tosa
from .obligation import Obligation, conj

F32 = get_format("f32")
CUT = "cut_acc"


@dataclass
class TosaLemma:
    name: str
    status: str  # PROVED | sat | UNKNOWN
    seconds: float


@dataclass
class DecomposedTosaProof(DotProof):
    lemmas: list[TosaLemma] = field(default_factory=list)
    strategy: str = "chain cut"


def _flags(t: z3.BitVecRef) -> z3.BitVecRef:
    return z3.Extract(FLAG_MASK.bit_length() - 1, 0, t)


def tosa_chain_obligations(netlist: Netlist, elem_a: FloatFormat, elem_b: FloatFormat, k: int
                           ) -> list[tuple[Obligation, dict[str, z3.BitVecRef]]]:
    """The lemmas of the chain cut, each with its input variables (see the module docstring)."""
    env = Env()
    wa, wb = elem_a.width, elem_b.width
    out = []

    def setup(nl: Netlist):
        vars_ = {n: z3.BitVec(n, len(v)) for n, v in nl.inputs.items() if len(v)}
        return vars_, translate(nl, vars_)

    def prods(vars_):
        return [product(elem_a, elem_b, z3.Extract((i + 1) * wa - 1, i * wa, vars_["a"]),
                        z3.Extract((i + 1) * wb - 1, i * wb, vars_["b"]), env) for i in range(k)]

    vars_, t = setup(netlist)
    ps = prods(vars_)
    first = add(F32, z3.BitVecVal(F32.zero_code(0), 32), ps[0].code, env)
    goals = [t.signal("tosa_blk0") == first.code, _flags(first.flags) == 0]
    for i, p in enumerate(ps):
        goals += [t.signal(f"tosa_prod{i}") == p.code, _flags(t.signal(f"tosa_prod{i}_flags")) == _flags(p.flags)]
    out.append((Obligation("head", "products and +0 + product 0", [z3.And(first.defined, *[p.defined for p in ps])],
                           conj(goals)), vars_))
    for i in range(1, k):
        nl = cut_to_input(netlist, f"tosa_blk{i - 1}", CUT)
        vars_, t = setup(nl)
        p = prods(vars_)[i]
        s = add(F32, vars_[CUT], p.code, env)
        goals = [t.signal(f"tosa_blk{i}") == s.code, _flags(t.signal(f"blk_add{i}.flags")) == _flags(s.flags)]
        out.append((Obligation(f"step{i}", f"tosa_blk{i} = tosa_blk{i - 1} (free) + product {i}",
                               [p.defined, s.defined], conj(goals)), vars_))
    nl = cut_to_input(netlist, f"tosa_blk{k - 1}", CUT)
    vars_, t = setup(nl)
    back = scale_back_end(vars_[CUT], vars_["scale_a"], vars_["scale_b"], env)
    goals = [t.output("result") == back.code, _flags(t.signal("tosa_back_flags")) == _flags(back.flags)]
    out.append((Obligation("back", "result = scale back end of tosa_blk{k-1} (free)", [back.defined], conj(goals)),
                vars_))
    nl = netlist
    parts = [f"tosa_prod{i}_flags" for i in range(k)] + [f"blk_add{i}.flags" for i in range(1, k)] + ["tosa_back_flags"]
    for j, s in enumerate(parts):
        try:
            nl = cut_to_input(nl, s, f"cut_flags{j}")
        except CutError:  # a constant part: nothing to cut
            pass
    vars_, t = setup(nl)
    total = z3.BitVecVal(0, 5)
    for s in parts:  # the cut signals: free bits, constant bits stay constant
        total = total | _flags(t.signal(s))
    out.append((Obligation("flags", "flags = OR of the part flags", [], _flags(t.output("flags")) == total), vars_))
    return out


def prove_mx_dot_tosa_decomposed(netlist: Netlist, elem_a: FloatFormat, k: int, *,
                                 elem_b: FloatFormat | None = None, solver: str = "bitwuzla",
                                 timeout_s: float = 300) -> DecomposedTosaProof:
    """PROVED when every lemma is unsat; REFUTED (replayed, localised) or the monolithic fallback's
    verdict otherwise. ``timeout_s`` bounds the whole proof."""
    from ..hdl.evaluate import evaluate

    t0 = time.perf_counter()
    elem_b = elem_b or elem_a
    lemmas: list[TosaLemma] = []

    def left() -> float:
        return timeout_s - (time.perf_counter() - t0)

    for ob, vars_ in tosa_chain_obligations(netlist, elem_a, elem_b, k):
        if left() <= 0:
            lemmas.append(TosaLemma(ob.name, "UNKNOWN", 0.0))
            break
        t1 = time.perf_counter()
        answer, model, msg = solve_text(None, solver, left(), ob)
        status = {"unsat": "PROVED", "sat": "sat"}.get(answer, "UNKNOWN")
        lemmas.append(TosaLemma(ob.name, status, time.perf_counter() - t1))
        if status == "PROVED":
            continue
        if status == "sat":  # replay the model's ports on the whole unit
            inputs = {n: int((model or {}).get(n, 0)) % (1 << len(netlist.inputs[n])) for n in netlist.inputs}
            r = evaluate(netlist, {n: np.array([v], dtype=object) for n, v in inputs.items()})
            net = (int(r["result"][0]), int(r["flags"][0]) & FLAG_MASK)
            trace: dict[str, int] = {}
            gold = golden_tosa(elem_a, elem_b, k, inputs, trace)
            if net != gold:
                trace["flags"] = gold[1]
                stages, first = localise_tosa(netlist, k, inputs, trace)
                return DecomposedTosaProof("REFUTED", time.perf_counter() - t0, solver, inputs, net, gold,
                                           f"lemma {ob.name}", first, stages, lemmas)
        break  # sat on an unreachable cut value, or UNKNOWN: the monolithic miter decides
    else:
        return DecomposedTosaProof("PROVED", time.perf_counter() - t0, solver, lemmas=lemmas)
    mono = prove_mx_dot_tosa(netlist, elem_a, k, elem_b=elem_b, solver=solver, timeout_s=max(left(), 1))
    return DecomposedTosaProof(mono.status, time.perf_counter() - t0, solver, mono.inputs, mono.netlist,
                               mono.golden, f"monolithic fallback after lemma {lemmas[-1].name} "
                               f"{lemmas[-1].status}. {mono.message}".strip(), mono.first_failing, mono.stages,
                               lemmas, "chain cut + monolithic fallback")


__all__ = ["DecomposedTosaProof", "TosaLemma", "prove_mx_dot_tosa_decomposed", "tosa_chain_obligations"]
