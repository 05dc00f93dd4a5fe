"""Mutant-vs-original equivalence with the real numpy evaluator and z3 translator.

Oracle: exhaustive truth tables from the independent interpreter of test_faults_mutate. Both paths
of `check_equivalence` are checked: exhaustive simulation, and random simulation + z3 miter (forced by
``exhaustive_bits=0``), so the SMT verdicts are validated against ground truth on every toy mutant.
"""

from __future__ import annotations

from fpverify.faults.equivalence import check_equivalence
from fpverify.faults.mutate import apply_mutation, enumerate_mutations
from test_faults_campaign_logic import toy_with_dead_logic, truth
from test_faults_mutate import interp


def test_evaluator_agrees_with_the_reference_interpreter_on_every_mutant():
    import numpy as np

    from fpverify.hdl.evaluate import evaluate

    nl = toy_with_dead_logic()
    a = np.repeat(np.arange(16, dtype=np.uint64), 16)
    b = np.tile(np.arange(16, dtype=np.uint64), 16)
    for m in enumerate_mutations(nl):
        mut = apply_mutation(nl, m)
        got = evaluate(mut, {"a": a, "b": b})
        for i in range(0, 256, 7):
            want = interp(mut, a=int(a[i]), b=int(b[i]))
            assert {k: int(got[k][i]) for k in want} == want, m.id


def test_equivalence_verdicts_match_truth_tables_both_ways():
    nl = toy_with_dead_logic()
    base = truth(nl)
    seen = {"EQUIVALENT": 0, "DIFFERENT": 0}
    for m in enumerate_mutations(nl):
        mut = apply_mutation(nl, m)
        same = truth(mut) == base
        sim = check_equivalence(nl, mut)
        smt = check_equivalence(nl, mut, exhaustive_bits=0, random_n=8, seed=1, timeout_s=10)
        assert sim.method == "exhaustive-sim"
        for r in (sim, smt):
            assert r.status == ("EQUIVALENT" if same else "DIFFERENT"), (m.id, r)
            if r.status == "DIFFERENT":  # the witness replays in the independent interpreter
                assert interp(mut, **r.witness) != interp(nl, **r.witness)
        seen[sim.status] += 1
        if same:
            assert smt.method == "smt"
    assert seen["EQUIVALENT"] > 0 and seen["DIFFERENT"] > 0


def test_smt_confirmation_of_exhaustive_equivalence():
    nl = toy_with_dead_logic()
    m = next(m for m in enumerate_mutations(nl) if m.cell == 5)  # mutant in dead logic
    r = check_equivalence(nl, apply_mutation(nl, m), confirm_smt=True)
    assert r.status == "EQUIVALENT" and r.method == "exhaustive-sim+smt"


def test_bitwuzla_decides_the_miter_when_z3_gives_up(monkeypatch):
    """z3 is made to answer unknown; the Bitwuzla second opinion must then give the truth table's
    verdict on every toy mutant (a sat model is replayed on the evaluator before DIFFERENT)."""
    import pytest
    import z3

    pytest.importorskip("bitwuzla")

    class GivesUp:
        def __init__(self, *a, **k):
            pass

        def set(self, *a, **k):
            pass

        def add(self, *a):
            pass

        def check(self):
            return z3.unknown

        def reason_unknown(self):
            return "forced"

    monkeypatch.setattr(z3, "SolverFor", GivesUp)
    nl = toy_with_dead_logic()
    base = truth(nl)
    seen = set()
    for m in enumerate_mutations(nl):
        mut = apply_mutation(nl, m)
        r = check_equivalence(nl, mut, exhaustive_bits=0, random_n=1, seed=3, timeout_s=10)
        if r.method != "smt":
            continue  # the one random vector already told them apart
        want = "EQUIVALENT" if truth(mut) == base else "DIFFERENT"
        assert r.status == want, (m.id, r)
        seen.add(r.status)
    assert seen == {"EQUIVALENT", "DIFFERENT"}  # both Bitwuzla answers were exercised


def test_check_bitwuzla_terms_models_satisfy_the_query():
    """Oracle: z3 evaluates the query under Bitwuzla's model."""
    import pytest
    import z3

    pytest.importorskip("bitwuzla")
    from fpverify.prove.smtlib import check_bitwuzla_terms

    x, y = z3.BitVecs("x y", 8)
    q = [x * y == 35, z3.ULT(x, y), x != 1]
    status, model = check_bitwuzla_terms(q, 10)
    assert status == "sat"
    sub = [(x, z3.BitVecVal(model["x"], 8)), (y, z3.BitVecVal(model["y"], 8))]
    assert all(z3.is_true(z3.simplify(z3.substitute(c, *sub))) for c in q)
    assert check_bitwuzla_terms([x * 2 == 1], 10) == ("unsat", None)
