"""Mangled specs never produce a traceback: tokens and characters of the shipped specs are
inserted, deleted, replaced and lines duplicated or swapped; every result is a clean exit
(0/1/2/3) through `fpverify.cli.main`, with bad input reported as ONE `file:line:col: error:` line.

The solver is stubbed (this is about input handling, not proofs), but the stub still compiles each
property to z3 terms (`symbolic.py`) and evaluates it concretely at one point (`concrete.py`), so
those paths see every mangled-but-valid spec too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpverify.cli import main
from fpverify.errors import InputError
from fpverify.dsl import check_spec, parse_text
from fpverify.dsl.obligations import build_obligation
from fpverify.dsl.replay import replay_general
from fpverify.dsl.verdicts import CaseResult

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "specs" / n for n in ("fp4_mul.spec", "e4m3fn_lmul_error.spec", "e4m3fn_mul_relational.spec",
                                        "fp6_e3m2_add_inline.spec", "e5m2_mul.spec", "e4m3fn_add.spec")]
TEXTS = [p.read_text() for p in SOURCES]
TOKEN = re.compile(r"\w+|:=|==|<=|>=|!=|\S")
VOCAB = sorted({t for s in TEXTS for t in TOKEN.findall(s)} | {
    "(", ")", ",", ":", "=", "[", "]", "{", "}", ";", "^", "-", "*", "/", ":=", "<", "0", "9", "0x1f", "1.5",
    "dut", ".", "ref", "bits", "split", "on", "class", "sign", "exp", "use", "strategy", "multiplier",
    "faults", "mutants", "var", "latency", "3", "timeout", "solver", "bitwuzla", "not", "implies", "true",
    "relerr", "abserr", "value", "neg", "abs", "nan", "inf", "normal", "bf16", "e8m0", "int8", "rounding",
    "\n", "#", '"', "2^-99999", "\x00", "é", "format", "float", "e", "m", "bias", "specials", "fnuz",
    "sqrt", "fma", "lmul", "variant", "A", "C", "wrap", "99999999999999999999", "bits[64]",
    "reset", "clock", "for", "cycles", "rst", "clk", "1"})


def _edit(text: str, data) -> str:
    kind = data.draw(st.sampled_from(["ins_tok", "del_tok", "rep_tok", "ins_chr", "del_chr", "dup_line",
                                      "swap_lines"]))
    if kind in ("ins_chr", "del_chr"):
        i = data.draw(st.integers(0, max(0, len(text) - 1)))
        if kind == "del_chr":
            return text[:i] + text[i + 1:]
        return text[:i] + data.draw(st.characters(codec="utf-8")) + text[i:]
    if kind in ("dup_line", "swap_lines"):
        lines = text.split("\n")
        i = data.draw(st.integers(0, len(lines) - 1))
        j = data.draw(st.integers(0, len(lines) - 1))
        if kind == "dup_line":
            lines.insert(j, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    spans = [m.span() for m in TOKEN.finditer(text)]
    s, e = spans[data.draw(st.integers(0, len(spans) - 1))]
    tok = data.draw(st.sampled_from(VOCAB))
    if kind == "del_tok":
        return text[:s] + text[e:]
    if kind == "rep_tok":
        return text[:s] + tok + text[e:]
    return text[:s] + tok + " " + text[s:]


@st.composite
def mangled(draw):
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        text = _edit(text, draw(st.data()))
    return text


def _stub_case(spec, netlist, prop, case, *, timeout, solver):
    if prop.kind != "equivalence":
        _, terms = build_obligation(spec, netlist, prop, case)
        values = {n: (7 * i + 3) % (1 << t.size()) for i, (n, t) in enumerate(sorted(terms.items()))}
        replay_general(spec, netlist, prop, values)
    return CaseResult(case.label, "UNKNOWN", 0.0, "stub")


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mangled())
def test_mangled_text_parses_or_reports(text):
    """Parser and checker alone (no design): a CheckedSpec or one located InputError."""
    try:
        check_spec(parse_text(text, "m.spec"))
    except InputError as e:
        msg = str(e)
        assert "\n" not in msg.strip() or msg.startswith("m.spec:")
        assert msg.startswith("m.spec:") or msg.startswith("error:"), msg


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=mangled())
def test_mangled_spec_never_tracebacks(text, tmp_path, monkeypatch, capsys):
    import fpverify.dsl.run as run

    monkeypatch.setattr(run, "prove_case", _stub_case)
    path = tmp_path / "mangled.spec"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with pytest.raises(SystemExit) as exc:
        main(["prove", str(path), "--timeout", "1"])
    out, err = capsys.readouterr()
    assert exc.value.code in (0, 1, 2, 3), (exc.value.code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if exc.value.code == 2:
        errors = [ln for ln in err.splitlines() if "error:" in ln]
        assert len(errors) == 1, err
        assert errors[0].startswith(f"{path}:") or errors[0].startswith("error:"), errors[0]


@pytest.mark.slow
@settings(max_examples=1500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=mangled())
def test_mangled_spec_never_tracebacks_long(text, tmp_path, monkeypatch, capsys):
    test_mangled_spec_never_tracebacks.hypothesis.inner_test(text, tmp_path, monkeypatch, capsys)
