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


# ---- the assumption's exact product, cut with the multiplier ------------------------------------
# Oracle: the netlist evaluator and the golden model replay every counterexample; z3 (bit-blasted,
# exhaustive over the codes) checks the rewrite identity itself.

F32_RANGE = "prove y == mul(a, b, rne) assuming normal(a) and normal(b) and abs(a*b) >= 2^-126"


def _f32_spec(tmp_path, variant: tuple[str, str] | None = None) -> Path:
    v = (VERILOG / "fp_mul_5stage.v").read_text()
    if variant:
        assert variant[0] in v
        v = v.replace(*variant)
    (tmp_path / "fp_mul_5stage.v").write_text(v)
    p = tmp_path / "f32.spec"
    p.write_text('design verilog "fp_mul_5stage.v" : fp_mul_5stage(EW = 8, MW = 23)\n'
                 "clock clk\nreset rst = 1 for 1 cycles\nlatency 5\n"
                 "input a, b : f32\noutput y = dut.y : f32\n" + F32_RANGE + "\n"
                 "use strategy decompose_multiplier\n" + MAPS)
    return p


def test_f32_normal_range_contract_proves_with_the_product_in_the_assumption(capsys, tmp_path):
    """The assumption reads a*b; the engine rewrites it onto the cut product (lemmas L0 say the
    assumption's significands are the ones the engine normalised)."""
    code, case, err = _prove(capsys, _f32_spec(tmp_path))
    assert code == 0 and case["status"] == "PROVED", case
    assert {"L0 assumed-product[a]", "L0 assumed-product[b]"} <= set(case["lemmas"])


def test_f32_flush_one_binade_too_early_is_refuted_at_the_boundary(capsys, tmp_path):
    """Results in the lowest normal binade flushed: inside the contract, so a replayed counterexample
    whose expected result has the minimum exponent."""
    code, case, err = _prove(capsys, _f32_spec(tmp_path, ("zero4 || e4 <= 0", "zero4 || e4 <= 1")))
    assert code == 1 and case["status"] == "REFUTED", case
    from fpverify.formats import get_format
    from fpverify.golden import mul

    f32 = get_format("f32")
    expected = mul(f32, case["inputs"]["a"], case["inputs"]["b"]).code
    assert (expected >> 23) & 0xFF == 1 and f"expected {expected:#010x}" in case["counterexample"]


def test_f32_bug_outside_the_contract_still_proves(capsys, tmp_path):
    """Results below the smallest normal are packed wrongly (e4 == 0 no longer flushed): the
    contract excludes them, and no model of the rewritten assumption may claim otherwise."""
    code, case, err = _prove(capsys, _f32_spec(tmp_path, ("zero4 || e4 <= 0", "zero4 || e4 < 0")))
    assert code == 0 and case["status"] == "PROVED", case


@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2", "e2m1", pytest.param("f16", marks=pytest.mark.slow)])
def test_product_rewrite_identity(fmt):
    """raw_a * raw_b == (nsig_a * nsig_b) >> (lzc_a + lzc_b) for every finite pair of codes (zeros
    included), and the raw significand is the reference's (what lemma L0 proves per design). Oracle:
    z3 on the bit-vector identity itself; f16 (11-bit significands) takes z3 minutes: slow marker."""
    import z3

    from fpverify.formats import get_format
    from fpverify.smt.exact_product import raw_significand, significand_product
    from fpverify.smt.reference.bv import zext
    from fpverify.smt.reference.unpack import exp_width, normalise, unpack

    f = get_format(fmt)
    a, b = z3.BitVec("a", f.bits), z3.BitVec("b", f.bits)
    x, y = normalise(unpack(f, a, exp_width(f, f))), normalise(unpack(f, b, exp_width(f, f)))
    p = f.precision
    shift = zext(x.shift + y.shift, 2 * p) if x.shift.size() < 2 * p else z3.Extract(2 * p - 1, 0, x.shift + y.shift)
    real = zext(x.nsig, 2 * p) * zext(y.nsig, 2 * p)
    finite = lambda n: z3.And(n.u.valid, z3.Not(n.u.is_nan), z3.Not(n.u.is_inf))
    s = z3.Solver()
    s.add(finite(x), finite(y), z3.Or(significand_product(f, a, f, b) != z3.LShR(real, shift),
                                      raw_significand(f, a) != x.u.sig))
    assert s.check() == z3.unsat


def test_mapped_stages_appear_in_the_localisation(capsys, tmp_path):
    """A rounding bug in the mapped unit: the counterexample's stage table compares the map's own
    signals (siga, sigb, u_mul.p) with the reference and marks the output as the first failure."""
    v = (VERILOG / "fp_mul_5stage.v").read_text().replace("guard & (sticky | keep[0])", "guard & sticky")
    (tmp_path / "rnd.v").write_text(v)
    spec = _e5m2_spec(tmp_path, NORMAL_RANGE)
    spec.write_text(spec.read_text().replace(f'"{VERILOG / "fp_mul_5stage.v"}"', f'"{tmp_path / "rnd.v"}"'))
    code, case, err = _prove(capsys, spec)
    assert code == 1 and case["status"] == "REFUTED", case
    text = case["counterexample"]
    for line in ("[ok ] siga", "[ok ] sigb", "[ok ] u_mul.p", "[BAD] y"):
        assert line in text, text
