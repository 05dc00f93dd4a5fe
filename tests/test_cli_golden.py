"""`fpverify formats`, `eval`, `vectors gen|check` through `fpverify.cli.main`, bad input included.

Every bad input must give one clear message and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fpverify.cli import main
from fpverify.formats import all_formats


def run(args, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return e.value.code, out.out, out.err


# ---- formats ---------------------------------------------------------------------------------------


def test_formats_table_lists_every_format(capsys):
    code, out, _ = run(["formats"], capsys)
    assert code == 0
    for f in all_formats():
        assert f.name in out
    assert "448" in out and "57344" in out and "2^-9" in out


def test_formats_json(capsys):
    code, out, _ = run(["formats", "--json"], capsys)
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {f.name for f in all_formats()}
    e4 = rows["e4m3fn"]
    assert (e4["E"], e4["M"], e4["bias"], e4["inf"], e4["nan"], e4["neg_zero"]) == (4, 3, 7, False, True, True)
    assert float.fromhex(e4["max"]) == 448 and float.fromhex(e4["min_subnormal"]) == 2 ** -9
    assert e4["overflow"] == "nan" and rows["e2m1fn"]["overflow"] == "satfinite"
    assert float.fromhex(rows["f32"]["max"]) == 3.4028234663852886e38


# ---- eval ------------------------------------------------------------------------------------------------


def test_eval_mul(capsys):
    code, out, _ = run(["eval", "e4m3fn_mul", "0x3c", "0x40", "--rounding", "rne"], capsys)
    assert code == 0
    assert "0x44" in out and " 3 " in out and "flags  -" in out


def test_eval_conversion_tie(capsys):
    code, out, _ = run(["eval", "f32_to_e4m3fn", "0x43e80000"], capsys)
    assert code == 0 and "0x7e" in out and "448" in out and "inexact" in out


def test_eval_values_and_json(capsys):
    code, out, _ = run(["eval", "e4m3fn_add", "--value", "3.14", "--value", "-0.5", "--json"], capsys)
    d = json.loads(out)
    assert code == 0
    assert d["operands"][0]["code"] == "0x45" and d["operands"][0]["input_flags"] == "inexact"
    assert d["operands"][1]["code"] == "0xb0"
    assert d["result"]["value"] == "2.75" and d["flag_names"] == "-"


def test_eval_encode_bare_format(capsys):
    code, out, _ = run(["eval", "e5m2", "--value", "61440", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["operands"][0]["code"] == "0x7c" and "overflow" in d["operands"][0]["input_flags"]


def test_eval_stochastic_and_lmul(capsys):
    code, out, _ = run(["eval", "e2m1fn_add", "0x3", "0x1", "-r", "sra4", "-R", "7", "--json"], capsys)
    assert code == 0 and json.loads(out)["random_bits"] == 7
    code, out, _ = run(["eval", "bf16_lmul", "0x3fc0", "0x3fc0", "--json"], capsys)
    assert code == 0 and json.loads(out)["result"]["code"] == "0x4008"  # variant B carry
    code, out, _ = run(["eval", "bf16_lmul", "0x3fc0", "0x3fc0", "--lmul-variant", "A", "--json"], capsys)
    assert json.loads(out)["result"]["value"] == "2.0625"
    code, out, _ = run(["eval", "f32_lmul", "0", "0x40400000", "--lmul-specials", "wrap", "--json"], capsys)
    assert json.loads(out)["result"]["code"] == "0xc80000"


def test_eval_overflow_policy(capsys):
    code, out, _ = run(["eval", "e4m3fn", "--value", "500", "--overflow", "satfinite", "--json"], capsys)
    assert json.loads(out)["operands"][0]["code"] == "0x7e"


# ---- vectors gen / check ---------------------------------------------------------------------------------


def test_vectors_gen_then_check(tmp_path, capsys):
    f = tmp_path / "v.tv"
    code, _, _ = run(["vectors", "gen", "e4m3fn_mul", "-n", "300", "--seed", "4", "-o", str(f)], capsys)
    assert code == 0 and len(f.read_text().splitlines()) == 300
    code, out, _ = run(["vectors", "check", "e4m3fn_mul", str(f)], capsys)
    assert code == 0 and "300 cases, 0 errors" in out
    # TestFloat's rounding names are accepted
    code, out, _ = run(["vectors", "gen", "f16_add", "-r", "minMag", "-n", "5"], capsys)
    assert code == 0 and len(out.splitlines()) == 5


def test_vectors_gen_stochastic_columns(capsys):
    code, out, _ = run(["vectors", "gen", "e5m2_add", "-r", "srb8", "-n", "4"], capsys)
    assert code == 0 and all(len(ln.split()) == 5 for ln in out.splitlines())


def test_vectors_check_reports_errors_with_decoded_values(tmp_path, capsys):
    f = tmp_path / "bad.tv"
    f.write_text("3C 40 44 00\n3C 40 45 00\n3C 40 44 01\n")
    code, out, _ = run(["vectors", "check", "e4m3fn_mul", str(f)], capsys)
    assert code == 1
    assert "line 2: 0x3C (1.5) * 0x40 (2)" in out
    assert "expected 0x45 (3.25) flags -" in out and "got      0x44 (3) flags -" in out
    assert "expected 0x44 (3) flags inexact" in out
    assert "3 cases, 2 errors" in out


def test_vectors_check_stdin(capsys, monkeypatch):
    code, out, _ = run(["vectors", "check", "f16_add", "-"], capsys, stdin="3C00 3C00 4000 00\n",
                       monkeypatch=monkeypatch)
    assert code == 0 and "1 cases, 0 errors" in out


def test_vectors_check_tininess_option(tmp_path, capsys):
    # f16: 0x0401 (2^-14 (1+2^-10)) * 0x3BFE (1-2^-10) = 2^-14 (1-2^-20) rounds to 2^-14:
    # tiny only before rounding
    f = tmp_path / "t.tv"
    f.write_text("0401 3BFE 0400 01\n")
    assert run(["vectors", "check", "f16_mul", str(f)], capsys)[0] == 0
    assert run(["vectors", "check", "f16_mul", str(f), "--tininess", "before"], capsys)[0] == 1


# ---- bad input: one message, exit 2 ------------------------------------------------------------------------


@pytest.mark.parametrize("args,needle", [
    (["eval", "e9m9_mul", "0x1", "0x2"], "unknown format 'e9m9'"),
    (["eval", "e4m3fn_frob", "0x1", "0x2"], "unknown operation 'frob'"),
    (["eval", "nosuchformat", "--value", "1"], "unknown format"),
    (["eval", "e4m3fn_mul", "0x1"], "takes 2 operands, got 1"),
    (["eval", "e4m3fn_mul", "0x1", "0x100"], "out of range for e4m3fn"),
    (["eval", "e4m3fn_mul", "0x1", "pi"], "neither a hex code"),
    (["eval", "e4m3fn_mul", "0x1", "0x2", "--rounding", "nearest_odd"], "unknown rounding mode"),
    (["eval", "e4m3fn_mul", "0x1", "0x2", "--tininess", "sometimes"], "unknown tininess"),
    (["eval", "e4m3fn_mul", "0x1", "0x2", "--overflow", "wrap"], "unknown overflow policy"),
    (["eval", "e4m3fn_mul", "0x1", "0x2", "--nan-policy", "nope"], "unknown NaN policy"),
    (["eval", "e2m1fn_add", "0x1", "0x2", "-r", "sra4"], "needs --random-bits"),
    (["eval", "e2m1fn_add", "0x1", "0x2", "-r", "sra4", "-R", "16"], "does not fit"),
    (["eval", "e2m1fn_add", "0x1", "0x2", "-R", "1"], "only stochastic rounding"),
    (["eval", "bf16_lmul", "0x1", "0x2", "--lmul-variant", "Z"], "unknown L-Mul variant"),
    (["eval", "bf16_lmul", "0x1", "0x2", "--lmul-variant", "A", "--lmul-specials", "wrap"], "variant B only"),
    (["eval", "e2m1fn", "--value", "nan", "--nan-policy", "error"], "NaN has no encoding"),
    (["vectors", "gen", "e4m3fn_mul", "--level", "3"], "--level"),
    (["vectors", "gen", "e4m3fn_mul", "-n", "-4"], "-n"),
    (["vectors", "gen", "f16_frob"], "unknown operation 'frob'"),
    (["vectors", "check", "e4m3fn_mul", "/nonexistent/file.tv"], "cannot read vector file"),
    (["vectors", "check", "e4m3fn_mul", "x.tv", "--rounding", "banker"], "unknown rounding mode"),
])
def test_bad_input_exit_2(args, needle, capsys):
    code, out, err = run(args, capsys)
    assert code == 2, (code, out, err)
    assert needle in err, err


@pytest.mark.parametrize("content,loc,needle", [
    ("3C 40 44 00\n3C 4X 44 00\n", ":2:4: error:", "not a hex number"),
    ("3C 40 44\n", ":1:1: error:", "expected 4 columns"),
    ("3C 40 44 00 7\n", ":1:13: error:", "expected 4 columns"),
    ("3C 40 144 00\n", ":1:7: error:", "out of range"),
    ("3C 40 44 20\n", ":1:10: error:", "flags 20 is out of range"),
])
def test_malformed_vector_lines_exit_2_with_location(tmp_path, capsys, content, loc, needle):
    f = tmp_path / "m.tv"
    f.write_text(content)
    code, out, err = run(["vectors", "check", "e4m3fn_mul", str(f)], capsys)
    assert code == 2
    assert f"{f}{loc}" in err and needle in err, err


def test_console_script_subprocess(tmp_path):
    """The installed entry point: exit codes as documented, no traceback."""
    f = tmp_path / "m.tv"
    f.write_text("3C 40 44 00\nzz\n")
    p = subprocess.run([sys.executable, "-m", "fpverify.cli", "vectors", "check", "e4m3fn_mul", str(f)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and f"{f}:2:1: error:" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "fpverify.cli", "eval", "f32_to_e4m3fn", "0x43e80000"],
                       capture_output=True, text=True)
    assert p.returncode == 0 and "448" in p.stdout


def test_vectors_check_ctrl_c_prints_partial_tally(tmp_path, capsys, monkeypatch):
    from fpverify.vectors import line as line_mod

    f = tmp_path / "v.tv"
    f.write_text("3C 40 44 00\n" * 10)
    real = line_mod.LineParser.parse

    def parse(self, text, lineno):
        if lineno == 4:
            raise KeyboardInterrupt
        return real(self, text, lineno)

    monkeypatch.setattr(line_mod.LineParser, "parse", parse)
    # the line-by-line path (the vectorised one is interrupted per block: tests/test_vectors_fast.py)
    monkeypatch.setattr("fpverify.vectors.fast_check.evaluator", lambda fn, env: None)
    code, out, _ = run(["vectors", "check", "e4m3fn_mul", str(f)], capsys)
    assert code == 130 and "3 cases, 0 errors" in out and "partial tally" in out
