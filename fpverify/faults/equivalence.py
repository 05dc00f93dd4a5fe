"""Is a mutant equivalent to the original design? (MCY's first step: NOCHANGE mutants are excluded.)

1. Simulate both netlists on the same vectors with the numpy evaluator: every input combination when
   the inputs have at most ``exhaustive_bits`` bits in total (then the simulation *is* the proof for a
   combinational design), otherwise random vectors plus all-zeros/all-ones corners. A difference gives
   a concrete distinguishing input at once.
2. Otherwise a z3 miter over the two netlists' outputs (shared input variables, so the common logic
   hash-conses and the check is cheap): unsat is EQUIVALENT, sat is DIFFERENT with the model replayed
   on both netlists by the evaluator, unknown/timeout is UNKNOWN (never equivalent).

Outputs are compared bit for bit: a mutant that only changes a NaN payload is *not* equivalent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..hdl.ir import Netlist

EXHAUSTIVE_BITS = 20


@dataclass
class EquivalenceResult:
    status: str  # "EQUIVALENT" | "DIFFERENT" | "UNKNOWN"
    method: str  # "exhaustive-sim" | "random-sim" | "smt" | ...
    seconds: float
    witness: dict[str, int] | None = None  # inputs where outputs differ
    outputs: dict[str, tuple[int, int]] = field(default_factory=dict)  # port -> (original, mutant)
    detail: str = ""

    def to_json(self) -> dict:
        d = {"status": self.status, "method": self.method, "seconds": round(self.seconds, 4)}
        if self.witness is not None:
            d["witness"] = self.witness
            d["outputs"] = {k: {"original": o, "mutant": m} for k, (o, m) in self.outputs.items()}
        if self.detail:
            d["detail"] = self.detail
        return d


def input_bits(netlist: Netlist) -> int:
    return sum(len(v) for v in netlist.inputs.values())


def is_exhaustible(netlist: Netlist, limit: int = EXHAUSTIVE_BITS) -> bool:
    return (input_bits(netlist) <= limit and not netlist.is_sequential
            and not any(c.op == "anyconst" for c in netlist.cells))


def exhaustive_vectors(netlist: Netlist) -> dict[str, np.ndarray]:
    """Every input combination; port k's bits are the next len(port) bits of the vector index (ports
    in declaration order, first port least significant)."""
    total = input_bits(netlist)
    idx = np.arange(1 << total, dtype=np.uint64)
    out, shift = {}, 0
    for name, v in netlist.inputs.items():
        out[name] = (idx >> np.uint64(shift)) & np.uint64((1 << len(v)) - 1)
        shift += len(v)
    return out


def random_vectors(netlist: Netlist, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, v in netlist.inputs.items():
        w = len(v)
        if w <= 63:
            x = rng.integers(0, 1 << w, size=n, dtype=np.uint64)
            x[:4] = np.array([0, (1 << w) - 1, 1, 1 << (w - 1)], dtype=np.uint64)[: min(4, n)] if w else 0
        else:
            x = np.array([int(rng.integers(0, 1 << 62)) << (w - 62) ^ int(rng.integers(0, 1 << 62))
                          for _ in range(n)], dtype=object)
        out[name] = x
    return out


def simulate(netlist: Netlist, vectors: dict[str, np.ndarray], probes=()) -> dict[str, np.ndarray]:
    from ..hdl.evaluate import evaluate

    return evaluate(netlist, vectors, probes=list(probes))


def first_difference(a: dict[str, np.ndarray], b: dict[str, np.ndarray], ports) -> int | None:
    diff = None
    for p in ports:
        d = np.asarray(a[p]) != np.asarray(b[p])
        diff = d if diff is None else (diff | d)
    if diff is None or not diff.any():
        return None
    return int(np.flatnonzero(diff)[0])


def _pick(vectors: dict[str, np.ndarray], i: int) -> dict[str, int]:
    return {k: int(v[i]) for k, v in vectors.items()}


def _replay(original: Netlist, mutant: Netlist, witness: dict[str, int], ports) -> dict[str, tuple[int, int]]:
    vec = {k: np.array([v], dtype=np.uint64 if v < (1 << 63) else object) for k, v in witness.items()}
    ro, rm = simulate(original, vec), simulate(mutant, vec)
    return {p: (int(ro[p][0]), int(rm[p][0])) for p in ports}


def smt_equivalent(original: Netlist, mutant: Netlist, ports, timeout_s: float) -> tuple[str, dict | None, str]:
    """("unsat"|"sat"|"unknown", model inputs or None, detail) for the miter over ``ports``."""
    import z3

    from ..smt.netlist_z3 import translate

    to = translate(original)
    tm = translate(mutant, inputs=dict(to.inputs))
    diffs = [to.outputs[p] != tm.outputs[p] for p in ports]
    s = z3.SolverFor("QF_BV")
    s.set("timeout", max(1, int(timeout_s * 1000)))
    s.add(z3.Or(*diffs) if len(diffs) > 1 else diffs[0])
    r = s.check()
    if r == z3.unsat:
        return "unsat", None, ""
    if r == z3.sat:
        model = s.model()
        wit = {}
        for name, var in to.inputs.items():
            val = model.eval(var, model_completion=True)
            wit[name] = val.as_long()
        return "sat", wit, ""
    why = f"z3: {s.reason_unknown() or 'unknown'}"
    # Bitwuzla second: it decides miters of two near-identical datapaths that z3 gives up on (an
    # MXFP8 dot unit's class-bit mutants: z3 unknown at 300 s, Bitwuzla unsat in 13 s)
    from ..prove.smtlib import check_bitwuzla_terms, missing_solver

    if missing_solver("bitwuzla"):
        return "unknown", None, why
    verdict, model = check_bitwuzla_terms([z3.Or(*diffs) if len(diffs) > 1 else diffs[0]], timeout_s)
    if verdict == "sat":
        return "sat", {name: model.get(str(var), 0) for name, var in to.inputs.items()}, ""
    return verdict, None, f"{why}; bitwuzla: {verdict}" if verdict == "unknown" else ""


def check_equivalence(original: Netlist, mutant: Netlist, *, ports=None, timeout_s: float = 30.0,
                      random_n: int = 4096, seed: int = 0, exhaustive_bits: int = EXHAUSTIVE_BITS,
                      original_outputs: dict[str, np.ndarray] | None = None,
                      vectors: dict[str, np.ndarray] | None = None,
                      mutant_outputs: dict[str, np.ndarray] | None = None,
                      confirm_smt: bool = False) -> EquivalenceResult:
    """Mutant vs original on the output ``ports`` (default: all outputs).

    ``vectors``/``original_outputs``/``mutant_outputs`` let a campaign reuse simulations it has
    already run (they must be the exhaustive or random vectors of this function's own choice).
    With ``confirm_smt``, an exhaustive-simulation EQUIVALENT is also confirmed by the z3 miter
    (a disagreement means an evaluator or translator bug and is reported as UNKNOWN).
    """
    t0 = time.perf_counter()
    ports = list(ports or original.outputs)
    if set(original.inputs) != set(mutant.inputs) or any(len(original.inputs[k]) != len(mutant.inputs[k])
                                                         for k in original.inputs):
        raise ValueError("mutant and original have different input ports")
    exhaustive = is_exhaustible(original, exhaustive_bits)
    if original.is_sequential or mutant.is_sequential:
        return EquivalenceResult("UNKNOWN", "none", 0.0, detail="sequential designs are not supported")
    if vectors is None:
        vectors = exhaustive_vectors(original) if exhaustive else random_vectors(original, random_n, seed)
    ro = original_outputs if original_outputs is not None else simulate(original, vectors)
    rm = mutant_outputs if mutant_outputs is not None else simulate(mutant, vectors)
    i = first_difference(ro, rm, ports)
    method = "exhaustive-sim" if exhaustive else "random-sim"
    if i is not None:
        wit = _pick(vectors, i)
        return EquivalenceResult("DIFFERENT", method, time.perf_counter() - t0, wit,
                                 {p: (int(ro[p][i]), int(rm[p][i])) for p in ports})
    if exhaustive and not confirm_smt:
        return EquivalenceResult("EQUIVALENT", method, time.perf_counter() - t0)
    try:
        verdict, wit, detail = smt_equivalent(original, mutant, ports, timeout_s)
    except ImportError as e:  # translator not available
        if exhaustive:
            return EquivalenceResult("EQUIVALENT", method, time.perf_counter() - t0,
                                     detail=f"SMT confirmation unavailable: {e}")
        return EquivalenceResult("UNKNOWN", method, time.perf_counter() - t0, detail=f"no SMT check: {e}")
    dt = time.perf_counter() - t0
    if verdict == "unsat":
        return EquivalenceResult("EQUIVALENT", method + "+smt" if exhaustive else "smt", dt)
    if verdict == "sat":
        outs = _replay(original, mutant, wit, ports)
        if any(o != m for o, m in outs.values()) and not exhaustive:
            return EquivalenceResult("DIFFERENT", "smt", dt, wit, outs)
        # a model that does not replay, or contradicts exhaustive simulation: a tool bug, never a verdict
        return EquivalenceResult("UNKNOWN", "smt", dt, wit, outs,
                                 detail="miter model does not replay in the evaluator "
                                        "(evaluator/translator disagreement)")
    return EquivalenceResult("UNKNOWN", "smt", dt, detail=f"{detail or 'z3: unknown'} (timeout {timeout_s} s each)")
