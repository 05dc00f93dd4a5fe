"""MX dot unit (rtl.mx_dot.MXDot) proved against the symbolic reference
`fpverify.smt.reference.mx_dot`; the reference itself checked against golden `mx_dot_exact`.
Seeded bugs (benchmarks/seeded_bugs/mx_dot.py) must be REFUTED with a counterexample on which the
netlist evaluator and golden disagree (recomputed here). k = 4 E4M3 timings: benchmarks/."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest
import z3

from fpverify.formats import get_format
from fpverify.golden.blocks import MXBlock, mx_dot_exact
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.prove.mx_dot import golden_dot, prove_mx_dot
from fpverify.rounding import Env, parse_rounding
from fpverify.smt.reference.mx_dot import mx_dot

from rtl.mx_dot import MXDot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.mx_dot import NanScaleIgnoredMXDot, ScaleBiasOffByOneMXDot  # noqa: E402

F32 = get_format("f32")


@pytest.mark.parametrize("elem,k,mode", [("e2m1fn", 4, "rne"), ("e4m3fn", 2, "rtz"), ("e5m2", 2, "rup")])
def test_reference_matches_golden_on_samples(elem, k, mode):
    fmt, env = get_format(elem), Env(parse_rounding(mode))
    a, b = z3.BitVec("a", k * fmt.width), z3.BitVec("b", k * fmt.width)
    sa, sb = z3.BitVec("sa", 8), z3.BitVec("sb", 8)
    ref = mx_dot(fmt, fmt, a, b, sa, sb, k, F32, env)
    rng = random.Random(7)
    for _ in range(60):
        ca = tuple(rng.randrange(1 << fmt.width) for _ in range(k))
        cb = tuple(rng.randrange(1 << fmt.width) for _ in range(k))
        s1, s2 = (rng.choice([rng.randrange(256), 127, 0, 1, 254, 255]) for _ in range(2))
        word = lambda cs: sum(c << (i * fmt.width) for i, c in enumerate(cs))  # noqa: E731
        sub = [(a, z3.BitVecVal(word(ca), a.size())), (b, z3.BitVecVal(word(cb), b.size())),
               (sa, z3.BitVecVal(s1, 8)), (sb, z3.BitVecVal(s2, 8))]
        code = z3.simplify(z3.substitute(ref.code, *sub)).as_long()
        flags = z3.simplify(z3.substitute(ref.flags, *sub)).as_long() & 0x1F
        g = mx_dot_exact([MXBlock(s1, ca)], [MXBlock(s2, cb)], fmt, out=F32, env=env)
        assert code == g.code or (F32.is_nan(code) and F32.is_nan(g.code)), (ca, cb, s1, s2)
        assert flags == int(g.flags) & 0x1F, (ca, cb, s1, s2)


def test_fp4_k1_proves():
    fmt = get_format("e2m1fn")
    r = prove_mx_dot(flatten(MXDot("e2m1fn", k=1)), fmt, 1, out=F32, solver="bitwuzla", timeout_s=60)
    assert r.status == "PROVED", r.message


@pytest.mark.slow  # ~6 s
def test_fp4_k2_proves():
    fmt = get_format("e2m1fn")
    r = prove_mx_dot(flatten(MXDot("e2m1fn", k=2)), fmt, 2, out=F32, solver="bitwuzla", timeout_s=120)
    assert r.status == "PROVED", r.message


@pytest.mark.parametrize("bug", [ScaleBiasOffByOneMXDot, NanScaleIgnoredMXDot])
def test_seeded_bugs_refuted_and_replayed(bug):
    fmt, k = get_format("e2m1fn"), 2
    unit = bug("e2m1fn", k=k)
    r = prove_mx_dot(flatten(unit), fmt, k, out=F32, solver="bitwuzla", timeout_s=60)
    assert r.status == "REFUTED", r.message
    out = evaluate(flatten(unit), {n: np.array([v], dtype=np.uint64) for n, v in r.inputs.items()})
    net = (int(out["result"][0]), int(out["flags"][0]) & 0x1F)
    gold = golden_dot(fmt, fmt, k, F32, Env(), r.inputs)
    assert net != gold and (net, gold) == (r.netlist, r.golden)
    if bug is NanScaleIgnoredMXDot:
        assert 0xFF in (r.inputs["scale_a"], r.inputs["scale_b"])
    assert r.first_failing == ("dot_nan" if bug is NanScaleIgnoredMXDot else "dot_scale_exp"), r.stages


def test_campaign_property_kills_and_grades_by_proof():
    """`faults.mx_dot_property` in a campaign on the FP4 k = 1 unit. Oracles: golden mx_dot_exact for
    simulation, the monolithic proof for what simulation misses; the seeded scale-bias bug must be
    killed with a replayed counterexample, and no mutant may survive the proof."""
    from fpverify.faults.campaign import run_campaign
    from fpverify.faults.mx_dot_property import MXDotEquivalence

    prop = MXDotEquivalence("e2m1fn", 1, "f32")
    rep = run_campaign(flatten(MXDot("e2m1fn", k=1)), [prop], n=6, seed=3, jobs=1, timeout_s=60)
    assert rep.counts["SURVIVED"] == 0 and rep.counts["EQGAP"] == 0 and rep.counts["KILLED"] >= 4
    bug = flatten(ScaleBiasOffByOneMXDot("e2m1fn", k=1))
    out = prop.concrete(*_simulated(bug, prop), "random-sim")
    assert out.status == "FAIL" and out.counterexample["replayed"]
    assert "golden" in out.counterexample["decoded"]
    assert prop.prove(bug, 60).status == "FAIL"


def _simulated(netlist, prop):
    from fpverify.faults import equivalence as eq

    vectors = eq.random_vectors(netlist, 512, 1)
    return vectors, eq.simulate(netlist, vectors), prop.expected(vectors)
