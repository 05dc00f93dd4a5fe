"""Mixed-format FMA through the DSL: `input a, b : F`, `input c : G`, `prove y == fma(a, b, c, rne)`
(checker, symbolic reference with c in its own format, replay, golden, simulation, faults).

Oracles: golden `fma(..., addend=G)` (itself checked against the widen-then-fma golden of
test_rtl_fma.mixed_golden), the netlist evaluator; a seeded bug that exhaustive simulation shows
to be real must be REFUTED with a replayed counterexample, the clean unit PROVED."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fpverify import golden
from fpverify.formats import get_format
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.rounding import Env

from cli_util import run_cli
from test_rtl_fma import mixed_golden

ROOT = Path(__file__).resolve().parents[1]
MIXED = ("design {design}\ninput a, b : e2m1fn\ninput c : e2m3fn\noutput y = dut.result : e2m3fn\n"
         "output fl = dut.flags\nprove y == fma(a, b, c, rne) with flags fl\n")


def spec_file(tmp_path, design: str, text: str = MIXED) -> Path:
    p = tmp_path / "mixed.spec"
    p.write_text(text.format(design=design))
    return p


def test_golden_mixed_fma_is_the_widened_one():
    f, cf = get_format("e2m1fn"), get_format("e4m3fn")
    for a in range(16):
        for b in range(16):
            for c in range(0, 256, 19):
                g = golden.fma(f, a, b, c, env=Env(), addend=cf)
                assert (g.code, int(g.flags)) == mixed_golden(f, cf, cf, a, b, c, Env())


def test_mixed_fma_proves_through_the_api():
    from fpverify.prove.api import PortMap, prove_equivalence
    from rtl.fp_fma import FPFMA

    f, cf = get_format("e2m1fn"), get_format("e2m3fn")
    r = prove_equivalence(flatten(FPFMA(f, addend_fmt=cf)), "fma", f, addend_fmt=cf, ports=PortMap(c="c"))
    assert r.status == "PROVED" and "e2m1fn+e2m3fn" in r.obligation.name


@pytest.mark.slow  # ~3 s in-process (elaboration, check, proof)
def test_mixed_fma_spec_proves(tmp_path, capsys):
    spec = spec_file(tmp_path, "rtl.fp_fma.FPFMA(fmt = e2m1fn, addend_fmt = e2m3fn, rounding = rne)")
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--no-cache"], capsys)
    assert code == 0, out + err
    prop = json.loads(out)["specs"][0]["properties"][0]
    assert prop["status"] == "PROVED"


def test_mixed_fma_bug_refuted_and_replayed(tmp_path, capsys):
    from benchmarks.seeded_bugs.fma import CancellationLzcFMA

    unit = CancellationLzcFMA("e2m1fn", addend_fmt="e2m3fn")
    spec = spec_file(tmp_path, '"' + str(ROOT / "benchmarks" / "seeded_bugs" / "fma.py")
                     + '" : CancellationLzcFMA(fmt = e2m1fn, addend_fmt = e2m3fn, rounding = rne)')
    code, out, err = run_cli(["prove", str(spec), "--json", "-", "--no-cache"], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert case["status"] == "REFUTED"
    x = {k: case["inputs"][k] for k in "abc"}
    r = evaluate(flatten(unit), {k: np.array([v], dtype=np.uint64) for k, v in x.items()})
    g = golden.fma(unit.fmt, x["a"], x["b"], x["c"], env=Env(), addend=unit.addend_fmt)
    assert (int(r["result"][0]), int(r["flags"][0]) & 0x1F) != (g.code, int(g.flags))
    assert case["decoded"]["c"].startswith(f"{x['c']:#04x}")


def test_mixed_fma_spec_simulates(tmp_path, capsys):
    spec = spec_file(tmp_path, "rtl.fp_fma.FPFMA(fmt = e2m1fn, addend_fmt = e2m3fn, rounding = rne)")
    code, out, err = run_cli(["sim", str(spec)], capsys)
    assert code == 0, out + err


# bad mixed specs (tests/specs_bad/mixed_*.spec) are checked by test_dsl_errors' corpus test


def test_design_port_narrower_than_the_spec_format_exits_2(tmp_path, capsys):
    spec = spec_file(tmp_path, "rtl.fp_fma.FPFMA(fmt = e2m1fn, rounding = rne)")  # c is e2m1fn there
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 2, out + err
    assert "Traceback" not in err
