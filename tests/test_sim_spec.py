"""`fpverify sim SPEC`: every property of a spec checked on simulated vectors through the spec's
own port bindings (dsl/simulate.py), for Verilog and Amaranth designs with any port names."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from cli_util import run_cli
from fpverify.formats import get_format

ROOT = Path(__file__).resolve().parent.parent
VERILOG = ROOT / "tests" / "verilog"
RENAMED = ROOT / "tests" / "spec_designs" / "renamed_mul.py"


def _sim(capsys, *args):
    return run_cli(["sim", *map(str, args)], capsys)


def _sim_json(capsys, *args) -> tuple[int, dict]:
    code, out, err = _sim(capsys, *args, "--json")
    assert "Traceback" not in err, err
    return code, json.loads(out)


def _props(report: dict) -> dict[str, dict]:
    return {p["name"]: p for p in report["properties"]}


def _renamed_spec(tmp_path, rounding="rne", bad_mode=-1, extra="") -> Path:
    mode_port = rounding == "port"
    text = (f'design "{RENAMED}" : RenamedMul(fmt = e4m3fn, rounding = "{rounding}", bad_mode = {bad_mode})\n'
            "input p = dut.x, q = dut.y : e4m3fn\n"
            + ("input m = dut.mode : rounding\n" if mode_port else "")
            + "output prod = dut.z : e4m3fn\noutput e = dut.exc\n"
            + f"prove prod == mul(p, q, {'m' if mode_port else rounding}) with flags e\n" + extra)
    p = tmp_path / "renamed.spec"
    p.write_text(text)
    return p


# ---- Verilog ---------------------------------------------------------------------------------

def test_verilog_spec_passes_exhaustively(capsys):
    code, rep = _sim_json(capsys, VERILOG / "fp8_mul.spec")
    assert code == 0 and rep["ok"]
    props = _props(rep)
    assert set(props) == {"eq_mul", "commutative"}
    for p in props.values():
        assert p["status"] == "PASS" and p["method"] == "exhaustive"
        assert p["vectors"] == 65_536 and p["skipped"] == 0 and p["mismatches"] == 0
    code, out, _ = _sim(capsys, VERILOG / "fp8_mul.spec")
    assert code == 0 and out.startswith("PASS") and "65,536 vectors checked" in out


@pytest.fixture
def buggy_verilog(tmp_path) -> Path:
    for name in ("fp8_mul.v", "lzc.v", "fp8_mul.spec"):
        shutil.copy(VERILOG / name, tmp_path / name)
    v = tmp_path / "fp8_mul.v"
    text = v.read_text()
    good = "inc = guard & (sticky | kept[0]);"
    assert good in text
    v.write_text(text.replace(good, "inc = guard & (sticky | ~kept[0]);"))
    return tmp_path / "fp8_mul.spec"


def test_verilog_seeded_rounding_bug_fails_with_examples(capsys, buggy_verilog):
    code, out, err = _sim(capsys, buggy_verilog, "--max-examples", "3")
    assert code == 1, out + err
    assert out.startswith("FAIL") and "mismatch 1 [" in out and "expected 0x" in out and "got      0x" in out
    code, rep = _sim_json(capsys, buggy_verilog, "--max-examples", "3")
    props = _props(rep)
    eq = props["eq_mul"]
    assert code == 1 and not rep["ok"] and eq["status"] == "FAIL"
    assert eq["vectors"] == 65_536 and 0 < eq["mismatches"] < 65_536 and len(eq["examples"]) == 3
    ex = eq["examples"][0]
    assert set(ex["inputs"]) == {"a", "b"} and ex["expected"] != ex["got"]
    # the bug flips a tie decision: the product stays commutative
    assert props["commutative"]["status"] == "PASS"


def test_vcd_of_a_mismatch(capsys, buggy_verilog, tmp_path):
    out_dir = tmp_path / "waves"
    code, rep = _sim_json(capsys, buggy_verilog, "--max-examples", "1", "--vcd", out_dir)
    assert code == 1
    files = _props(rep)["eq_mul"]["vcd"]
    assert len(files) == 1 and Path(files[0]).parent == out_dir
    text = Path(files[0]).read_text()
    assert "$var wire 8" in text and "expected" in text and "inc" in text


# ---- Amaranth, other port names ---------------------------------------------------------------

def test_renamed_ports_pass_with_a_relational_property(capsys, tmp_path):
    spec = _renamed_spec(tmp_path, extra="prove swap: prod == prod[p := q, q := p] and e == e[p := q, q := p]\n")
    code, rep = _sim_json(capsys, spec)
    assert code == 0 and rep["ok"], rep
    props = _props(rep)
    assert props["eq_mul"]["vectors"] == props["swap"]["vectors"] == 65_536
    assert props["swap"]["kind"] == "relational" and props["swap"]["method"] == "exhaustive"


def test_relational_property_failure_is_reported(capsys, tmp_path):
    zero_sign = ROOT / "tests" / "spec_designs" / "zero_sign_mul.py"
    spec = tmp_path / "zs.spec"
    spec.write_text(f'design "{zero_sign}" : ZeroSignMul(fmt = e2m1fn)\ninput a, b : e2m1fn\n'
                    "output y = dut.result : e2m1fn\nprove sign_symmetric: y[a := neg(a)] == neg(y)\n")
    code, rep = _sim_json(capsys, spec)
    p = _props(rep)["sign_symmetric"]
    assert code == 1 and p["status"] == "FAIL" and p["vectors"] == 256
    # exactly the pairs whose product rounds to zero (|a*b| at most half the least subnormal, 0.5,
    # ties to even), where the unit's -0 comes out as +0
    fmt = get_format("e2m1fn")
    zero_products = sum(1 for a in range(16) for b in range(16)
                        if abs(fmt.value(a) * fmt.value(b)) <= Fraction(1, 4))
    assert p["mismatches"] == zero_products
    assert "y[a := " in p["examples"][0]["text"]


def test_rm_port_covers_every_mode(capsys, tmp_path):
    code, rep = _sim_json(capsys, _renamed_spec(tmp_path, rounding="port"))
    p = _props(rep)["eq_mul"]
    assert code == 0 and p["method"] == "exhaustive" and p["vectors"] == 6 * 65_536
    # a bug in round-to-odd only (mode 5 acts as RNE) is found, and only in that mode
    code, rep = _sim_json(capsys, _renamed_spec(tmp_path, rounding="port", bad_mode=5), "--max-examples", "50")
    p = _props(rep)["eq_mul"]
    assert code == 1 and p["mismatches"] > 0
    assert {ex["inputs"]["m"] for ex in p["examples"]} == {"5 (rto)"}


# ---- fpverify's own generator specs -----------------------------------------------------------

def test_generator_specs(capsys):
    code, rep = _sim_json(capsys, ROOT / "specs" / "e4m3fn_mul.spec")
    assert code == 0 and _props(rep)["eq_mul"]["vectors"] == 65_536
    code, rep = _sim_json(capsys, ROOT / "specs" / "e5m2_mul.spec")
    p = _props(rep)["eq_mul"]
    assert code == 0 and p["method"] == "exhaustive" and p["vectors"] == 6 * 65_536 and p["free"] == ["a", "b", "rm"]
    code, rep = _sim_json(capsys, ROOT / "specs" / "f16_mul.spec", "-n", "3000")
    p = _props(rep)["eq_mul"]
    assert code == 0 and p["method"] == "sampled" and p["vectors"] == 3000


def test_assumed_constant_holds_an_input(capsys):
    code, rep = _sim_json(capsys, ROOT / "specs" / "e4m3fn_add.spec")
    props = _props(rep)
    assert code == 0
    assert props["add"]["fixed"] == {"s": 0} and props["sub"]["fixed"] == {"s": 1}
    assert props["add"]["vectors"] == props["sub"]["vectors"] == 65_536


def test_assumptions_exclude_vectors(capsys):
    code, rep = _sim_json(capsys, ROOT / "specs" / "e4m3fn_lmul_error.spec")
    p = _props(rep)["bound"]
    fmt = get_format("e4m3fn")

    def normal(c):
        return not fmt.is_nan(c) and fmt.value(c) != 0 and abs(fmt.value(c)) >= fmt.min_normal

    want = sum(1 for a in range(256) for b in range(256) if normal(a) and normal(b)
               and Fraction(1, 64) <= abs(fmt.value(a) * fmt.value(b)) <= 448)
    assert code == 0 and p["status"] == "PASS"
    assert p["vectors"] == want and p["skipped"] == 65_536 - want


def test_bad_input_exits_2(capsys, tmp_path):
    code, _, err = _sim(capsys, tmp_path / "nope.spec")
    assert code == 2 and "no such spec file" in err and "Traceback" not in err
    code, _, err = _sim(capsys, VERILOG / "fp8_mul.spec", "--format", "e4m3fn")
    assert code == 2 and "only apply without a DESIGN" in err
    bad = tmp_path / "bad.spec"
    bad.write_text(f'design "{RENAMED}" : RenamedMul(fmt = e4m3fn)\ninput a, b : e4m3fn\n'
                   "output y = dut.z : e4m3fn\nprove y == mul(a, b, rne)\n")
    code, _, err = _sim(capsys, bad)
    assert code == 2 and "design has no input port `a`" in err and "Traceback" not in err


def test_pipelined_design_follows_the_specs_clock_and_reset(capsys, tmp_path):
    """The spec's `clock` is held and its `reset` sequence runs first, as in the proofs; a reset
    declared as a plain input is free, so the simulation sees it asserted (docs/dsl.md)."""
    spec = tmp_path / "pipe.spec"
    head = ("design rtl.fp_mul.FPMultiplier(fmt = e2m1fn, rounding = rtz, latency = 2)\n"
            "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\nlatency 2\n")
    spec.write_text(head + "clock clk\nreset rst = 1 for 1 cycles\nprove y == mul(a, b, rtz) with flags fl\n")
    code, rep = _sim_json(capsys, spec)
    p = _props(rep)["eq_mul"]
    assert code == 0 and p["free"] == ["a", "b"] and p["vectors"] == 256
    spec.write_text(head + "input clk, rst : bits[1]\nprove y == mul(a, b, rtz) with flags fl\n")
    code, rep = _sim_json(capsys, spec)
    p = _props(rep)["eq_mul"]
    assert code == 1 and set(p["free"]) == {"a", "b", "clk", "rst"} and p["mismatches"] > 0


def test_lemma_over_an_internal_signal(capsys, tmp_path):
    spec = tmp_path / "sig.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e2m1fn)\ninput a, b : e2m1fn\n"
                    "output y = dut.result : e2m1fn\n"
                    "lemma positive: dut.mul_sign == 0\n"
                    "lemma positive_when_same_sign: dut.mul_sign == 0 assuming bits(a)[3] == bits(b)[3]\n")
    code, rep = _sim_json(capsys, spec, "--max-examples", "1")
    props = _props(rep)
    # the product's sign is a's sign XOR b's: negative for half the pairs
    assert code == 1 and props["positive"]["mismatches"] == 128 and props["positive"]["vectors"] == 256
    assert props["positive"]["examples"][0]["signals"] == {"mul_sign": 1}
    same = props["positive_when_same_sign"]
    assert same["status"] == "PASS" and same["vectors"] == 128 and same["skipped"] == 128
