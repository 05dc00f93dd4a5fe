"""`y == mx_dot(a, b, sa, sb, MODE)` specs end to end on small FP4 units (k = 1, 2): PROVED on the
generator, the seeded bugs REFUTED with a replayed counterexample and their first failing stage,
and misuses rejected with file:line:col (exit 2).

Oracle: the generator is proved against the symbolic reference; the counterexamples are replayed
by `prove_mx_dot` against golden `mx_dot_exact`; the expected stages follow from each bug's hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_util import run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUGS = ROOT / "benchmarks" / "seeded_bugs" / "mx_dot.py"


def spec_text(design: str, k: int, rest: str = "prove y == mx_dot(a, b, sa, sb, rne) with flags fl\n") -> str:
    return (f"design {design}(elem = e2m1fn, k = {k})\n"
            f"input a = dut.a : e2m1fn[{k}]\ninput b = dut.b : e2m1fn[{k}]\n"
            "input sa = dut.scale_a : e8m0\ninput sb = dut.scale_b : e8m0\n"
            "output y = dut.result : f32\noutput fl = dut.flags\nsolver bitwuzla\n" + rest)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "dot.spec"
    p.write_text(text)
    return p


def test_fp4_dot_k1_proved(tmp_path, capsys):
    code, out, err = run_cli(["prove", str(write(tmp_path, spec_text("rtl.mx_dot.MXDot", 1)))], capsys)
    assert code == 0, out + err
    assert "PROVED" in out


def test_fp4_dot_k2_spec_proved(capsys):
    code, out, err = run_cli(["prove", str(ROOT / "tests" / "specs" / "mxfp4_dot2.spec")], capsys)
    assert code == 0, out + err
    assert "PROVED" in out


@pytest.mark.parametrize("bug, stage", [("ScaleBiasOffByOneMXDot", "dot_scale_exp"),
                                        ("NanScaleIgnoredMXDot", "dot_nan")])
def test_seeded_bug_refuted_and_localised(tmp_path, capsys, bug, stage):
    import json

    spec = write(tmp_path, spec_text(f'"{BUGS}" : {bug}', 1))
    code, out, err = run_cli(["prove", "--json", "-", str(spec)], capsys)
    assert code == 1, out + err
    data = json.loads(out)
    text = json.dumps(data)
    assert "REFUTED" in text and f'"first_failing": "{stage}"' in text
    assert "golden" in text and "netlist" in text


PROVE = "prove y == mx_dot(a, b, sa, sb, rne) with flags fl\n"
BAD = [  # (text replaced, replacement, line, col, fragment)
    ("input a = dut.a : e2m1fn[1]", "input a = dut.a : e2m1fn[3]", 9, 22, "`b` has 1 elements but `a` has 3"),
    (PROVE, "prove y == mx_dot(a, b, sa, rne) with flags fl\n", 9, 12, "takes 5 arguments"),
    (PROVE, "prove y == mx_dot(a, b, sa, a, rne) with flags fl\n", 9, 29, "an MX block scale is e8m0"),
    (PROVE, PROVE + "assume a == 0\n", 10, 8, "is a vector (e2m1fn[1])"),
    ("y = dut.result : f32", "y = dut.result : f16", 9, 7, "rounds into f32 or bf16"),
    ("input b = dut.b : e2m1fn[1]", "input b = dut.b : f16[1]", 9, 22, "not an MX element format"),
    ("input sb = dut.scale_b : e8m0", "input sb = dut.scale_b : bits[8]", 9, 29, "an MX block scale is e8m0"),
    (PROVE, "prove y == mx_dot(a, b, sa, sb, sra4) with flags fl\n", 9, 33, "stochastic"),
]


@pytest.mark.parametrize("old, new, line, col, fragment", BAD)
def test_bad_dot_spec_exit_2(tmp_path, capsys, old, new, line, col, fragment):
    text = spec_text("rtl.mx_dot.MXDot", 1)
    assert old in text
    spec = write(tmp_path, text.replace(old, new))
    code, out, err = run_cli(["prove", "--check-only", str(spec)], capsys)
    assert code == 2, out + err
    assert "Traceback" not in err
    assert f"{spec}:{line}:{col}: error: " in err and fragment in err, err


def test_vector_width_must_match_the_port(tmp_path, capsys):
    """e2m1fn[2] is 8 bits; the k = 1 unit's `a` port is 4 bits: a binding error, exit 2."""
    text = spec_text("rtl.mx_dot.MXDot", 1).replace("e2m1fn[1]", "e2m1fn[2]")
    spec = write(tmp_path, text)
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 2, out + err
    assert f"{spec}:2:7: error: " in err and "is 4 bits but `e2m1fn[2]` is 8 bits" in err, err


def test_sim_agrees_with_golden(tmp_path, capsys):
    code, out, err = run_cli(["sim", "-n", "1500", str(write(tmp_path, spec_text("rtl.mx_dot.MXDot", 2)))], capsys)
    assert code == 0, out + err
    assert "1,500 vectors checked" in out and "0 mismatches" in out


def test_sim_finds_seeded_bug(tmp_path, capsys):
    spec = write(tmp_path, spec_text(f'"{BUGS}" : ScaleBiasOffByOneMXDot', 1))
    code, out, err = run_cli(["sim", "-n", "300", "--max-examples", "1", str(spec)], capsys)
    assert code == 1, out + err
    assert "golden mx_dot = " in out and "netlist y = " in out


def test_faults_campaign_no_survivors(tmp_path, capsys):
    import json

    spec = write(tmp_path, spec_text("rtl.mx_dot.MXDot", 1))
    report = tmp_path / "f.json"
    code, out, err = run_cli(["faults", "-n", "8", "--no-cache", "--json", str(report), str(spec)], capsys)
    assert code == 0, out + err
    data = json.loads(report.read_text())
    assert data["completed"] == 8 and data["eqgap"] == 0
    assert data["counts"]["SURVIVED"] == 0 and data["counts"]["KILLED"] > 0, data["counts"]


def rm_spec(design: str) -> str:
    return spec_text(design, 1, "input r = dut.rm : rounding\nprove y == mx_dot(a, b, sa, sb, r) with flags fl\n")


@pytest.mark.slow  # six miters, about 2 s
def test_rounding_input_proved_per_mode(tmp_path, capsys):
    spec = write(tmp_path, rm_spec("rtl.mx_dot.MXDot").replace("k = 1)", "k = 1, rounding = port)"))
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 0, out + err


def test_rounding_input_refuted_names_the_mode(tmp_path, capsys):
    spec = write(tmp_path, rm_spec(f'"{BUGS}" : ScaleBiasOffByOneMXDot').replace("k = 1)", "k = 1, rounding = port)"))
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 1, out + err
    assert "r = 0 (rne)" in out and "first failing stage: dot_scale_exp" in out


def test_static_mode_mismatch_refuted(tmp_path, capsys):
    """A unit generated with RTZ does not compute mx_dot(..., rne): the mode is part of the property."""
    spec = write(tmp_path, spec_text("rtl.mx_dot.MXDot", 1).replace("k = 1)", "k = 1, rounding = rtz)"))
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 1, out + err
    assert "first failing stage: result" in out


def test_sim_with_rounding_input(tmp_path, capsys):
    spec = write(tmp_path, rm_spec("rtl.mx_dot.MXDot").replace("k = 1)", "k = 1, rounding = port)"))
    code, out, err = run_cli(["sim", "-n", "1200", str(spec)], capsys)
    assert code == 0, out + err
    assert "over a, b, sa, sb, r" in out and "0 mismatches" in out


@pytest.mark.slow  # ~3 s wall: the solver process is stopped at the time limit
def test_timeout_is_unknown_exit_3(tmp_path, capsys):
    spec = write(tmp_path, spec_text("rtl.mx_dot.MXDot", 2) + "timeout 0.01\n")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 3, out + err
    assert "UNKNOWN" in out


def test_mixed_elements_and_bf16_output_check(tmp_path, capsys):
    """E4M3 x E5M2 blocks into bf16: a valid property (checked against the elaborated unit)."""
    text = (spec_text("rtl.mx_dot.MXDot", 2)
            .replace("(elem = e2m1fn, k = 2)", "(elem = e4m3fn, elem_b = e5m2, k = 2, out_fmt = bf16)")
            .replace("dut.a : e2m1fn[2]", "dut.a : e4m3fn[2]").replace("dut.b : e2m1fn[2]", "dut.b : e5m2[2]")
            .replace(": f32", ": bf16"))
    code, out, err = run_cli(["prove", "--check-only", str(write(tmp_path, text))], capsys)
    assert code == 0, out + err
