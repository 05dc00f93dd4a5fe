"""Fault campaigns on the real generated FP units (rtl/), graded against the golden model.

Oracles: the golden tables/model (properties), exhaustive numpy simulation of every mutant (all
65,536 FP8 operand pairs), and the independent check below that every survivor differs from the
original only in NaN payloads (what a NaN-as-a-class property cannot see).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from fpverify.faults import campaign as camp
from fpverify.faults import equivalence as eq
from fpverify.faults.properties import GoldenEquivalence, OperandClass
from fpverify.formats import get_format
from cli_util import run_cli  # noqa: E402

fp_mul = pytest.importorskip("rtl.fp_mul")


@pytest.fixture(scope="module")
def e4m3_mul():
    from fpverify.hdl.netlist import flatten

    return flatten(fp_mul.FPMultiplier(get_format("e4m3")))


def only_nan_payload_differs(original, mutant, fmt) -> bool:
    v = eq.exhaustive_vectors(original)
    ro, rm = eq.simulate(original, v), eq.simulate(mutant, v)
    diff = np.flatnonzero((ro["result"] != rm["result"]) | (ro["flags"] != rm["flags"]))
    return bool(len(diff)) and all(fmt.is_nan(int(ro["result"][i])) and fmt.is_nan(int(rm["result"][i]))
                                   and ro["flags"][i] == rm["flags"][i] for i in diff)


def test_small_campaign_on_e4m3_multiplier(e4m3_mul):
    fmt = get_format("e4m3")
    prop = GoldenEquivalence("mul", fmt)
    rep = camp.run_campaign(e4m3_mul, [prop], n=30, seed=5, smt=False)
    c = rep.counts
    assert rep.total == 30 and c["EQGAP"] == 0 and c["UNKNOWN"] == 0 and c["KILLED"] > 15
    muts = {m.id: m for m in camp.select_mutants(e4m3_mul, 30, 5, fmt=fmt)}
    for r in rep.results:
        if r.status == "KILLED":  # the counterexample replays in the golden model and differs
            cex = r.counterexample
            assert cex["replayed"] and (cex["expected"] != cex["actual"])
        if r.status == "SURVIVED":
            assert only_nan_payload_differs(e4m3_mul, camp.apply_any(e4m3_mul, muts[r.id], fmt), fmt), r.id
        if r.status == "NOCHANGE":
            mut = camp.apply_any(e4m3_mul, muts[r.id], fmt)
            v = eq.exhaustive_vectors(e4m3_mul)
            assert eq.first_difference(eq.simulate(e4m3_mul, v), eq.simulate(mut, v), ["result", "flags"]) is None


def test_every_semantic_mutant_is_killed(e4m3_mul):
    fmt = get_format("e4m3")
    muts = camp.select_mutants(e4m3_mul, 10, 0, fmt=fmt)
    assert all(m.id.startswith("sem:") for m in muts)
    assert {"sem:sticky_dropped", "sem:ties_away", "sem:bias+1", "sem:ftz", "sem:saturate"} <= {m.id for m in muts}
    rep = camp.run_campaign(e4m3_mul, [GoldenEquivalence("mul", fmt)], mutants=muts, smt=False)
    assert {r.id: r.status for r in rep.results} == {m.id: "KILLED" for m in muts}


def test_weakened_property_lets_mutants_survive(e4m3_mul):
    fmt = get_format("e4m3")
    weak = GoldenEquivalence("mul", fmt, assume=(OperandClass("normal", "a"), OperandClass("normal", "b")))
    rep = camp.run_campaign(e4m3_mul, [weak], n=30, seed=5, smt=False)
    strong = camp.run_campaign(e4m3_mul, [GoldenEquivalence("mul", fmt)], n=30, seed=5, smt=False)
    assert rep.counts["SURVIVED"] > strong.counts["SURVIVED"] and rep.kill_rate < strong.kill_rate
    assert rep.eqgap == 0
    by = {r.id: r for r in rep.results}
    for r in strong.results:  # weakening only ever turns kills into survivors
        if r.status != "KILLED":
            assert by[r.id].status == r.status


def test_operand_class_assumption_masks_match_z3(e4m3_mul):
    import z3

    for name in ("e4m3", "e4m3fn", "e5m2", "e2m1fn", "e4m3fnuz"):
        fmt = get_format(name)
        for cls in ("normal", "subnormal", "zero", "inf", "nan", "finite", "nonzero"):
            oc = OperandClass(cls, "a")
            x = z3.BitVec("x", fmt.width)
            pred = oc.z3(fmt, x)
            codes = np.arange(1 << fmt.width)
            mask = oc.mask(fmt, codes)
            for c in codes:
                assert z3.is_true(z3.simplify(z3.substitute(pred, (x, z3.BitVecVal(int(c), fmt.width))))) == mask[c]


SPEC = """design rtl.fp_mul.FPMultiplier(fmt = e4m3, rounding = rne)
input a, b : e4m3
output y = dut.result : e4m3
output fl = dut.flags
prove y == mul(a, b, rne) with flags fl{assume}
faults {{ mutants 12; seed 2 }}
"""


def test_cli_spec_campaign_and_json(tmp_path, capsys):
    pytest.importorskip("fpverify.dsl")
    spec = tmp_path / "mul.spec"
    spec.write_text(SPEC.format(assume=""))
    js = tmp_path / "r.json"
    code, out, err = run_cli(["faults", str(spec), "--no-smt", "--json", str(js)], capsys)
    rep = json.loads(js.read_text())
    assert rep["requested"] == 12 and rep["seed"] == 2 and rep["eqgap"] == 0
    assert "fault campaign" in out and "kills per property" in out
    assert code == (0 if rep["counts"]["SURVIVED"] == 0 else 1)
    weak = tmp_path / "weak.spec"
    weak.write_text(SPEC.format(assume=" assuming normal(a) and normal(b)").replace("mutants 12", "mutants 30"))
    code, out, err = run_cli(["faults", str(weak), "--no-smt", "--json", str(js)], capsys)
    rep = json.loads(js.read_text())
    assert code == 1 and rep["counts"]["SURVIVED"] > 0 and "not killed" in out


def test_cli_bad_input(tmp_path, capsys):
    pytest.importorskip("fpverify.dsl")
    spec = tmp_path / "mul.spec"
    spec.write_text(SPEC.format(assume=""))
    code, out, err = run_cli(["faults", str(spec), "--operators", "inv,bogus"], capsys)
    assert code == 2 and "bogus" in err and "Traceback" not in err
    code, out, err = run_cli(["faults", str(tmp_path / "missing.spec")], capsys)
    assert code == 2 and "Traceback" not in err
