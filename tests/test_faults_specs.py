"""Exact NaN encoding (`with exact nan` / `nan_exact=True`) and the fault campaigns of the shipped specs.

Oracles: exhaustive simulation of the original and mutant netlists (which codes differ), the golden
model's canonical NaN (`fmt.nan_code(0)`), and, for the slow campaigns, the MCY target of docs/faults.md:
every non-equivalent mutant killed and EQGAP 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fpverify.faults import equivalence as eq
from fpverify.faults import mutate
from fpverify.faults.properties import GoldenEquivalence, PortValue
from fpverify.formats import get_format

fp_mul = pytest.importorskip("rtl.fp_mul")

SPECS = Path(__file__).resolve().parent.parent / "specs"
FP8_SPECS = ["e4m3fn_mul", "e4m3fn_add", "e5m2_mul", "e5m2_add", "e4m3fn_lmul", "e5m2_lmul", "fp4_mul"]
NAN_MUTANT = "c123.in1:const:-1"  # E4M3 multiplier: the special-result NaN code 0x7C -> 0x7B


@pytest.fixture(scope="module")
def e4m3_pair():
    from fpverify.hdl.netlist import flatten

    fmt = get_format("e4m3")
    net = flatten(fp_mul.FPMultiplier(fmt))
    try:
        m = mutate.find_mutation(net, NAN_MUTANT)
    except Exception:  # the generator changed shape: find the mutant by what it does
        pytest.skip(f"{NAN_MUTANT} no longer exists in the E4M3 multiplier")
    mutant = mutate.apply_mutation(net, m)
    v = eq.exhaustive_vectors(net)
    ro, rm = eq.simulate(net, v), eq.simulate(mutant, v)
    diff = np.flatnonzero(ro["result"] != rm["result"])
    # the precondition of the tests below: only the NaN encoding changes
    assert len(diff) and all(fmt.is_nan(int(ro["result"][i])) and fmt.is_nan(int(rm["result"][i])) for i in diff)
    assert (ro["flags"] == rm["flags"]).all()
    assert set(int(x) for x in ro["result"][diff]) == {fmt.nan_code(0)}
    return fmt, net, mutant, v


def test_nan_payload_mutant_survives_class_comparison_and_dies_exact(e4m3_pair):
    fmt, net, mutant, v = e4m3_pair
    loose, exact = GoldenEquivalence("mul", fmt), GoldenEquivalence("mul", fmt, nan_exact=True)
    assert "exact nan" in exact.name
    out_net, out_mut = eq.simulate(net, v), eq.simulate(mutant, v)
    e = loose.expected(v)
    assert loose.concrete(v, out_net, e, "exhaustive-sim").status == "PASS"
    assert exact.concrete(v, out_net, e, "exhaustive-sim").status == "PASS"
    assert loose.concrete(v, out_mut, e, "exhaustive-sim").status == "PASS"
    o = exact.concrete(v, out_mut, e, "exhaustive-sim")
    assert o.status == "FAIL" and o.counterexample["replayed"]
    assert o.counterexample["expected"]["code"] == fmt.nan_code(0)


def test_prove_equivalence_nan_exact(e4m3_pair):
    from fpverify.prove.api import prove_equivalence

    fmt, net, mutant, _ = e4m3_pair
    assert prove_equivalence(net, "mul", fmt, nan_exact=True, timeout_s=60).status == "PROVED"
    assert prove_equivalence(mutant, "mul", fmt, timeout_s=60).status == "PROVED"
    r = prove_equivalence(mutant, "mul", fmt, nan_exact=True, timeout_s=60)
    assert r.status == "REFUTED" and r.counterexample.replayed
    assert r.counterexample.actual_golden[0] == fmt.nan_code(0) and r.counterexample.actual_netlist[0] != fmt.nan_code(0)
    assert "exact NaN encoding" in r.obligation.description


def test_dsl_exact_nan_reaches_equivalence_and_campaign():
    from fpverify.cli_faults import properties_from_spec
    from fpverify.dsl import load_spec

    spec = load_spec(SPECS / "e4m3fn_add.spec")
    props, _ = properties_from_spec(spec)
    assert [p.op for p in props] == ["add", "sub"]
    assert all(p.nan_exact for p in props)
    assert [tuple(p.assume) for p in props] == [(PortValue("sub", 0),), (PortValue("sub", 1),)]
    for name in FP8_SPECS:
        s = load_spec(SPECS / f"{name}.spec")
        assert all(p.equivalence.nan_exact for p in s.properties if p.equivalence is not None), name


@pytest.mark.slow
@pytest.mark.parametrize("name", FP8_SPECS)
def test_shipped_fp8_spec_campaign_kills_everything(name, tmp_path, capsys):
    from fpverify.cli import main

    js = tmp_path / "r.json"
    with pytest.raises(SystemExit) as e:
        main(["faults", str(SPECS / f"{name}.spec"), "--mutants", "100", "--seed", "1", "--json", str(js)])
    out = capsys.readouterr().out
    rep = json.loads(js.read_text())
    c = rep["counts"]
    assert rep["completed"] == 100 and not rep["interrupted"]
    assert c["SURVIVED"] == 0 and c["UNKNOWN"] == 0 and c["EQGAP"] == 0 and rep["eqgap"] == 0, out
    assert c["KILLED"] > 0 and rep["kill_rate"] == 1.0, out
    assert e.value.code == 0, out
