"""`y == mx_dot_tosa(a, b, sa, sb)` specs end to end: the TOSA-order unit PROVED, a seeded TOSA bug
REFUTED with a replayed, localised counterexample, `sim` against golden, misuse rejected with
file:line:col (exit 2).

Oracle: golden `mx_dot_tosa_rounded` (replay inside the prover and `sim`); the generator is proved
against the independent symbolic reference `smt.reference.mx_dot_tosa`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_util import run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUGS = ROOT / "benchmarks" / "seeded_bugs" / "mx_dot_tosa.py"


def spec(tmp_path: Path, design: str, k: int = 1, prop: str = "prove y == mx_dot_tosa(a, b, sa, sb) with flags fl",
         elem: str = "e2m1fn", out: str = "f32") -> Path:
    p = tmp_path / "tosa.spec"
    p.write_text(f"design {design}\ninput a = dut.a : {elem}[{k}]\ninput b = dut.b : {elem}[{k}]\n"
                 f"input sa = dut.scale_a : e8m0\ninput sb = dut.scale_b : e8m0\n"
                 f"output y = dut.result : {out}\noutput fl = dut.flags\nsolver bitwuzla\n{prop}\n")
    return p


def test_tosa_unit_proved(tmp_path, capsys):
    p = spec(tmp_path, "rtl.mx_dot.MXDot(elem = e2m1fn, k = 1, semantics = tosa)")
    code, out, err = run_cli(["prove", "--no-cache", "--json", "-", str(p)], capsys)
    assert code == 0, out + err
    prop = json.loads(out)["specs"][0]["properties"][0]
    assert prop["name"] == "eq_mx_dot_tosa" and prop["status"] == "PROVED"


def test_seeded_scale_bug_refuted_and_localised(tmp_path, capsys):
    """The scale product not rounded to fp32 first: 2^-150 scales stay nonzero (UNDERFLOW missing)."""
    p = spec(tmp_path, f'"{BUGS}" : ScaleNotRoundedMXDotTOSA(elem = e2m1fn, k = 1)')
    code, out, err = run_cli(["prove", "--no-cache", str(p)], capsys)
    assert code == 1, out + err
    assert "REFUTED" in out and "golden" in out and "first failing stage" in out


def test_exact_semantics_is_not_the_tosa_order(tmp_path, capsys):
    """The exact-sum unit against the TOSA order: refuted (the two differ at the scale edges)."""
    p = spec(tmp_path, "rtl.mx_dot.MXDot(elem = e2m1fn, k = 1)")
    code, out, err = run_cli(["prove", "--no-cache", str(p)], capsys)
    assert code == 1, out + err


def test_sim_against_golden(tmp_path, capsys):
    p = spec(tmp_path, "rtl.mx_dot.MXDot(elem = e2m1fn, k = 2, semantics = tosa)", k=2)
    code, out, err = run_cli(["sim", str(p), "-n", "300", "--seed", "1"], capsys)
    assert code == 0, out + err


@pytest.mark.parametrize("prop, out, elem, where, fragment", [
    ("prove y == mx_dot_tosa(a, b, sa, sb, rne) with flags fl", "f32", "e2m1fn", "call",
     "takes 4 arguments"),
    ("prove y == mx_dot_tosa(a, b, sa, sb) with flags fl", "bf16", "e2m1fn", "y ==", "computes in f32"),
    ("prove y == mx_dot_tosa(a, b, sa, sb) with flags fl", "f32", "bf16", "a, b,", "not an MX element format"),
    ("prove y == mx_dot_tosa(a, a, sa, sb) with flags fl", "f32", "e2m1fn", "a, a,", "used twice"),
])
def test_misuse_is_located(tmp_path, capsys, prop, out, elem, where, fragment):
    p = spec(tmp_path, "rtl.mx_dot.MXDot(elem = e2m1fn, k = 1, semantics = tosa)", prop=prop, elem=elem, out=out)
    code, stdout, err = run_cli(["prove", "--check-only", str(p)], capsys)
    assert code == 2 and "Traceback" not in err, err
    line = p.read_text().splitlines().index(prop) + 1
    assert f"{p}:{line}:" in err and fragment in err, err
