"""The third-party-style five-stage multipliers (tests/verilog/fp_mul_5stage.v): their normal-range
contracts hold by simulation through the specs' clock/reset/latency, a seeded rounding bug is caught,
and the flush-to-zero behaviour really differs from IEEE outside the contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_util import run_cli

VERILOG = Path(__file__).resolve().parent / "verilog"
SPECS = ["f16_mul_5stage.spec", "f32_mul_5stage.spec"]


def _sim_json(capsys, spec: Path) -> tuple[int, dict]:
    code, out, err = run_cli(["sim", str(spec), "--json"], capsys)
    assert "Traceback" not in err, err
    return code, json.loads(out)


@pytest.mark.parametrize("name", SPECS)
def test_five_stage_contract_holds(capsys, name):
    code, rep = _sim_json(capsys, VERILOG / name)
    props = {p["name"]: p for p in rep["properties"]}
    assert code == 0 and rep["ok"], rep
    assert set(props) == {"normal_range", "normal_exponents", "flushes_subnormal_results"}
    for p in props.values():
        assert p["status"] == "PASS" and p["vectors"] > 1000 and p["mismatches"] == 0


def _variant(tmp_path, old: str, new: str, prop: str | None = None) -> Path:
    v = (VERILOG / "fp_mul_5stage.v").read_text()
    assert old in v
    (tmp_path / "fp_mul_5stage.v").write_text(v.replace(old, new))
    spec = (VERILOG / "f16_mul_5stage.spec").read_text()
    if prop is not None:
        spec += prop + "\n"
    p = tmp_path / "f16_mul_5stage.spec"
    p.write_text(spec)
    return p


def test_seeded_rounding_bug_fails(capsys, tmp_path):
    spec = _variant(tmp_path, "guard & (sticky | keep[0])", "guard")
    code, rep = _sim_json(capsys, spec)
    props = {p["name"]: p for p in rep["properties"]}
    assert code == 1 and props["normal_range"]["status"] == "FAIL" and props["normal_range"]["mismatches"] > 0


def test_flush_to_zero_is_outside_ieee(capsys, tmp_path):
    shutil.copy(VERILOG / "fp_mul_5stage.v", tmp_path / "fp_mul_5stage.v")
    spec = _variant(tmp_path, "", "", "prove ieee: y == mul(a, b, rne)")
    code, rep = _sim_json(capsys, spec)
    props = {p["name"]: p for p in rep["properties"]}
    assert code == 1 and props["ieee"]["status"] == "FAIL" and props["normal_range"]["status"] == "PASS"


# ---- decomposition through `map` statements ---------------------------------------------------

MAPS = "map product = dut.u_mul.p\nmap a_sig = dut.siga\nmap b_sig = dut.sigb\n"


def _e5m2_spec(tmp_path, prop: str, maps: str = MAPS, strategy: bool = True) -> Path:
    """The five-stage unit as an e5m2 multiplier (EW=5, MW=2: IEEE-style), small enough for tests."""
    p = tmp_path / "e5m2_5stage.spec"
    p.write_text(f'design verilog "{VERILOG / "fp_mul_5stage.v"}" : fp_mul_5stage(EW = 5, MW = 2)\n'
                 "clock clk\nreset rst = 1 for 1 cycles\nlatency 5\n"
                 "input a, b : e5m2\noutput y = dut.y : e5m2\n" + prop + "\n"
                 + ("use strategy decompose_multiplier\n" if strategy else "") + maps)
    return p


def _prove(capsys, spec: Path) -> tuple[int, dict, str]:
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    assert "Traceback" not in err, err
    if code == 2:
        return code, {}, err
    prop = json.loads(out)["specs"][0]["properties"][0]
    return code, prop["cases"][0], err


NORMAL_RANGE = "prove y == mul(a, b, rne) assuming normal(a) and normal(b) and abs(a*b) >= 2^-14"


def test_mapped_cut_proves_the_normal_range_contract(capsys, tmp_path):
    code, case, err = _prove(capsys, _e5m2_spec(tmp_path, NORMAL_RANGE))
    assert code == 0 and case["status"] == "PROVED", case
    lemmas = case["lemmas"]
    assert "L2 map product = dut.u_mul.p (line 9)" in lemmas
    assert "L1 map a_sig = dut.siga (line 10)" in lemmas and "L1 map b_sig = dut.sigb (line 11)" in lemmas


def test_mapped_cut_refutes_outside_the_contract(capsys, tmp_path):
    """Without the normal-range assumption the flush-to-zero unit is not IEEE: a replayed counterexample."""
    code, case, err = _prove(capsys, _e5m2_spec(tmp_path, "prove y == mul(a, b, rne)"))
    assert code == 1 and case["status"] == "REFUTED", case


def test_wrong_map_names_the_failing_lemma(capsys, tmp_path):
    """`a_sig` bound to b's significand: its lemmas do not hold; the verdict says which map lines,
    and the cases are re-proved without the cut."""
    maps = MAPS.replace("a_sig = dut.siga", "a_sig = dut.sigb")
    code, case, err = _prove(capsys, _e5m2_spec(tmp_path, NORMAL_RANGE, maps))
    failed = [o for o in case["decomposition"]["obligations"] if o["status"] == "FAILED"]
    # product == sigb * sigb does not hold either (L2 reads the mapped a_sig)
    assert sorted(o["name"] for o in failed) == ["L1 map a_sig = dut.sigb (line 10)",
                                                 "L2 map product = dut.u_mul.p (line 9)"]
    assert "lemma L1 map a_sig = dut.sigb (line 10) does not hold" in case["message"]
    assert code == 0 and case["status"] == "PROVED" and case["lemmas"] == []


@pytest.mark.parametrize("maps, strategy, needle", [
    (MAPS + "map sticky = dut.sticky\n", True, "unknown stage `sticky`"),
    ("map product = dut.u_mul.p\n", True, "missing: a_sig, b_sig"),
    (MAPS + "map product = dut.prod\n", True, "mapped twice"),
    (MAPS.replace("dut.siga", "dut.nope"), True, "unknown signal `dut.nope`"),
    (MAPS, False, "add `use strategy decompose_multiplier`"),
])
def test_bad_maps_exit_2(capsys, tmp_path, maps, strategy, needle):
    spec = _e5m2_spec(tmp_path, NORMAL_RANGE, maps, strategy)
    code, out, err = run_cli(["prove", "--check-only", str(spec)], capsys)
    assert code == 2 and needle in err and "Traceback" not in err, err


# ---- automatic: no `map` ----------------------------------------------------------------------

def test_without_map_the_engine_finds_the_product_cell(capsys, tmp_path):
    """The `*` cell fed (through the operand registers and their reset muxes) by the fraction fields
    under a constant hidden bit is cut; its lemmas say it was found automatically."""
    code, case, err = _prove(capsys, _e5m2_spec(tmp_path, NORMAL_RANGE, maps=""))
    assert code == 0 and case["status"] == "PROVED", case
    assert case["strategy"] == "decompose_multiplier"
    assert any(n.startswith("L2 automatic: `*` cell") for n in case["lemmas"]), case["lemmas"]
    assert any(n.startswith("L1 automatic:") and "(operand a)" in n for n in case["lemmas"])


def test_without_a_product_cell_it_says_why_and_falls_back(capsys, tmp_path):
    """fp8_mul.v multiplies normalised significands (shifted by a leading-zero count): no `*` cell
    reads the raw fields, so the proof is monolithic and the message says why."""
    text = (VERILOG / "fp8_mul_mapped.spec").read_text()
    spec = tmp_path / "fp8.spec"
    spec.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("map"))
                    .replace('"fp8_mul.v", "lzc.v"', f'"{VERILOG / "fp8_mul.v"}", "{VERILOG / "lzc.v"}"') + "\n")
    code, case, err = _prove(capsys, spec)
    assert code == 0 and case["status"] == "PROVED", case
    assert case["message"].startswith("decomposition fell back to the monolithic miter: no `*` cell")
    assert "(they come from <<)" in case["message"] and not case.get("lemmas")
