"""Clock and reset: one rule for every property kind (`clock PORT`, `reset PORT = V for N cycles`,
or a declared input fixed by an assumption), the same values in the prover and the replay, and a
clear error for a reset or clock the spec leaves unbound (docs/dsl.md "Clock and reset")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_util import run_cli
from fpverify.hdl.evaluate import evaluate_pipelined
from fpverify.hdl.netlist import flatten
from fpverify.hdl.reset import ResetSequence, looks_active_low, looks_like_clock, looks_like_reset
from fpverify.smt.netlist_z3 import translate

DESIGNS = Path(__file__).resolve().parent / "spec_designs"
PIPELINED = "rtl.fp_mul.FPMultiplier(fmt = e2m1fn, rounding = rne, latency = 2)"
ACTIVE_LOW = f'"{DESIGNS / "active_low_reset.py"}" : ActiveLowResetMul(fmt = e2m1fn)'
PORTS = "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\nlatency 2\n"
# one property of each kind whose truth depends on the reset being released while y is read
PROPERTIES = ("prove y == mul(a, b, rne) with flags fl\n"
              "prove commutative: y == y[a := b, b := a]\n"
              "prove sign_symmetric: y[a := neg(a)] == neg(y)\n"
              "prove rounding_error: relerr(y, a*b) <= 2^-2 assuming normal(a) and normal(b) and 1 <= abs(a*b) <= 6\n"
              "lemma times_one: y == a assuming b == 1\n")
KINDS = {"eq_mul": "equivalence", "commutative": "relational", "sign_symmetric": "relational",
         "rounding_error": "error-bound", "times_one": "lemma"}


def _spec(tmp_path: Path, text: str, name: str = "t.spec") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _prove(capsys, spec: Path) -> tuple[int, dict[str, dict], str]:
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    if code == 2:
        return code, {}, err
    doc = json.loads(out)
    return code, {p["name"]: p for p in doc["specs"][0]["properties"]}, err


def _statuses(props: dict[str, dict]) -> dict[str, str]:
    return {n: p["status"] for n, p in props.items()}


# ---- the rule: reset, then the latency; proved for every property kind --------------------------

@pytest.mark.parametrize("cycles", [1, 3])
def test_reset_then_latency_proves_every_kind(tmp_path, capsys, cycles):
    spec = _spec(tmp_path, f"design {PIPELINED}\n{PORTS}clock clk\nreset rst = 1 for {cycles} cycles\n"
                 + PROPERTIES)
    code, props, err = _prove(capsys, spec)
    assert code == 0 and set(_statuses(props).values()) == {"PROVED"}, (props, err)
    assert {n: p["kind"] for n, p in props.items()} == KINDS


def test_a_free_reset_is_free_for_every_kind(tmp_path, capsys):
    """Declared as a plain input, rst is free in every property: no kind holds it at 0 silently
    (equivalence used to, relational did not). Each kind is refuted with rst = 1, and replayed;
    commutativity holds anyway (both copies of the design see the same rst)."""
    spec = _spec(tmp_path, f"design {PIPELINED}\n{PORTS}clock clk\ninput rst : bits[1]\n" + PROPERTIES)
    code, props, err = _prove(capsys, spec)
    assert code == 1, err
    assert _statuses(props) == {**dict.fromkeys(KINDS, "REFUTED"), "commutative": "PROVED"}, props
    for p in props.values():
        if p["status"] == "REFUTED":
            assert p["cases"][0]["inputs"]["rst"] == 1, p


def test_an_assumption_fixes_the_reset(tmp_path, capsys):
    spec = _spec(tmp_path, f"design {PIPELINED}\n{PORTS}clock clk\ninput rst : bits[1]\nassume rst == 0\n"
                 + PROPERTIES)
    code, props, err = _prove(capsys, spec)
    assert code == 0 and set(_statuses(props).values()) == {"PROVED"}, (props, err)


def test_relational_property_once_refuted_with_rst_1_is_proved(tmp_path, capsys):
    """The issue's case: `input clk, rst` left rst free for a relational property only."""
    prop = "prove sign_symmetric: y[a := neg(a)] == neg(y)\n"
    before = _spec(tmp_path, f"design {PIPELINED}\n{PORTS}input clk, rst : bits\n" + prop, "before.spec")
    code, props, _ = _prove(capsys, before)
    assert code == 1 and props["sign_symmetric"]["cases"][0]["inputs"]["rst"] == 1
    after = _spec(tmp_path, f"design {PIPELINED}\n{PORTS}clock clk\nreset rst = 1 for 1 cycles\n" + prop,
                  "after.spec")
    code, props, err = _prove(capsys, after)
    assert code == 0 and _statuses(props) == {"sign_symmetric": "PROVED"}, (props, err)


# ---- an active-low reset ----------------------------------------------------------------------

def test_active_low_reset(tmp_path, capsys):
    spec = _spec(tmp_path, f"design {ACTIVE_LOW}\n{PORTS}clock clk\nreset rst_n = 0 for 1 cycles\n" + PROPERTIES)
    code, props, err = _prove(capsys, spec)
    assert code == 0 and set(_statuses(props).values()) == {"PROVED"}, (props, err)


def test_wrong_polarity_is_refuted_and_replayed(tmp_path, capsys):
    """`rst_n = 1` during reset leaves rst_n = 0 while y is read: the unit is held in reset. The
    counterexamples replay on the evaluator with the same reset sequence (REFUTED, not ERROR)."""
    spec = _spec(tmp_path, f"design {ACTIVE_LOW}\n{PORTS}clock clk\nreset rst_n = 1 for 1 cycles\n"
                 "prove y == mul(a, b, rne) with flags fl\nprove sign_symmetric: y[a := neg(a)] == neg(y)\n")
    code, props, err = _prove(capsys, spec)
    assert code == 1 and _statuses(props) == {"eq_mul": "REFUTED", "sign_symmetric": "REFUTED"}, (props, err)


# ---- a reset or clock the spec leaves unbound: one located message saying what to write -----------

@pytest.mark.parametrize("design, drop, needle", [
    (PIPELINED, "reset", "design input `rst` looks like a reset and the spec does not say what it carries: "
                         "write `reset rst = 1 for 1 cycles`"),
    (PIPELINED, "clock", "design input `clk` looks like a clock: write `clock clk`"),
    (ACTIVE_LOW, "reset", "design input `rst_n` looks like a reset and the spec does not say what it carries: "
                          "write `reset rst_n = 0 for 1 cycles`"),
])
def test_unbound_reset_or_clock(tmp_path, capsys, design, drop, needle):
    reset = "rst_n = 0" if design == ACTIVE_LOW else "rst = 1"
    lines = {"clock": "clock clk\n", "reset": f"reset {reset} for 1 cycles\n"}
    del lines[drop]
    spec = _spec(tmp_path, f"design {design}\n{PORTS}{''.join(lines.values())}{PROPERTIES}")
    code, _, err = _prove(capsys, spec)
    assert code == 2 and err.startswith(f"{spec}:1:1: error: {needle}"), err
    assert "Traceback" not in err


@pytest.mark.parametrize("extra, needle, line", [
    ("reset rsx = 1 for 1 cycles\n", "design has no input port `rsx` for the reset (inputs: a, b, clk, rst)", 7),
    ("reset rst = 2 for 1 cycles\n", "a reset is active at 0 or 1, not 2", 7),
    ("reset rst = 1 for 0 cycles\n", "reset for 0 cycles is out of range (1..64)", 7),
    ("reset rst = 1 for 1 cycles\nreset rst = 1 for 2 cycles\n", "the reset is given twice (first at line 7)", 8),
    ("reset clk = 1 for 1 cycles\n", "`clk` cannot be both the clock and the reset", 7),
    ("input rst : bits[1]\nreset rst = 1 for 1 cycles\n", "`rst` is both an `input` and the reset", 8),
])
def test_bad_reset_statements(tmp_path, capsys, extra, needle, line):
    spec = _spec(tmp_path, f"design {PIPELINED}\n{PORTS}clock clk\n{extra}{PROPERTIES}")
    code, _, err = _prove(capsys, spec)
    assert code == 2 and err.startswith(f"{spec}:{line}:1: error: {needle}"), err


def test_combinational_specs_need_nothing(tmp_path, capsys):
    """A combinational unit has no clk/rst ports: its specs say nothing about them."""
    spec = _spec(tmp_path, "design rtl.fp_mul.FPMultiplier(fmt = e2m1fn)\n" + PORTS.replace("latency 2\n", "")
                 + "prove y == mul(a, b, rne) with flags fl\n")
    code, props, err = _prove(capsys, spec)
    assert code == 0 and _statuses(props) == {"eq_mul": "PROVED"}, err


# ---- the evaluator and the z3 unrolling apply the same per-cycle values ---------------------------

@pytest.mark.parametrize("active, cycles", [(0, 1), (1, 1), (0, 3)])
def test_evaluator_and_translation_agree(active, cycles):
    import sys

    sys.path.insert(0, str(DESIGNS))
    try:
        from active_low_reset import ActiveLowResetMul
    finally:
        sys.path.remove(str(DESIGNS))
    nl = flatten(ActiveLowResetMul("e2m1fn"))
    reset = ResetSequence("rst_n", active, cycles)
    a, b = np.meshgrid(np.arange(16), np.arange(16))
    got = evaluate_pipelined(nl, {"a": a.ravel(), "b": b.ravel()}, 2, reset=reset)
    terms = translate(nl, {"clk": 0, "rst_n": reset.released}, cycles=reset.edges(2),
                      inputs_per_cycle=reset.prefix())
    import z3

    for i in (0x3 + 16 * 0x5, 0x2 + 16 * 0x2, 0x7 + 16 * 0x9):
        subst = [(terms.inputs["a"], z3.BitVecVal(int(a.ravel()[i]), 4)),
                 (terms.inputs["b"], z3.BitVecVal(int(b.ravel()[i]), 4))]
        assert z3.simplify(z3.substitute(terms.outputs["result"], *subst)).as_long() == int(got["result"][i])
    if active == 0:  # released high: the products; held in reset (released low): zeros
        assert int(got["result"][0x3 + 16 * 0x5]) == 0x6
    else:
        assert not got["result"].any()


def test_reset_naming_policy():
    assert all(looks_like_reset(n) for n in ("rst", "reset", "rst_n", "resetn", "arst", "srst", "sys_rst"))
    assert not any(looks_like_reset(n) for n in ("a", "rm", "burst", "first", "rest", "en"))
    assert all(looks_like_clock(n) for n in ("clk", "clock", "clk_i", "sys_clk"))
    assert not any(looks_like_clock(n) for n in ("click", "clkdiv", "a"))
    assert looks_active_low("rst_n") and looks_active_low("resetn") and not looks_active_low("rst")
    with pytest.raises(ValueError):
        ResetSequence("rst", 2, 1)
    assert ResetSequence("rst", 1, 2).prefix() == [{"rst": 1}, {"rst": 1}]
    assert ResetSequence("rst", 1, 2).edges(3) == 5 and ResetSequence("rst", 0, 1).released == 1


# ---- a decomposed proof applies the same reset (lemmas, witnesses and replay) -------------------

@pytest.mark.parametrize("active, status, code", [(0, "PROVED", 0), (1, "REFUTED", 1)])
def test_decomposed_proof_with_an_active_low_reset(tmp_path, capsys, active, status, code):
    spec = _spec(tmp_path, f"design {ACTIVE_LOW.replace('e2m1fn', 'e4m3fn')}\n"
                 + PORTS.replace("e2m1fn", "e4m3fn") + f"clock clk\nreset rst_n = {active} for 1 cycles\n"
                 "prove y == mul(a, b, rne) with flags fl\nuse strategy decompose_multiplier\n")
    got, props, err = _prove(capsys, spec)
    assert got == code and _statuses(props) == {"eq_mul": status}, (props, err)
