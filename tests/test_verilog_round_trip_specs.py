"""Issue #16 (6): the round trip of every generated unit through Verilog. `fpverify verilog SPEC`
exports each shipped spec's generator (FP4..FP8: adders, multipliers incl. an rm port, L-Mul, an
inline format); the export, read back through Yosys as `design verilog`, must get the same verdict
for every property of the same spec; seeded RTL bugs exported the same way must be REFUTED.

Oracles: the Amaranth-elaborated spec's own verdicts (proved elsewhere against the golden model),
and for the seeded bugs the golden replay of the counterexample."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from cli_util import run_cli

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.seeded_bugs.corpus import ENTRIES  # noqa: E402
from fpverify.formats import get_format  # noqa: E402

SMALL_SPECS = ["fp4_mul", "e4m3fn_add", "e4m3fn_mul", "e4m3fn_lmul", "e5m2_add", "e5m2_mul", "e5m2_lmul",
               "fp6_e3m2_add_inline"]
DESIGN_RE = re.compile(r"^design .*$", re.M)


def _verdicts(capsys, spec: Path) -> tuple[int, dict[str, str]]:
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    assert "Traceback" not in err, err
    props = json.loads(out)["specs"][0]["properties"]
    return code, {p["name"]: p["status"] for p in props}


@pytest.mark.parametrize("name", SMALL_SPECS)
def test_generated_unit_through_verilog_gets_the_same_verdicts(capsys, tmp_path, name):
    spec = ROOT / "specs" / f"{name}.spec"
    text = spec.read_text()
    top = re.search(r"^design [\w.]*?\.(\w+)\(", text, re.M).group(1)
    code, out, err = run_cli(["verilog", str(spec), "-o", str(tmp_path / "unit.v")], capsys)
    assert code == 0, err
    exported = tmp_path / f"{name}.spec"
    exported.write_text(DESIGN_RE.sub(f'design verilog "unit.v" : {top}()', text, count=1))
    want_code, want = _verdicts(capsys, spec)
    got_code, got = _verdicts(capsys, exported)
    assert got == want and got_code == want_code, (want, got)
    assert set(want.values()) == {"PROVED"}


SEEDED = [e for e in ENTRIES if e.op == "mul" and e.rounding == "rne" and not e.latency
          and get_format(e.fmt).width <= 8 and not e.lemma_only][:4]


@pytest.mark.parametrize("entry", SEEDED, ids=[e.id for e in SEEDED])
def test_seeded_bug_through_verilog_is_refuted(capsys, tmp_path, entry):
    from fpverify.formats import get_format as fmt_of
    from fpverify.golden import mul
    from fpverify.hdl.verilog import to_verilog

    comp = entry.make()
    (tmp_path / "bug.v").write_text(to_verilog(comp, emit_src=False))
    spec = tmp_path / "bug.spec"
    spec.write_text(f'design verilog "bug.v" : {type(comp).__name__}()\ninput a, b : {entry.fmt}\n'
                    f"output y = dut.result : {entry.fmt}\noutput fl = dut.flags\n"
                    f"prove y == mul(a, b, rne) with flags fl\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert code == 1 and case["status"] == "REFUTED", (entry.id, case)
    r = mul(fmt_of(entry.fmt), case["inputs"]["a"], case["inputs"]["b"])
    shown = re.search(r"expected (0x[0-9a-f]+)", case["counterexample"]).group(1)
    assert int(shown, 16) == r.code, case["counterexample"]
