"""`use strategy decompose_*` in a spec: equivalence properties go through the lemma-decomposition
engine (`fpverify.prove.decompose`), report the lemmas the verdict relies on, and a broken design is
REFUTED with a counterexample replayed on the netlist and in the golden model.

Oracles: the engine's own replay (`cegar.classify`) and the hand-placed fault of
spec_designs/broken_mul.py (result bit 0 flipped at a == 0x3, b == 0x5)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_util import run_cli

DESIGNS = Path(__file__).parent / "spec_designs"


def _case(out: str) -> dict:
    prop = json.loads(out)["specs"][0]["properties"][0]
    assert len(prop["cases"]) == 1
    return prop["cases"][0]


def test_e4m3fn_mul_proves_through_the_engine(tmp_path, capsys):
    spec = tmp_path / "e4m3fn_mul.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = rne)\n"
                    "input a, b : e4m3fn\noutput y = dut.result : e4m3fn\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl\nuse strategy decompose_multiplier\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--timeout", "60"], capsys)
    assert code == 0, out + err
    case = _case(out)
    assert case["status"] == "PROVED"
    assert case["strategy"] == "decompose_multiplier"
    # the multiplier-isolation cut is justified by L1-L3, which the result states
    for need in ("L1 normaliser[a]", "L1 normaliser[b]", "L2 product-definition", "L3 product-range"):
        assert need in case["lemmas"]
    assert case["obligations"]["case"] >= 4 and case["obligations"]["coverage"] >= 1


def test_portfolio_solver_rechecks_every_unsat_with_the_other_solver(tmp_path, capsys):
    """`--solver portfolio` on a decomposed proof: z3 and Bitwuzla race, and each PROVED lemma,
    coverage and case obligation carries the other solver's confirming answer."""
    spec = tmp_path / "fp4.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e2m1fn, rounding = rne)\n"
                    "use strategy decompose_multiplier\n"
                    "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--solver", "portfolio"], capsys)
    assert code == 0, out + err
    obls = _case(out)["decomposition"]["obligations"]
    proved = [o for o in obls if o["status"] == "PROVED"]
    assert proved and all(o["cross_check"] for o in proved), proved
    for o in proved:
        assert o["solver"] in ("z3", "bitwuzla")
        assert o["cross_check"].startswith({"z3": "bitwuzla", "bitwuzla": "z3"}[o["solver"]]), o


def test_broken_mul_is_refuted_through_the_engine(tmp_path, capsys):
    spec = tmp_path / "broken.spec"
    spec.write_text(f'design "{DESIGNS / "broken_mul.py"}" : BrokenMul(fmt = e2m1fn)\n'
                    "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl\nuse strategy decompose_multiplier\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--timeout", "60"], capsys)
    assert code == 1, out + err
    case = _case(out)
    assert case["status"] == "REFUTED"
    assert case["strategy"] == "decompose_multiplier"
    assert (case["inputs"]["a"], case["inputs"]["b"]) == (0x3, 0x5)


def _payload_spec(tmp_path, exact: bool) -> Path:
    spec = tmp_path / ("exact.spec" if exact else "class.spec")
    spec.write_text(f'design "{DESIGNS / "payload_nan_mul.py"}" : PayloadNaNMul(fmt = bf16)\n'
                    "use strategy decompose_multiplier\n"
                    "input a, b : bf16\noutput y = dut.result : bf16\noutput fl = dut.flags\n"
                    f"prove y == mul(a, b, rne) with flags fl{', exact nan' if exact else ''}\n")
    return spec


def test_exact_nan_through_the_engine(tmp_path, capsys):
    """A bf16 multiplier that propagates NaN payloads: PROVED with NaN compared as a class, REFUTED
    under `exact nan` with a replayed counterexample whose expected result is the canonical NaN.
    Oracle: the golden model's canonical NaN (bf16 0x7fc0) and the design's documented behaviour."""
    code, out, err = run_cli(["prove", str(_payload_spec(tmp_path, False)), "--json", "-"], capsys)
    assert code == 0, out + err
    assert _case(out)["status"] == "PROVED"
    code, out, err = run_cli(["prove", str(_payload_spec(tmp_path, True)), "--json", "-"], capsys)
    assert code == 1, out + err
    case = _case(out)
    assert case["status"] == "REFUTED" and case["strategy"] == "decompose_multiplier"
    a = case["inputs"]["a"]
    assert (a >> 7) & 0xFF == 0xFF and a & 0x7F  # a is a NaN: its payload reached the result
    refuted = [o for o in case["decomposition"]["obligations"] if o["status"] == "REFUTED"]
    assert refuted and refuted[0]["name"].startswith("case[any=nan")


def test_operand_assumption_restricts_the_engines_domain(tmp_path, capsys):
    """An operand assumption is honoured (not dropped): it restricts every case and lemma, so a
    property that holds only under it proves, and the same property without it is refuted."""
    def spec(assume: str):
        p = tmp_path / "assume.spec"
        p.write_text("design rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = rne)\n"
                     "input a, b : e4m3fn\noutput y = dut.result : e4m3fn\n"
                     f"prove y == mul(a, b, rtz){assume}\nuse strategy decompose_multiplier\n")
        return p
    # RNE and RTZ agree whenever the product is exact: a zero operand
    code, out, err = run_cli(["prove", str(spec(" assuming zero(a)")), "--json", "-"], capsys)
    assert code == 0, out + err
    assert _case(out)["status"] == "PROVED"
    code, out, err = run_cli(["prove", str(spec("")), "--json", "-"], capsys)
    assert code == 1 and _case(out)["status"] == "REFUTED", out + err


def test_family_mismatch_is_rejected(tmp_path, capsys):
    spec = tmp_path / "fam.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = rne)\n"
                    "input a, b : e4m3fn\noutput y = dut.result : e4m3fn\n"
                    "prove y == mul(a, b, rne)\nuse strategy decompose_adder\n")
    code, out, err = run_cli(["prove", "--check-only", str(spec)], capsys)
    assert code == 2 and ":5:" in err and "decompose_adder" in err
