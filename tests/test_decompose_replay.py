"""Issues #23 and #15: a decomposed proof replays its models with every input the property fixes (a `sub`
port, an rm port value, the reset of a pipelined unit, any control input), and localises a real
bug under the counterexample's own rounding mode.

Oracle: spec_designs/faulty_rounding.py, whose faults sit in the rounder's round-away decision
and only show under one value of a control input, so a replay that drops that value sees a
different operation or mode, and a correct localisation names ``round_up`` (every earlier stage is
correct). The netlist evaluator and the golden model re-run each counterexample (`replayed`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import z3

from cli_util import run_cli
from fpverify.formats import get_format
from fpverify.golden.lmul import LMulPolicy, LMulVariant
from fpverify.hdl.netlist import flatten
from fpverify.prove.api import PortMap, prove_equivalence
from fpverify.dsl.proof_strategy import load_strategy
from fpverify.prove.decompose import prove_decomposed
from fpverify.prove.replay import complete_inputs, input_substitution

DESIGNS = Path(__file__).parent / "spec_designs"
sys.path.insert(0, str(DESIGNS))
import faulty_rounding as F  # noqa: E402

E4M3 = get_format("e4m3")
RESET = (("clk", 0), ("rst", 0))
LMUL_A = LMulPolicy(variant=LMulVariant.REAL)


def _refuted(r, fixed: dict[str, int]):
    bad = [(i.name, i.status, i.outcome and i.outcome.message) for i in r.items if i.status == "ERROR"]
    assert r.status == "REFUTED", (r.status, bad)
    cex = r.counterexample
    assert cex.replayed and cex.actual_netlist != cex.actual_golden
    for port, value in fixed.items():  # the replayed vector carries the fixed inputs
        assert cex.inputs[port] == value, cex.inputs
    assert r.localisation.first_failing == "round_up", r.localisation.text()
    ok = {row[0] for row in r.localisation.rows if row[3]}
    assert {"unpack_a_sig", "unpack_b_sig"} <= ok, r.localisation.text()
    return cex


# (strategy, design, op, fixed ports, latency, extra arguments)
CASES = {
    "adder-sub": ("decompose_adder", lambda: F.SubTieAdder(E4M3), "sub", {"sub": 1}, 0, {}),
    "adder-sub-pipelined": ("decompose_adder", lambda: F.SubTieAdder(E4M3, latency=2), "sub", {"sub": 1}, 2, {}),
    "mul-en": ("decompose_multiplier", lambda: F.GatedMul(E4M3), "mul", {"en": 1}, 0, {}),
    "mul-en-pipelined": ("decompose_multiplier", lambda: F.GatedMul(E4M3, latency=2), "mul", {"en": 1}, 2, {}),
    "lmul-en": ("decompose_lmul", lambda: F.GatedLMul(E4M3), "lmul", {"en": 1}, 0, {"lmul_policy": LMUL_A}),
    "lmul-en-pipelined": ("decompose_lmul", lambda: F.GatedLMul(E4M3, latency=1), "lmul", {"en": 1}, 1,
                          {"lmul_policy": LMUL_A}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fault_under_a_fixed_input_is_refuted_and_localised(case):
    strategy, make, op, fixed, latency, kw = CASES[case]
    ports = PortMap(fixed=tuple(fixed.items()) + RESET)
    r = prove_decomposed(flatten(make()), op, E4M3, strategy=load_strategy(strategy), workers=1, solvers=["z3"],
                         ports=ports, cycles=latency, **kw)
    cex = _refuted(r, fixed)
    assert "fixed inputs: " + " ".join(f"{n}={v:#x}" for n, v in fixed.items()) in cex.decoded
    if latency:
        assert cex.inputs["rst"] == 0


@pytest.mark.parametrize("strategy,make,op,kw", [
    ("decompose_adder", lambda: F.RtzNegAdder(E4M3), "add", {}),
    ("decompose_adder", lambda: F.RtzNegAdder(E4M3, latency=1), "add", {"cycles": 1}),
    ("decompose_lmul", lambda: F.RtzNegLMul(E4M3), "lmul", {"lmul_policy": LMUL_A}),
])
def test_fault_in_one_rm_decode_is_localised_under_that_mode(strategy, make, op, kw):
    """The RTZ path rounds negative results like RNE. Compared with the first mode of the
    encoding (RNE) the rounder's decision would look right and only the result wrong; compared
    with the counterexample's own mode, ``round_up`` is the first failing stage."""
    ports = PortMap(rm="rm", sub="sub" if op == "add" else None)
    r = prove_decomposed(flatten(make()), op, E4M3, strategy=load_strategy(strategy), workers=1, solvers=["z3"], ports=ports,
                         **kw)
    cex = _refuted(r, {"rm": 1})
    assert "rounding=rtz" in cex.decoded
    assert E4M3.value(cex.actual_golden[0]) < 0


def test_fault_gated_off_is_proved():
    """The same adder with ``sub`` fixed to 0 is correct: the fault really depends on the fixed input."""
    r = prove_decomposed(flatten(F.SubTieAdder(E4M3)), "add", E4M3, strategy=load_strategy("decompose_adder"), workers=1,
                         solvers=["z3"], ports=PortMap(fixed=(("sub", 0),)))
    assert r.status == "PROVED", [(i.name, i.status) for i in r.items if i.status != "PROVED"]


def test_monolithic_replay_applies_fixed_inputs():
    r = prove_equivalence(flatten(F.GatedMul(E4M3, latency=1)), "mul", E4M3, cycles=1,
                          ports=PortMap(fixed=(("en", 1),) + RESET))
    assert r.status == "REFUTED", r.message
    assert r.counterexample.replayed and r.counterexample.inputs["en"] == 1


def test_completion_keeps_constants_and_never_substitutes_them():
    ports = {"a": z3.BitVec("a", 8), "sub": z3.BitVecVal(1, 1), "rst": z3.BitVecVal(0, 1)}
    full = complete_inputs(ports, {"a": 0x1ff, "sub": 0})
    assert full == {"a": 0xff, "sub": 1, "rst": 0}
    assert complete_inputs(ports, {}) == {"a": 0, "sub": 1, "rst": 0}
    pairs = input_substitution(ports, full)
    assert [str(p[0]) for p in pairs] == ["a"]


def test_issue_23_spec_subtraction_fault_is_refuted(tmp_path, capsys):
    """The issue's spec: an f16 adder with the RNE tie-break inverted for subtraction, `sub`
    proved through the port under `use strategy decompose_adder`: REFUTED (exit 1), localised."""
    spec = tmp_path / "buggy_add.spec"
    spec.write_text(f'design "{DESIGNS / "faulty_rounding.py"}" : SubTieAdder(fmt = f16)\n'
                    "input a, b : f16\ninput s = dut.sub : bits[1]\noutput y = dut.result : f16\n"
                    "output fl = dut.flags\n"
                    "prove sub: y == sub(a, b, rne) with flags fl assuming s == 1\n"
                    "use strategy decompose_adder\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--timeout", "120", "--solver", "z3"], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert case["status"] == "REFUTED", case.get("message")
    assert case["inputs"]["s"] == 1
    assert "first failing stage: round_up" in case["counterexample"]


# ---- issue #15: a failing lemma is lifted to a counterexample or falls back to the uncut miter ----


def test_failing_normaliser_lemma_becomes_a_localised_counterexample(tmp_path, capsys):
    """An f16 multiplier whose normaliser shifts in ones: only the L1 lemmas fail; the engine
    falls back to the uncut cases, which refute it; localisation blames an operand's significand."""
    spec = tmp_path / "ones.spec"
    spec.write_text(f'design "{DESIGNS / "faulty_normaliser.py"}" : OnesNormaliserMul(fmt = f16)\n'
                    "input a, b : f16\noutput y = dut.result : f16\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl\nuse strategy decompose_multiplier\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--timeout", "120", "--solver", "z3"], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert case["status"] == "REFUTED", case.get("message")
    obls = {o["name"]: o["status"] for o in case["decomposition"]["obligations"]}
    assert obls["L1 normaliser[a]"] == "FAILED" and obls["L1 normaliser[b]"] == "FAILED"
    assert obls["L2 product-definition"] == "PROVED"
    first = next(line for line in case["counterexample"].splitlines() if "first failing stage" in line)
    assert first.split(":")[1].strip() in ("unpack_a_sig", "unpack_b_sig"), case["counterexample"]


def _with_false_lemma(monkeypatch):
    """A correct multiplier whose isolation carries one extra, false lemma (``a != 1.0``): its
    model replays with netlist == golden, so it is no bug."""
    from fpverify.prove.decompose import engine
    from fpverify.prove.obligation import Obligation

    real = engine.isolate_multiplier

    def isolate(terms, sym, *args, **kw):
        iso = real(terms, sym, *args, **kw)
        iso.lemmas.append(Obligation("L9 false", "a is never 1.0", [], sym.a != 0x38))
        return iso

    monkeypatch.setattr(engine, "isolate_multiplier", isolate)
    from rtl.fp_mul import FPMultiplier
    return flatten(FPMultiplier(E4M3))


def test_false_lemma_without_a_bug_falls_back_and_proves(monkeypatch):
    nl = _with_false_lemma(monkeypatch)
    r = prove_decomposed(nl, "mul", E4M3, strategy=load_strategy("decompose_multiplier"), workers=1, solvers=["z3"])
    st = {i.name: i.status for i in r.items}
    assert r.status == "PROVED", st
    assert st["L9 false"] == "FAILED"
    assert r.lemmas_relied_on == []  # the uncut cases assume no lemma
    assert any(n.endswith(" uncut") and s == "PROVED" for n, s in st.items())
    assert all(s == "SUPERSEDED" for n, s in st.items() if n.startswith("case[") and not n.endswith(" uncut"))


def test_false_lemma_with_undecided_fallback_is_unknown_naming_the_lemma(monkeypatch):
    from fpverify.prove.decompose import engine
    from fpverify.prove.decompose.pool import Outcome

    nl = _with_false_lemma(monkeypatch)
    real_run = engine.run_jobs

    def run_jobs(jobs, workers=None, on_done=None, on_start=None, should_stop=None, **kw):
        uncut = [j for j in jobs if j.name.endswith(" uncut")]
        for j in uncut:  # the fallback times out
            on_done(Outcome(j.name, "unknown", "z3", 0.0, message="timeout", tag=j.tag))
        rest = [j for j in jobs if not j.name.endswith(" uncut")]
        return real_run(rest, workers, on_done, on_start, should_stop, **kw)

    monkeypatch.setattr(engine, "run_jobs", run_jobs)
    r = prove_decomposed(nl, "mul", E4M3, strategy=load_strategy("decompose_multiplier"), workers=1, solvers=["z3"])
    assert r.status == "UNKNOWN", [(i.name, i.status) for i in r.items]
    assert "lemma L9 false does not hold at a=0x38" in r.message


def test_spec_rm_port_fixed_by_assumption_replays_that_mode(tmp_path, capsys):
    """`assuming r == 1` on an rm port with a static `rtz` property: the replayed vector carries
    rm = 1 (a replay at rm = 0 would run the unit's RNE decode against an RTZ golden model)."""
    spec = tmp_path / "rtz_lmul.spec"
    spec.write_text(f'design "{DESIGNS / "faulty_rounding.py"}" : RtzNegLMul(fmt = e4m3)\n'
                    "input a, b : e4m3\ninput r = dut.rm : bits[3]\noutput y = dut.result : e4m3\n"
                    "output fl = dut.flags\n"
                    "prove y == lmul(a, b, variant = A, specials = ieee_like, overflow = satfinite, rounding = rtz)"
                    " with flags fl assuming r == 1\nuse strategy decompose_lmul\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--solver", "z3"], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert case["status"] == "REFUTED", case.get("message")
    assert case["inputs"]["r"] == 1 and case["vectors"][0]["rm"] == 1
    assert "first failing stage: round_up" in case["counterexample"]
