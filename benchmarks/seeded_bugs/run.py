"""Run one seeded bug: prove (monolithic or decomposed), localise, replay on Amaranth's simulator."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fpverify.formats import get_format
from fpverify.hdl.netlist import flatten
from fpverify.hdl.pysim import port_values, simulate
from fpverify.prove.api import PortMap, prove_equivalence
from fpverify.dsl.proof_strategy import load_strategy
from fpverify.prove.decompose import prove_decomposed
from fpverify.prove.replay import same
from fpverify.rounding import Env, parse_rounding

from .corpus import MONOLITHIC, Entry

__all__ = ["Outcome", "prove_entry", "run_entry", "simulator_replay"]


@dataclass
class Outcome:
    entry: Entry
    verdict: str
    seconds: float
    reported: str | None = None  # first failing stage
    golden_ok: bool = False  # the counterexample replayed (netlist evaluator != golden model)
    sim_ok: bool = False  # Amaranth's simulator agrees with the evaluator, and differs from golden
    failed_lemmas: list[str] = field(default_factory=list)
    counterexample: str = ""
    message: str = ""
    localisation: str = ""

    @property
    def ok(self) -> bool:
        e = self.entry
        return (self.verdict == "REFUTED" and e.expects(self.reported) and self.golden_ok and self.sim_ok
                and (self.failed_lemmas != [] or not e.lemma_only))


def setup(e: Entry):
    """(fmt, env, ports) of an entry's proof."""
    fmt = get_format(e.fmt)
    port = e.rounding == "port"
    env = Env() if port else Env(parse_rounding(e.rounding))
    ports = PortMap(sub="sub" if e.op == "add" else None, rm="rm" if port else None,
                    c="c" if e.op == "fma" else None)
    return fmt, env, ports


def prove_entry(e: Entry, workers: int = 1, solvers=None, timeout_s: float = 600):
    """The proof's result (a `ProofResult` or a `DecomposedResult`) and the localisation."""
    fmt, env, ports = setup(e)
    nl = flatten(e.make())
    if e.strategy == MONOLITHIC:
        r = prove_equivalence(nl, e.op, fmt, env=env, lmul_policy=e.lmul_policy, ports=ports, cycles=e.latency,
                              nan_exact=e.nan_exact, timeout_s=timeout_s, solver=(solvers or ["z3"])[0])
        return r, r.localisation  # prove_equivalence localises every replayed counterexample
    r = prove_decomposed(nl, e.op, fmt, strategy=load_strategy(e.strategy), env=env, lmul_policy=e.lmul_policy, ports=ports,
                         cycles=e.latency, workers=workers, solvers=solvers, timeout_s=timeout_s,
                         nan_exact=e.nan_exact)
    return r, r.localisation


def simulator_replay(e: Entry, cex) -> tuple[bool, str]:
    """Run the counterexample's inputs through Amaranth's simulator on a fresh instance of the
    design: (its outputs equal the netlist evaluator's and differ from the golden model's, detail)."""
    comp = e.make()
    names = port_values(comp)
    vec = {k: v for k, v in cex.inputs.items() if k in names}
    out = simulate(comp, [vec], outputs=["result", "flags"], latency=e.latency)
    sim = (int(out["result"][0]), int(out["flags"][0]))
    fmt = get_format(e.fmt)
    flag_mask = (1 << len(names["flags"])) - 1
    agrees = (sim[0], sim[1] & flag_mask) == (cex.actual_netlist[0], cex.actual_netlist[1] & flag_mask)
    differs = not same(fmt, cex.actual_golden, sim, flag_mask, e.nan_exact)
    return agrees and differs, f"simulator {sim[0]:#x}/{sim[1]:#x}, evaluator {cex.actual_netlist[0]:#x}/" \
        f"{cex.actual_netlist[1]:#x}, golden {cex.actual_golden[0]:#x}/{cex.actual_golden[1]:#x}"


def run_entry(e: Entry, workers: int = 1, solvers=None, timeout_s: float = 600) -> Outcome:
    t0 = time.perf_counter()
    try:
        r, loc = prove_entry(e, workers, solvers, timeout_s)
    except Exception as ex:  # a crash of the tool is a result to report, not to hide
        return Outcome(e, "CRASH", time.perf_counter() - t0, message=f"{type(ex).__name__}: {ex}")
    o = Outcome(e, r.status, time.perf_counter() - t0, message=r.message)
    items = getattr(r, "items", [])
    o.failed_lemmas = [i.name for i in items if i.kind == "lemma" and i.status in ("FAILED", "REFUTED")]
    cex = r.counterexample
    if r.status == "REFUTED" and cex is not None:
        o.golden_ok = cex.replayed and cex.actual_netlist != cex.actual_golden
        o.counterexample = cex.decoded
        o.sim_ok, detail = simulator_replay(e, cex)
        if not o.sim_ok:
            o.message = (o.message + "; " if o.message else "") + detail
    if loc is not None:
        o.reported = loc.first_failing
        o.localisation = loc.text()
    return o
