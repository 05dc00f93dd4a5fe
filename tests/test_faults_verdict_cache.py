"""Mutant verdicts reused between identical campaigns (`fpverify.faults.verdict_cache`).

Oracle: the campaign itself, graded afresh. A reused campaign must report the same verdicts; a
killed verdict whose stored counterexample no longer fails must be graded again; a different
property, or the cache turned off, reuses nothing."""

from __future__ import annotations

import json

from fpverify.faults.campaign import run_campaign
from fpverify.faults.properties import GoldenEquivalence
from fpverify.formats import get_format
from fpverify.hdl.netlist import flatten
from fpverify.prove import cache as proof_cache
from fpverify.rounding import Env, parse_rounding
from rtl.fp_mul import FPMultiplier

FMT = get_format("e2m1fn")


def _campaign(mode: str = "rne"):
    env = Env(parse_rounding(mode))
    # exhaustive simulation decides every FP4 mutant (smt=False keeps the test fast; the SMT
    # checks' answers have their own cache, tests/test_proof_cache*.py)
    return run_campaign(flatten(FPMultiplier(FMT, rounding=mode)), [GoldenEquivalence("mul", FMT, env)], n=12,
                        seed=2, jobs=1, fmt=FMT, timeout_s=30, attribute=False, smt=False)


def _verdicts(rep):
    return [(r.id, r.status, r.killed_by) for r in rep.results]


def test_identical_campaign_reuses_every_verdict(tmp_path):
    with proof_cache.override(True, tmp_path):
        first = _campaign()
        second = _campaign()
    assert _verdicts(first) == _verdicts(second)
    assert not any(r.cached for r in first.results)
    assert all(r.cached for r in second.results) and second.to_json()["from_cache"] == second.total
    assert second.counts["KILLED"] > 0 and second.counts["NOCHANGE"] > 0


def test_a_killed_verdict_that_does_not_replay_is_graded_again(tmp_path):
    import numpy as np

    from fpverify.faults import equivalence as eq
    from fpverify.faults.campaign import prepare, select_mutants

    with proof_cache.override(True, tmp_path):
        first = _campaign()
        killed = next(r for r in first.results if r.status == "KILLED")
        # an input where that mutant is right: its stored counterexample is pointed there
        ctx = prepare(flatten(FPMultiplier(FMT)), [GoldenEquivalence("mul", FMT)], fmt=FMT)
        m = next(m for m in select_mutants(ctx.original, 12, 2, None, FMT, True) if m.id == killed.id)
        out = eq.simulate(ctx.mutant(m), ctx.vectors)
        exp = ctx.expected[0]
        right = (np.asarray(out["result"]) == exp["codes"]) & ((np.asarray(out["flags"]) & 0x1F) == exp["flags"])
        i = int(np.flatnonzero(right)[0])
        for path in (tmp_path / "mutants").rglob("*.json"):
            doc = json.loads(path.read_text())
            if doc["id"] == killed.id:
                doc["counterexample"]["inputs"] = {k: int(v[i]) for k, v in ctx.vectors.items()}
                path.write_text(json.dumps(doc))
        second = _campaign()
    again = next(r for r in second.results if r.id == killed.id)
    assert not again.cached and again.status == "KILLED"  # graded afresh, same verdict
    assert sum(1 for r in second.results if r.cached) == second.total - 1
    assert _verdicts(first) == _verdicts(second)


def test_other_property_or_no_cache_reuses_nothing(tmp_path):
    with proof_cache.override(True, tmp_path):
        _campaign("rne")
        other = _campaign("rtz")
    assert not any(r.cached for r in other.results)
    with proof_cache.override(False, tmp_path):
        off = _campaign("rne")
    assert not any(r.cached for r in off.results)
