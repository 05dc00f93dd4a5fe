"""RTL-vs-golden comparison, design references, VCD writing and the `sim` / `verilog` commands.

Oracles: the golden model (through its cached tables, which agree with TestFloat) for the
comparisons; hand-counted injected bugs for the mismatch reports."""

import json
import re
import textwrap

import numpy as np
import pytest

from fpverify.cli import main
from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.hdl.design import resolve_design
from fpverify.hdl.simcheck import compare_with_golden, describe_code, edge_codes, sample_codes

BUGGY = textwrap.dedent('''
    from amaranth.hdl import Module
    from amaranth.lib import wiring
    from amaranth.lib.wiring import In, Out
    from rtl.fp_mul import FPMultiplier


    class BuggyMul(wiring.Component):
        """FPMultiplier with the result LSB flipped for a == 0x39 and b's mantissa == 5."""
        op = "mul"

        def __init__(self, fmt="e4m3fn", latency=0):
            ref = FPMultiplier(fmt, latency=latency)
            ref._MustUse__silence = True  # only read for its attributes
            self.fmt, self.out_fmt, self.rounding = ref.fmt, ref.out_fmt, ref.rounding
            self.overflow, self.tininess, self.latency = ref.overflow, ref.tininess, latency
            w = self.fmt.width
            super().__init__({"a": In(w), "b": In(w), "result": Out(w), "flags": Out(5)})

        def elaborate(self, platform):
            m = Module()
            m.submodules.mul = mul = FPMultiplier(self.fmt, latency=self.latency)
            bug = (self.a == 0x39) & (self.b[0:3] == 5)
            m.d.comb += [mul.a.eq(self.a), mul.b.eq(self.b), self.flags.eq(mul.flags),
                         self.result.eq(mul.result ^ bug)]
            return m
''')


@pytest.fixture
def buggy_file(tmp_path):
    p = tmp_path / "buggy_mul.py"
    p.write_text(BUGGY)
    return p


def test_exhaustive_fp8_multiplier_matches_golden():
    d = resolve_design("rtl.fp_mul.FPMultiplier(fmt=e4m3fn, rounding=rne)")
    r = compare_with_golden(d.component)
    assert r.method == "exhaustive" and r.vectors == 1 << 16
    assert r.ok and r.mismatches == 0


def test_injected_bug_is_found_exactly_with_decoded_report_and_vcd(buggy_file, tmp_path):
    d = resolve_design(f"{buggy_file}:BuggyMul()")
    r = compare_with_golden(d.component, vcd_dir=tmp_path / "vcd", max_examples=5,
                            component_factory=d.instantiate)
    assert not r.ok
    assert r.mismatches == r.result_mismatches == 32 and r.flag_mismatches == 0
    assert len(r.examples) == 5
    ex = r.to_json()["examples"][0]
    assert ex["a"].startswith("0x39 (+1.125)")
    assert ex["kind"] == "result" and (int(ex["got"][:4], 16) ^ int(ex["expected"][:4], 16)) == 1
    vcd = (tmp_path / "vcd" / "BuggyMul_mismatches.vcd").read_text()
    assert "$var" in vcd and re.search(r"\bmul\b", vcd)  # hierarchy traced
    stamps = re.findall(r"^#(\d+)", vcd, re.M)
    assert len(set(stamps)) >= 5  # time advances between vectors


def test_pipelined_bug_is_found_through_the_pipeline(buggy_file):
    d = resolve_design(f"{buggy_file}:BuggyMul(latency=2)")
    r = compare_with_golden(d.component)
    assert r.mismatches == 32


def test_rm_port_and_sub_port_cover_every_control_setting():
    d = resolve_design("rtl.fp_add.FPAdder(fmt=e2m3, rounding=port)")
    r = compare_with_golden(d.component)
    assert r.ok and r.method == "exhaustive"
    assert len(r.per_mode) == 12 and all(s["vectors"] == 4096 for s in r.per_mode.values())


def test_sampled_wide_format_with_edge_weighting():
    fmt = get_format("bf16")
    edges = set(edge_codes(fmt))
    assert {0, 0x8000, fmt.max_code, fmt.inf_code(0), 0x3F80, 1} <= edges
    a, b = sample_codes(fmt, 4000, np.random.default_rng(1))
    hit = np.isin(a, list(edges)) | np.isin(b, list(edges))
    assert 0.15 < hit.mean() < 0.6
    r = compare_with_golden(resolve_design("rtl.fp_mul.FPMultiplier(fmt=bf16)").component, n=1500, seed=4)
    assert r.method == "sampled" and r.vectors == 1500 and r.ok


def test_describe_code():
    e4 = get_format("e4m3fn")
    assert describe_code(e4, 0x38) == "0x38 (+1)"
    assert describe_code(e4, 0x7F) == "0x7f (NaN)"
    assert describe_code(e4, 0x80) == "0x80 (-0)"
    assert describe_code(e4, 0x01) == "0x01 (+0.001953125 = +2^-9)"


@pytest.mark.parametrize("text, col, msg", [
    ("rtl.fp_mul.FPMultiplier(fmt=e4m3fx)", 29, "unknown format"),
    ("rtl.fp_mul.FPMultiplier(fmt=e4m3fn, rounding=rnx)", 46, "bad rounding"),
    ("rtl.fp_mul.FPMultiplier(fmt=e4m3fn, bogus=1)", 43, "no parameter 'bogus'"),
    ("rtl.fp_mul.Nope(fmt=e4m3fn)", 12, "has no design class 'Nope'"),
    ("rtl.fp_mul.FPMultiplier(fmt=__import__('os'))", 29, "not a class"),
    ("rtl.fp_mul.FPMultiplier(fmt=e4m3fn", 24, "cannot parse"),
    ("nowhere.py:Unit()", 1, "design file not found"),
    ("Frobnicator()", 1, "unknown design"),
])
def test_design_reference_errors_have_columns(text, col, msg):
    with pytest.raises(InputError) as e:
        resolve_design(text)
    assert msg in e.value.message
    assert (e.value.file, e.value.line, e.value.col) == ("<design>", 1, col)


def test_design_reference_forms():
    def built(text):
        c = resolve_design(text).component
        c._MustUse__silence = True  # never elaborated here
        return c

    c = built("FPMultiplier(e5m2, latency=2)")
    assert c.fmt.name == "e5m2" and c.latency == 2
    assert built("rtl.lmul.LMulUnit(fmt=e4m3, policy=LMulPolicy(variant=A))").policy.variant.value == "A"
    assert built("rtl.fp_add.FPAdder(fmt=e4m3fn, rounding=port)").rounding == "port"


def _run(capsys, *argv):
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_cli_sim_pass_fail_json_and_errors(capsys, buggy_file, tmp_path):
    code, out, _ = _run(capsys, "sim", "rtl.fp_mul.FPMultiplier(fmt=e4m3fn, rounding=rtz)")
    assert code == 0 and out.startswith("PASS") and "65,536 vectors" in out
    code, out, _ = _run(capsys, "sim", f"{buggy_file}:BuggyMul()", "--json", "--vcd", str(tmp_path))
    rep = json.loads(out)
    assert code == 1 and rep["mismatches"] == 32 and rep["vcd"] and len(rep["examples"]) == 10
    code, out, _ = _run(capsys, "sim", f"{buggy_file}:BuggyMul()", "--max-examples", "2")
    assert code == 1 and "mismatch 2 [result]" in out and "... 30 more" in out and "expected = 0x" in out
    code, out, _ = _run(capsys, "sim", "--op", "mul", "--format", "bf16", "-n", "500")
    assert code == 0 and "sampled" in out
    code, _, err = _run(capsys, "sim", "rtl.fp_mul.FPMultiplier(fmt=e4m3fx)")
    assert code == 2 and "<design>:1:29: error: unknown format" in err
    code, _, err = _run(capsys, "sim", "--op", "mul")
    assert code == 2 and "error:" in err


def test_cli_verilog(capsys, tmp_path):
    from fpverify.hdl.verilog import yosys_available

    if not yosys_available():
        pytest.skip("no Yosys (system or builtin) installed")
    target = tmp_path / "mul.v"
    code, _, err = _run(capsys, "verilog", "rtl.fp_mul.FPMultiplier(fmt=e2m1)", "-o", str(target))
    text = target.read_text()
    assert code == 0 and "module FPMultiplier" in text and "endmodule" in text
    assert re.search(r"input \[3:0\] a;", text) and re.search(r"output \[4:0\] flags;", text)
    code, _, err = _run(capsys, "verilog", "rtl.fp_mul.FPMultiplier(fmt=nope)")
    assert code == 2 and "unknown format" in err
