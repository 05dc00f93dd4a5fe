"""The shipped specs: all check, the fast ones prove (exit 0, a table), and a broken design is
refuted with a counterexample that is replayed on the netlist evaluator and dumped as a VCD.

Oracles: the prove API's reference (equivalence), the concrete replay of `fpverify.dsl.concrete`
on `fpverify.hdl.evaluate` (refutations), and the hand-computed fault in spec_designs/broken_mul.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from prove_all_specs import SLOW  # noqa: E402
from cli_util import run_cli  # noqa: E402

SPECS = sorted((ROOT / "specs").glob("*.spec"))
FAST = [p for p in SPECS if p.name not in SLOW]
DESIGNS = Path(__file__).parent / "spec_designs"


def test_required_specs_exist():
    names = {p.name for p in SPECS}
    for need in ("fp4_mul.spec", "e4m3fn_mul.spec", "e5m2_mul.spec", "e4m3fn_add.spec", "e5m2_add.spec",
                 "e4m3fn_lmul.spec", "e5m2_lmul.spec", "bf16_mul.spec", "f16_add.spec", "f32_add.spec",
                 "f32_mul.spec", "e4m3fn_lmul_error.spec", "e4m3fn_mul_relational.spec"):
        assert need in names


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_spec_checks(path, capsys):
    code, out, err = run_cli(["prove", "--check-only", str(path)], capsys)
    assert code == 0, err
    assert "ok" in out


def test_fp4_mul_front_door(capsys):
    """The README's command: exit 0 and a results table."""
    code, out, err = run_cli(["prove", str(ROOT / "specs" / "fp4_mul.spec")], capsys)
    assert code == 0, out + err
    assert "eq_mul" in out and "PROVED" in out and "commutative" in out
    assert "REFUTED" not in out and "Traceback" not in err


@pytest.mark.parametrize("path", [p for p in FAST if p.name != "fp4_mul.spec"], ids=lambda p: p.stem)
def test_fast_specs_prove(path, capsys, tmp_path):
    report = tmp_path / "r.json"
    code, out, err = run_cli(["prove", str(path), "--json", str(report), "--timeout", "120"], capsys)
    doc = json.loads(report.read_text())
    statuses = {p["name"]: p["status"] for p in doc["specs"][0]["properties"]}
    assert code == 0, (statuses, out, err)
    assert set(statuses.values()) == {"PROVED"}


def _broken_spec(tmp_path, prop: str) -> Path:
    spec = tmp_path / "broken.spec"
    spec.write_text(f'design "{DESIGNS / "broken_mul.py"}" : BrokenMul(fmt = e2m1fn)\n'
                    "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n" + prop)
    return spec


def test_broken_design_is_refuted_and_replayed(tmp_path, capsys):
    spec = _broken_spec(tmp_path, "prove y == mul(a, b, rne) with flags fl\n")
    vcd = tmp_path / "vcd"
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--vcd", str(vcd)], capsys)
    assert code == 1
    doc = json.loads(out)
    prop = doc["specs"][0]["properties"][0]
    assert prop["status"] == "REFUTED"
    case = prop["cases"][0]
    assert (case["inputs"]["a"], case["inputs"]["b"]) == (0x3, 0x5)
    assert list(vcd.glob("*.vcd")), "no VCD written for the counterexample"


def test_relational_refutation_is_replayed(tmp_path, capsys):
    """Commutativity fails for the broken unit only at (3, 5) vs (5, 3): found, replayed, shown."""
    spec = _broken_spec(tmp_path, "prove comm: y == y[a := b, b := a]\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert case["status"] == "REFUTED"
    assert {case["inputs"]["a"], case["inputs"]["b"]} == {0x3, 0x5}
    assert "y[a := " in case["counterexample"]


def test_tight_error_bound_is_refuted(tmp_path, capsys):
    """L-Mul's E4M3 bound 2^-3 is attained: the strict version is refuted with a real input."""
    spec = tmp_path / "tight.spec"
    spec.write_text("design rtl.lmul.LMulUnit(fmt = e4m3fn)\ninput a, b : e4m3fn\n"
                    "output y = dut.result : e4m3fn\noutput fl = dut.flags\n"
                    "prove tight: relerr(y, a*b) < 2^-3 assuming normal(a) and normal(b) "
                    "and 2^-6 <= abs(a*b) <= 448\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    from fractions import Fraction

    from fpverify.formats import get_format
    from fpverify.golden import lmul
    fmt = get_format("e4m3fn")
    a, b = case["inputs"]["a"], case["inputs"]["b"]
    exact = fmt.value(a) * fmt.value(b)
    err_ = abs(Fraction(fmt.value(lmul(fmt, a, b).code)) - exact) / abs(exact)
    assert err_ == Fraction(1, 8)  # the golden model agrees: the bound is attained here


def test_split_cases_and_vacuous_cases(tmp_path, capsys):
    spec = tmp_path / "split.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e2m1fn)\ninput a, b : e2m1fn\n"
                    "output y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl assuming normal(a) split on class(a), sign(b)\n"
                    "prove never: y == y assuming zero(a) and normal(a)\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    props = json.loads(out)["specs"][0]["properties"]
    eq = props[0]
    assert eq["status"] == "PROVED" and len(eq["cases"]) == 6  # 3 classes x 2 signs
    statuses = [c["status"] for c in eq["cases"]]
    assert statuses.count("VACUOUS") == 4 and statuses.count("PROVED") == 2
    assert props[1]["status"] == "VACUOUS"
    assert code == 1  # a vacuous property is a failed spec


def test_parallel_jobs_match_serial(tmp_path, capsys):
    path = str(ROOT / "specs" / "fp4_mul.spec")
    code, out, err = run_cli(["prove", path, "--jobs", "2", "--json", "-"], capsys)
    assert code == 0, err
    assert {p["status"] for p in json.loads(out)["specs"][0]["properties"]} == {"PROVED"}


@pytest.mark.parametrize("strategy", ["", "use strategy decompose_multiplier\n"])
def test_stochastic_mode_mismatch_is_refuted_with_the_random_bits(tmp_path, capsys, strategy):
    """A unit built for SR-A proved against SR-B (same N = 4 bits): refuted, and the replayed
    counterexample carries R (golden recomputed with those random bits disagrees with the netlist)."""
    from fpverify import golden
    from fpverify.formats import get_format
    from fpverify.hdl.evaluate import evaluate
    from fpverify.hdl.netlist import flatten
    from fpverify.rounding import Env, parse_rounding
    from rtl.fp_mul import FPMultiplier

    spec = tmp_path / "sr.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = sra4)\n"
                    "input a, b : e4m3fn\ninput r = dut.rbits : bits[4]\n"
                    "output y = dut.result : e4m3fn\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, srb4, random = r) with flags fl\n" + strategy)
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert case["status"] == "REFUTED"
    a, b, r = case["inputs"]["a"], case["inputs"]["b"], case["inputs"]["r"]
    fmt = get_format("e4m3fn")
    want = golden.mul(fmt, a, b, env=Env(parse_rounding("srb4"), random_bits=r))
    got = evaluate(flatten(FPMultiplier(fmt, rounding="sra4")), {"a": [a], "b": [b], "rbits": [r]})
    assert (int(got["result"][0]), int(got["flags"][0]) & 0x1F) != (want.code, int(want.flags) & 0x1F)


def test_an_assumption_may_fix_a_rounding_input_by_mode_name(tmp_path, capsys):
    """`assuming r == rtz` (a mode name against a rounding input): the checker accepts it, the
    proof covers only that mode, and a fault confined to RTZ is refuted under it. Oracle: the
    golden model through the replayed counterexample; the same spec proves a correct adder."""
    from cli_util import run_cli

    designs = Path(__file__).parent / "spec_designs" / "faulty_rounding.py"
    body = ("input a, b : e4m3fn\ninput r = dut.rm : rounding\ninput s = dut.sub : bits[1]\n"
            "output y = dut.result : e4m3fn\noutput fl = dut.flags\n"
            "prove y == add(a, b, r) with flags fl assuming {} and s == 0\n")
    cases = [('design rtl.fp_add.FPAdder(fmt = e4m3fn, rounding = port)\n', "r == rtz", 0),
             (f'design "{designs}" : RtzNegAdder(fmt = e4m3fn)\n', "rtz == r", 1),
             (f'design "{designs}" : RtzNegAdder(fmt = e4m3fn)\n', "r == rne", 0),
             ('design rtl.fp_add.FPAdder(fmt = e4m3fn, rounding = port)\n', "a == rtz", 2)]
    for design, cond, want in cases:
        spec = tmp_path / "rm.spec"
        spec.write_text(design + body.format(cond))
        code, out, err = run_cli(["prove", str(spec)], capsys)
        assert code == want, (cond, out + err)
