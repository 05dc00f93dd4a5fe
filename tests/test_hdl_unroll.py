"""`fpverify.hdl.unroll`: a pipeline as the combinational netlist of one evaluation, and fault
campaigns on pipelined designs through it.

Oracles: the numpy evaluator's own cycle loop (`evaluate_pipelined`, independent of the unrolling)
exhaustively over E4M3 operand pairs; the z3 translator's unrolling (a miter against the unrolled
netlist); the golden model (the campaign's baseline and every kill is replayed there)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import z3

from cli_util import run_cli
from fpverify.formats import get_format
from fpverify.hdl.evaluate import evaluate, evaluate_pipelined
from fpverify.hdl.netlist import flatten
from fpverify.hdl.reset import ResetSequence, unrolled_edges
from fpverify.hdl.unroll import unroll
from fpverify.smt.netlist_z3 import translate
from rtl.fp_mul import FPMultiplier

HERE = Path(__file__).resolve().parent / "verilog"
PAIRS = np.arange(1 << 16, dtype=np.uint64)
A, B = PAIRS >> np.uint64(8), PAIRS & np.uint64(0xFF)


def _pipeline():
    return flatten(FPMultiplier(fmt=get_format("e4m3fn"), rounding="rne", latency=2))


@pytest.mark.parametrize("reset", [None, ResetSequence("rst", 1, 2)])
def test_unrolled_amaranth_pipeline_equals_the_cycle_loop(reset):
    nl = _pipeline()
    held = {"clk": 0, "rst": 0}
    u = unroll(nl, 2, held, reset)
    assert not u.is_sequential and set(u.inputs) == {"a", "b"}
    got = evaluate(u, {"a": A, "b": B}, ["round_up"])
    want = evaluate_pipelined(nl, {"a": A, "b": B, "clk": 0 * A, "rst": 0 * A}, 2, ["round_up"], reset=reset)
    for port in ("result", "flags", "round_up"):
        assert np.array_equal(got[port], want[port]), port


def test_unrolled_verilog_pipeline_with_async_reset_equals_the_cycle_loop():
    from fpverify.hdl.verilog_read import read_verilog

    nl = read_verilog([HERE / "fp8_mul_pipe.sv", HERE / "fp8_mul.v", HERE / "lzc.v"], "fp8_mul_pipe")
    reset = ResetSequence("arst", 1, 1)
    u = unroll(nl, 2, {"clk": 0, "srst": 0}, reset)
    got = evaluate(u, {"a": A, "b": B})
    zero = 0 * A
    want = evaluate_pipelined(nl, {"a": A, "b": B, "clk": zero, "srst": zero}, 2, reset=reset)
    assert np.array_equal(got["result"], want["result"]) and np.array_equal(got["flags"], want["flags"])


def test_unrolled_netlist_equals_the_z3_unrolling():
    nl = _pipeline()
    reset = ResetSequence("rst", 1, 1)
    u = unroll(nl, 2, {"clk": 0}, reset)
    a, b = z3.BitVec("a", 8), z3.BitVec("b", 8)
    zero1 = z3.BitVecVal(0, 1)
    seq = translate(nl, {"a": a, "b": b, "clk": zero1, "rst": zero1}, cycles=unrolled_edges(2, reset),
                    inputs_per_cycle=reset.prefix())
    comb = translate(u, {"a": a, "b": b})
    s = z3.Solver()
    s.add(z3.Or(seq.output("result") != comb.output("result"), seq.output("flags") != comb.output("flags")))
    assert s.check() == z3.unsat


def test_faults_on_a_pipelined_spec(capsys, tmp_path):
    """The campaign grades the unrolled pipeline: the baseline proves, every non-equivalent mutant
    is killed (with flags checked) and no EQGAP."""
    spec = tmp_path / "pipe.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = rne, latency = 2)\n"
                    "clock clk\nreset rst = 1 for 1 cycles\nlatency 2\ninput a, b : e4m3fn\n"
                    "output y = dut.result : e4m3fn\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl\n")
    out = tmp_path / "f.json"
    code, _, err = run_cli(["faults", str(spec), "-n", "30", "--seed", "3", "--json", str(out)], capsys)
    rep = json.loads(out.read_text())
    assert "Traceback" not in err, err
    assert rep["completed"] == 30 and rep["eqgap"] == 0 and rep["counts"]["UNKNOWN"] == 0, rep["counts"]
    assert rep["counts"]["KILLED"] > 15 and rep["kill_rate"] == 1.0 and code == 0, rep["counts"]
    assert rep["baseline"]["eq_mul"]["status"] == "PASS"
