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
    assert set(props) == {"normal_range", "flushes_subnormal_results"}
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
