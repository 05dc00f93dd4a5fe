"""Readable counterexamples: code/flag text (`fpverify.prove.render`), stage values of the
localisation (`cegar.stage_text`), and `fpverify prove` text and JSON on a refuted spec.

Oracles: IEEE bit layouts written out by hand (bf16 -0 is 0x8000, quiet bit 0x40), the seeded
fault of spec_designs/broken_mul.py (result bit 0 flipped at a == 0x3, b == 0x5: 1.5 * 3 = 4.5
rounds to 4 = 0x6, the design gives 0x7), and json.loads of the emitted document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_util import run_cli

ZERO_SIGN = ('design "{design}" : ZeroSignMul(fmt = e2m1fn)\n'
             "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\n"
             "prove y == mul(a, b, rne)\n{strategy}")
from fpverify.formats import get_format
from fpverify.prove.decompose.cegar import stage_text
from fpverify.prove.render import code_text, flags_text, value_text

DESIGNS = Path(__file__).parent / "spec_designs"


@pytest.mark.parametrize("fmt,code,text", [
    ("bf16", 0x8000, "0x8000 (-0)"),
    ("bf16", 0x0000, "0x0000 (0)"),
    ("e4m3fn", 0x80, "0x80 (-0)"),
    ("bf16", 0x7FC1, "0x7fc1 (nan: quiet, payload 0x1)"),
    ("bf16", 0xFF81, "0xff81 (-nan: signalling, payload 0x1)"),
    ("f32", 0x7FC00000, "0x7fc00000 (nan: quiet, payload 0x0)"),
    ("e4m3fn", 0x7F, "0x7f (nan)"),  # FN formats: one NaN pattern, no payload
    ("bf16", 0xFF80, "0xff80 (-inf)"),
    ("bf16", 0x3FC0, "0x3fc0 (1.5)"),
    ("e2m1fn", 0x1, "0x1 (0.5)"),
    ("int8", 0xFF, "0xff (-1)"),
])
def test_code_text(fmt, code, text):
    assert code_text(get_format(fmt), code) == text


def test_value_text_is_exact_when_no_short_decimal():
    # f32 0x3dcccccd is the float nearest 0.1: 13421773/134217728, not "0.1"
    assert value_text(get_format("f32"), 0x3DCCCCCD) == "0.10000000149011612"
    assert value_text(get_format("bf16"), 0x10000) == "not a code"


def test_flags_only_when_compared():
    assert flags_text(0x11, 0x1F) == "flags inexact,invalid"
    assert flags_text(0x11, 0x01) == "flags inexact"
    assert flags_text(0x11, 0) == ""  # a spec without flags: no flags line at all


@pytest.mark.parametrize("value,width,signed,text", [
    (1, 1, False, "1 (0x1)"), (0, 1, False, "0 (0x0)"), (1, 1, True, "1 (0x1)"),
    (0x1D, 5, True, "-3 (0x1d)"), (0x1D, 5, False, "29 (0x1d)"), (-3, 5, True, "-3 (0x1d)"),
    (0x123, 12, False, "291 (0x123)"),
])
def test_stage_text(value, width, signed, text):
    assert stage_text(value, width, signed) == text


def _plain_leaves(doc, path="$"):
    """Every leaf of a JSON document, with its path; fails on anything but plain scalars."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            assert isinstance(k, str), path
            yield from _plain_leaves(v, f"{path}.{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _plain_leaves(v, f"{path}[{i}]")
    else:
        assert doc is None or isinstance(doc, (bool, int, float, str)), (path, doc)
        yield path, doc


def _broken_spec(tmp_path) -> Path:
    spec = tmp_path / "broken.spec"
    spec.write_text(f'design "{DESIGNS / "broken_mul.py"}" : BrokenMul(fmt = e2m1fn)\n'
                    "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl\nuse strategy decompose_multiplier\n")
    return spec


def test_refuted_spec_text_shows_stage_values_and_bracketed_names(tmp_path, capsys):
    code, out, err = run_cli(["prove", str(_broken_spec(tmp_path))], capsys)
    assert code == 1, out + err
    assert "<function" not in out and "lambda" not in out
    stage = {m.group(1): (m.group(2), m.group(3), m.group(4))
             for m in re.finditer(r"\[(?:ok |BAD)\] (\w+)\s+expected (.+?)\s+actual (.+?)$()", out, re.M)}
    for one_bit in ("round_guard", "round_sticky", "round_up"):
        exp, act, _ = stage[one_bit]
        assert re.fullmatch(r"[01] \(0x[01]\)", exp) and re.fullmatch(r"[01] \(0x[01]\)", act), stage[one_bit]
    assert stage["result"][:2] == ("0x6 (4)", "0x7 (6)")  # the result port reads as e2m1fn codes
    assert stage["flags"][:2] == ("0x01 (inexact)", "0x01 (inexact)")
    assert stage["product"][:2] == ("9 (0x9)", "9 (0x9)")
    assert "first failing stage: result" in out
    # the obligation names keep their [..] labels (rich markup would swallow them)
    assert "case[finite ∧ S∈0..1]: REFUTED" in out, out
    assert "witness[any=nan]" in out


def test_refuted_spec_json_holds_plain_values(tmp_path, capsys):
    code, out, err = run_cli(["prove", str(_broken_spec(tmp_path)), "--json", "-"], capsys)
    assert code == 1, out + err
    doc = json.loads(out)
    leaves = list(_plain_leaves(doc))
    assert not [p for p, v in leaves if isinstance(v, str) and ("<function" in v or " object at 0x" in v)]
    case = doc["specs"][0]["properties"][0]["cases"][0]
    stages = {s["signal"]: s for s in case["decomposition"]["localisation"]["stages"]}
    assert stages["round_sticky"]["width"] == 1 and stages["round_sticky"]["expected"] in (0, 1)
    assert isinstance(stages["round_sticky"]["actual"], int)
    res = stages["result"]
    assert (res["expected"], res["actual"], res["ok"]) == (0x6, 0x7, False)
    assert res["expected_text"] == "0x6 (4)"


def _zero_sign_spec(tmp_path, decomposed: bool) -> Path:
    spec = tmp_path / ("zs_dec.spec" if decomposed else "zs.spec")
    spec.write_text(ZERO_SIGN.format(design=DESIGNS / "zero_sign_mul.py",
                                     strategy="use strategy decompose_multiplier\n" if decomposed else ""))
    return spec


def test_negative_zero_reads_as_negative_zero_in_the_stage_lines(tmp_path, capsys):
    """spec_designs/zero_sign_mul.py gives +0 where the product is -0 (and no flags are compared)."""
    code, out, err = run_cli(["prove", str(_zero_sign_spec(tmp_path, True))], capsys)
    assert code == 1, out + err
    assert re.search(r"\[BAD\] result\s+expected 0x8 \(-0\)\s+actual 0x0 \(0\)$", out, re.M), out


@pytest.mark.parametrize("decomposed", [False, True])
def test_negative_zero_and_uncompared_flags_in_the_replayed_counterexample(tmp_path, capsys, decomposed):
    code, out, err = run_cli(["prove", str(_zero_sign_spec(tmp_path, decomposed))], capsys)
    assert code == 1, out + err
    expected = re.search(r"^  expected (.*)$", out, re.M).group(1)
    netlist = re.search(r"^  netlist  (.*)$", out, re.M).group(1)
    assert expected == "0x8 (-0)" and netlist == "0x0 (0)", (expected, netlist)  # no flags line: none compared
    assert "flag bits compared" not in out


def test_nan_payload_and_quiet_bit_in_the_stage_lines(tmp_path, capsys):
    """spec_designs/payload_nan_mul.py passes the first NaN operand on (quieted) where the golden
    model returns the canonical bf16 NaN 0x7fc0; under `exact nan` the result stage shows both."""
    spec = tmp_path / "nan.spec"
    spec.write_text(f'design "{DESIGNS / "payload_nan_mul.py"}" : PayloadNaNMul(fmt = bf16)\n'
                    "use strategy decompose_multiplier\n"
                    "input a, b : bf16\noutput y = dut.result : bf16\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl, exact nan\n")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 1, out + err
    m = re.search(r"\[BAD\] result\s+expected (.+?)\s+actual (.+)$", out, re.M)
    assert m, out
    assert m.group(1) == "0x7fc0 (nan: quiet, payload 0x0)"
    assert re.fullmatch(r"0x[0-9a-f]{4} \(-?nan: quiet, payload 0x[0-9a-f]+\)", m.group(2)), m.group(2)
    assert m.group(2) != m.group(1)
