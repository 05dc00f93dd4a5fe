"""Campaign classification logic on the hand-built toy netlist of test_faults_mutate.

Oracle: the independent interpreter there (simulation is monkeypatched to it, so these tests do not
depend on the numpy evaluator or z3), and exhaustive truth tables computed here to check each class:
a NOCHANGE mutant must really be equivalent, a SURVIVED one must really differ.
"""

from __future__ import annotations

import numpy as np
import pytest

from fpverify.faults import campaign as camp
from fpverify.faults import equivalence as eq
from fpverify.faults.mutate import apply_mutation, enumerate_mutations
from fpverify.faults.properties import Outcome
from fpverify.hdl.ir import Cell
from test_faults_mutate import ALL_AB, interp, toy, toy_ref


def fake_simulate(netlist, vectors, probes=()):
    names = list(vectors)
    n = len(vectors[names[0]])
    outs = {k: np.zeros(n, dtype=np.uint64) for k in netlist.outputs}
    for i in range(n):
        r = interp(netlist, **{k: int(vectors[k][i]) for k in names})
        for k, v in r.items():
            outs[k][i] = v
    return outs


@pytest.fixture(autouse=True)
def _sim(monkeypatch):
    monkeypatch.setattr(eq, "simulate", fake_simulate)


class ToyProperty:
    """`port` equals toy_ref, optionally only where a < b (a weakened property)."""

    def __init__(self, port, only_lt=False, prove_status=None):
        self.port, self.only_lt, self.prove_status = port, only_lt, prove_status
        self.name = f"{port} ok" + (" assuming a<b" if only_lt else "")

    def expected(self, vectors):
        a, b = vectors["a"].astype(int), vectors["b"].astype(int)
        exp = np.array([toy_ref(x, y)[self.port] for x, y in zip(a, b)])
        return {"codes": exp, "valid": (a < b) if self.only_lt else np.ones(len(a), bool)}

    def concrete(self, vectors, outputs, expected, method):
        bad = (outputs[self.port].astype(int) != expected["codes"]) & expected["valid"]
        if not bad.any():
            return Outcome("PASS", 0, method)
        i = int(np.flatnonzero(bad)[0])
        return Outcome("FAIL", 0, method, counterexample={"inputs": {k: int(v[i]) for k, v in vectors.items()}})

    def prove(self, netlist, timeout_s):
        if self.prove_status:
            return self.prove_status(netlist)
        for a, b in ALL_AB:
            if self.only_lt and not a < b:
                continue
            if interp(netlist, a=a, b=b)[self.port] != toy_ref(a, b)[self.port]:
                return Outcome("FAIL", 0, "toy-prove", lemma=f"{self.port}-lemma",
                               counterexample={"inputs": {"a": a, "b": b}})
        return Outcome("PASS", 0, "toy-prove")


def toy_with_dead_logic():
    nl = toy()
    nl.cells.append(Cell("&", (24, 25), ((2, 3), (6, 7)), src="toy.py:6"))  # drives nothing observable
    nl.signals["dead"] = (24, 25)
    return nl


def truth(nl):
    return [tuple(sorted(interp(nl, a=a, b=b).items())) for a, b in ALL_AB]


def test_strong_properties_kill_every_non_equivalent_mutant():
    nl = toy_with_dead_logic()
    muts = enumerate_mutations(nl)
    rep = camp.run_campaign(nl, [ToyProperty("o"), ToyProperty("eq")], mutants=muts)
    c = rep.counts
    assert rep.total == len(muts) and c["EQGAP"] == 0 and c["UNKNOWN"] == 0
    assert c["SURVIVED"] == 0 and rep.kill_rate == 1.0
    base = truth(nl)
    by_id = {m.id: m for m in muts}
    for r in rep.results:
        same = truth(apply_mutation(nl, by_id[r.id])) == base
        assert (r.status == "NOCHANGE") == same, r.id
        if r.status == "KILLED":
            assert r.killed_by in ("o ok", "eq ok") and r.lemma.endswith("-lemma") and r.counterexample
    assert c["NOCHANGE"] > 0  # e.g. stuck-at on bits that cannot matter
    assert sum(rep.per_property().values()) == c["KILLED"]


def test_weakened_property_leaves_survivors_that_really_differ():
    nl = toy()
    muts = enumerate_mutations(nl)
    rep = camp.run_campaign(nl, [ToyProperty("o", only_lt=True), ToyProperty("eq")], mutants=muts)
    surv = [r for r in rep.results if r.status == "SURVIVED"]
    assert surv and rep.kill_rate < 1.0 and rep.eqgap == 0
    by_id = {m.id: m for m in muts}
    for r in surv:
        mut = apply_mutation(nl, by_id[r.id])
        a, b = r.witness["a"], r.witness["b"]
        assert interp(mut, a=a, b=b) != interp(nl, a=a, b=b)  # the witness replays
        assert a >= b  # the gap is exactly the unassumed region


def test_eqgap_is_detected_and_reported():
    nl = toy_with_dead_logic()

    def flaky(netlist):  # "fails" on any mutated netlist: a broken property setup
        return Outcome("FAIL", 0, "toy", lemma="bogus") if netlist.cells != nl.cells else Outcome("PASS", 0, "toy")
    class SmtOnly:  # no concrete check: only the "SMT" verdict counts
        name = "smt-only"
        prove = staticmethod(lambda netlist, timeout_s: flaky(netlist))
    prop = SmtOnly()
    rep = camp.run_campaign(nl, [prop], mutants=enumerate_mutations(nl, ["const0", "inv"]))
    assert rep.eqgap > 0
    assert all(r.status in ("KILLED", "EQGAP") for r in rep.results)
    base = truth(nl)
    by_id = {m.id: m for m in enumerate_mutations(nl)}
    for r in rep.results:  # EQGAP exactly on the mutants equivalent to the original
        assert (r.status == "EQGAP") == (truth(apply_mutation(nl, by_id[r.id])) == base), r.id


def test_unknown_is_never_counted_as_killed():
    nl = toy()

    def undecided(netlist):
        return Outcome("PASS", 0, "toy") if netlist.cells == nl.cells else Outcome("UNKNOWN", 0, "toy", detail="timeout")
    prop = ToyProperty("eq", prove_status=undecided)
    rep = camp.run_campaign(nl, [prop], mutants=enumerate_mutations(nl, ["opswap"]))
    st = {r.id: r.status for r in rep.results}
    # eq-port mutants are killed by simulation; the rest are undecided by "SMT" -> UNKNOWN, not KILLED
    assert st["c4:opswap:==->!="] == "KILLED"
    assert st["c0:opswap:+->-"] == "UNKNOWN"
    assert rep.counts["UNKNOWN"] == len(rep.results) - 1


def test_original_failing_a_property_is_an_error():
    nl = toy()
    bad = apply_mutation(nl, enumerate_mutations(nl, ["opswap"])[0])
    with pytest.raises(camp.CampaignError, match="original design fails"):
        camp.run_campaign(bad, [ToyProperty("o")], mutants=[])


def test_deterministic_and_parallel_equals_serial():
    nl = toy()
    props = [ToyProperty("o", only_lt=True), ToyProperty("eq")]
    r1 = camp.run_campaign(nl, props, n=25, seed=3)
    r2 = camp.run_campaign(nl, props, n=25, seed=3, jobs=2)
    key = lambda r: [(x.id, x.status, x.killed_by) for x in r.results]  # noqa: E731
    assert key(r1) == key(r2) and len(r1.results) == 25
    assert key(camp.run_campaign(nl, props, n=25, seed=4)) != key(r1)
    j = r1.to_json()
    assert j["counts"] == r1.counts and len(j["mutants"]) == 25 and j["seed"] == 3


def test_interrupt_keeps_partial_results():
    nl = toy()
    seen = []

    def progress(res, done, total):
        seen.append(res.id)
        if done == 5:
            raise KeyboardInterrupt
    rep = camp.run_campaign(nl, [ToyProperty("o"), ToyProperty("eq")], n=20, seed=1, progress=progress)
    assert rep.interrupted and len(rep.results) == 5 and [r.id for r in rep.results] == seen


def test_random_simulation_path_grades_equivalent_mutants_by_smt(monkeypatch):
    """Designs too wide to enumerate are simulated on random vectors; a mutant that matches there is
    then graded by the z3 miter, reusing the mutant's simulated outputs (a path only wide units take,
    forced here by declaring the toy non-exhaustible)."""
    monkeypatch.setattr(eq, "is_exhaustible", lambda *a, **k: False)
    nl = toy_with_dead_logic()
    muts = enumerate_mutations(nl, ["const0", "inv"])
    rep = camp.run_campaign(nl, [ToyProperty("o"), ToyProperty("eq")], mutants=muts)
    base = truth(nl)
    by_id = {m.id: m for m in muts}
    assert rep.counts["NOCHANGE"] > 0
    for r in rep.results:
        assert not any("could not" in n for n in r.notes), r.notes
        equivalent = truth(apply_mutation(nl, by_id[r.id])) == base
        assert (r.status == "NOCHANGE") == equivalent, (r.id, r.status, r.equivalence)
        assert r.status in ("NOCHANGE", "KILLED"), (r.id, r.status)
