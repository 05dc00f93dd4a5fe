"""A plain Amaranth `Elaboratable` (no `wiring` signature, attribute ports with its own names, a
pipeline register) is proved, simulated and refuted through the ports a spec names.

Oracles: the golden model (prove's replay and sim's exhaustive check); the design wraps fpverify's
own E4M3 multiplier, which is proved elsewhere, so PROVED is the truth and the seeded sign bug must
be REFUTED with a replayed counterexample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_util import run_cli

DESIGN = Path(__file__).resolve().parent / "spec_designs" / "plain_elaboratable_mul.py"


def _spec(tmp_path, params: str = 'fmt_name = "e4m3fn"', a: str = "dut.in_a", y: str = "dut.out",
          timing: bool = True) -> Path:
    p = tmp_path / "plain.spec"
    p.write_text(f'design "{DESIGN}" : PlainMul({params})\n'
                 + ("clock clk\nreset rst = 1 for 1 cycles\nlatency 1\n" if timing else "")
                 + f"input a = {a} : e4m3fn\ninput b = dut.in_b : e4m3fn\noutput y = {y} : e4m3fn\n"
                 "prove y == mul(a, b, rne)\n")
    return p


def test_plain_elaboratable_proves(capsys, tmp_path):
    code, out, err = run_cli(["prove", str(_spec(tmp_path)), "--json", "-"], capsys)
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert code == 0 and case["status"] == "PROVED", (case, err)


def test_plain_elaboratable_seeded_bug_is_refuted(capsys, tmp_path):
    code, out, err = run_cli(["prove", str(_spec(tmp_path, 'fmt_name = "e4m3fn", bug = true')), "--json", "-"],
                             capsys)
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert code == 1 and case["status"] == "REFUTED", case
    a, b = case["inputs"]["a"], case["inputs"]["b"]
    from fpverify.formats import get_format
    from fpverify.golden import mul

    assert mul(get_format("e4m3fn"), a, b).code >> 7 == 1  # a negative result, packed without its sign


def test_plain_elaboratable_sim_is_exhaustive(capsys, tmp_path):
    code, out, err = run_cli(["sim", str(_spec(tmp_path)), "--json"], capsys)
    rep = json.loads(out)
    assert code == 0 and rep["ok"] and rep["properties"][0]["vectors"] == 65536, rep


@pytest.mark.parametrize("a, y, needle", [
    ("dut.in_c", "dut.out", "PlainMul has no signal attribute `in_c` (its signal attributes: in_a, in_b, out)"),
    ("dut.in_a", "dut.result", "`y` is bound to `dut.result`, which is not an output port of the design"),
])
def test_plain_elaboratable_bad_port_names_exit_2(capsys, tmp_path, a, y, needle):
    code, out, err = run_cli(["prove", str(_spec(tmp_path, a=a, y=y))], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert needle in err, err
