"""The one exit-code contract (`fpverify.exitcodes`), driven through the CLI for every failure kind:
0 proved/clean, 1 refuted/mismatch, 2 bad input (spec, flag, the user's design constructor),
3 unknown (a solver timeout), 4 internal error (an unexpected exception in fpverify, or a proof's
ERROR verdict)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cli_util import run_cli
from fpverify.dsl.run import SpecRun, exit_code
from fpverify.dsl.verdicts import PropertyResult
from fpverify.exitcodes import PRECEDENCE, ExitCode, combine

HERE = Path(__file__).resolve().parent
BROKEN_MUL = HERE / "spec_designs" / "broken_mul.py"
FP4_SPEC = ("input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
            "prove y == mul(a, b, rne) with flags fl\n")
INTERNAL = "internal error (a bug in fpverify, please report): "


class Boom(Exception):
    """Stands for a bug inside fpverify."""


def _boom(*args, **kwargs):
    raise Boom("kaboom")


@pytest.fixture
def ctor_unit(tmp_path) -> Path:
    """A user design whose constructor raises (line 6 of the file)."""
    unit = tmp_path / "ctor_unit.py"
    unit.write_text(textwrap.dedent("""\
        from amaranth.lib import wiring
        from amaranth.lib.wiring import In, Out

        class Bad(wiring.Component):
            def __init__(self, fmt):
                raise ValueError("no such width here")
        """))
    return unit


def _spec(tmp_path: Path, design: str, body: str = FP4_SPEC, name: str = "t.spec") -> Path:
    p = tmp_path / name
    p.write_text(f"design {design}\n{body}")
    return p


def _assert_internal(code: int, err: str) -> None:
    assert code == ExitCode.INTERNAL == 4, err
    assert f"{INTERNAL}Boom: kaboom" in err, err
    assert "  at fpverify/" in err, err  # the innermost fpverify frame, file:line
    assert "Traceback" not in err, err


# ---- the contract itself ------------------------------------------------------------------------

def test_codes_and_precedence():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 130]
    assert combine([]) == ExitCode.OK
    assert combine([ExitCode.UNKNOWN, ExitCode.BAD_INPUT]) == ExitCode.BAD_INPUT
    assert combine([ExitCode.UNKNOWN, ExitCode.INTERNAL, ExitCode.BAD_INPUT]) == ExitCode.INTERNAL
    assert combine([ExitCode.INTERRUPTED, ExitCode.INTERNAL]) == ExitCode.INTERRUPTED
    assert combine(list(PRECEDENCE)) == ExitCode.REFUTED


@pytest.mark.parametrize("statuses, error, interrupted, expected", [
    (["PROVED", "PROVED"], False, False, 0),
    (["PROVED", "VACUOUS"], False, False, 1),
    (["ERROR", "REFUTED", "UNKNOWN"], True, True, 1),  # a real bug wins over everything
    (["ERROR", "UNKNOWN"], True, True, 130),
    (["ERROR", "UNKNOWN"], True, False, 4),
    (["PROVED", "UNKNOWN"], True, False, 2),
    (["PROVED", "UNKNOWN"], False, False, 3),
])
def test_spec_run_precedence(statuses, error, interrupted, expected):
    run = SpecRun("x.spec", results=[PropertyResult(f"p{i}", "equivalence", s, 0.0, "z3")
                                     for i, s in enumerate(statuses)])
    runs = [run, SpecRun("bad.spec", error="bad.spec:1:1: error: no")] if error else [run]
    assert exit_code(runs, interrupted) == expected


# ---- prove ---------------------------------------------------------------------------------------

def test_prove_proved(tmp_path, capsys):
    code, out, err = run_cli(["prove", str(_spec(tmp_path, "rtl.fp_mul.FPMultiplier(fmt = e2m1fn)"))], capsys)
    assert code == 0 and "PROVED" in out, out + err


def test_prove_refuted(tmp_path, capsys):
    spec = _spec(tmp_path, f'"{BROKEN_MUL}" : BrokenMul(fmt = e2m1fn)')
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 1 and "REFUTED" in out, out + err


def test_prove_bad_spec(capsys):
    spec = HERE / "specs_bad" / "syntax_eof.spec"
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 2 and f"{spec}:" in err and ": error: " in err, err


def test_prove_bad_design_constructor(tmp_path, capsys, ctor_unit):
    spec = _spec(tmp_path, f'"{ctor_unit}" : Bad(fmt = e2m1fn)')
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 2, err
    assert f"{ctor_unit}:6: error: " in err and "ValueError: no such width here" in err, err
    assert "Traceback" not in err


def test_prove_bad_flag(tmp_path, capsys):
    spec = _spec(tmp_path, "rtl.fp_mul.FPMultiplier(fmt = e2m1fn)")
    code, _, err = run_cli(["prove", str(spec), "--jobs", "0"], capsys)
    assert code == 2 and "--jobs" in err, err


def test_prove_unknown(tmp_path, capsys):
    """An f16 multiplier proved monolithically with a 1 ms solver budget cannot finish."""
    spec = _spec(tmp_path, "rtl.fp_mul.FPMultiplier(fmt = f16, rounding = rne)",
                 "input a, b : f16\noutput y = dut.result : f16\noutput fl = dut.flags\ntimeout 0.001\n"
                 "prove y == mul(a, b, rne) with flags fl\n")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 3 and "UNKNOWN" in out, out + err


def test_prove_error_verdict_is_internal(tmp_path, capsys, monkeypatch):
    """A crash inside one obligation becomes its ERROR verdict; the run exits 4."""
    import fpverify.dsl.compile as compile_mod

    monkeypatch.setattr(compile_mod, "prove_equivalence_case", _boom)
    spec = _spec(tmp_path, "rtl.fp_mul.FPMultiplier(fmt = e2m1fn)")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 4 and "ERROR" in out and "internal error: Boom: kaboom" in out, out + err


def test_prove_refutation_wins_over_an_error_verdict(tmp_path, capsys, monkeypatch):
    import fpverify.dsl.compile as compile_mod

    monkeypatch.setattr(compile_mod, "prove_general_case", _boom)  # the relational property errs
    spec = _spec(tmp_path, f'"{BROKEN_MUL}" : BrokenMul(fmt = e2m1fn)',
                 FP4_SPEC + "prove commutative: y == y[a := b, b := a]\n")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 1 and "REFUTED" in out and "ERROR" in out, out + err


def test_prove_unexpected_exception(tmp_path, capsys, monkeypatch):
    import fpverify.dsl.run as run_mod

    monkeypatch.setattr(run_mod, "run_specs", _boom)
    code, _, err = run_cli(["prove", str(_spec(tmp_path, "rtl.fp_mul.FPMultiplier(fmt = e2m1fn)"))], capsys)
    _assert_internal(code, err)
    assert "fpverify/cli_prove.py:" in err  # where fpverify called into the failure


def test_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    import fpverify.dsl.run as run_mod

    monkeypatch.setattr(run_mod, "run_specs", _boom)
    monkeypatch.setenv("FPVERIFY_DEBUG", "1")
    code, _, err = run_cli(["prove", str(_spec(tmp_path, "rtl.fp_mul.FPMultiplier(fmt = e2m1fn)"))], capsys)
    assert code == 4 and "Traceback (most recent call last)" in err and "_boom" in err, err


# ---- sim -----------------------------------------------------------------------------------------

def test_sim_codes(tmp_path, capsys, ctor_unit):
    code, out, err = run_cli(["sim", "rtl.fp_mul.FPMultiplier(fmt=e2m1fn)"], capsys)
    assert code == 0 and out.startswith("PASS"), out + err
    unit = tmp_path / "broken_unit.py"  # broken_mul.BrokenMul, described as an fpverify FP unit
    unit.write_text("import importlib.util\n"
                    f"spec = importlib.util.spec_from_file_location('broken_mul_unit', {str(BROKEN_MUL)!r})\n"
                    "mod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\n"
                    "BrokenMul = mod.BrokenMul\n\n"
                    "class Unit(BrokenMul):\n    op = 'mul'\n\n"
                    "    def __init__(self, fmt):\n        super().__init__(fmt)\n        self.fmt = self.inner.fmt\n")
    code, out, err = run_cli(["sim", f"{unit}:Unit(fmt=e2m1fn)"], capsys)
    assert code == 1 and "FAIL" in out, out + err
    code, _, err = run_cli(["sim", f"{ctor_unit}:Bad(fmt=e2m1fn)"], capsys)
    assert code == 2 and f"{ctor_unit}:6: error: " in err and "no such width here" in err, err
    code, _, err = run_cli(["sim", "rtl.fp_mul.FPMultiplier(fmt=e2m1fn)", "--samples", "x"], capsys)
    assert code == 2 and "--samples" in err, err


def test_sim_internal(capsys, monkeypatch):
    import fpverify.hdl.simcheck as simcheck

    monkeypatch.setattr(simcheck, "compare_with_golden", _boom)
    _assert_internal(*run_cli(["sim", "rtl.fp_mul.FPMultiplier(fmt=e2m1fn)"], capsys)[::2])


# ---- vectors check -------------------------------------------------------------------------------

def _vectors(tmp_path, capsys) -> Path:
    path = tmp_path / "mul.tv"
    code, _, err = run_cli(["vectors", "gen", "e2m1fn_mul", "-o", str(path)], capsys)
    assert code == 0, err
    return path


def test_vectors_check_codes(tmp_path, capsys):
    good = _vectors(tmp_path, capsys)
    code, out, err = run_cli(["vectors", "check", "e2m1fn_mul", str(good)], capsys)
    assert code == 0, out + err
    lines = good.read_text().splitlines()
    a, b, res, flags = lines[0].split()
    wrong = tmp_path / "wrong.tv"
    wrong.write_text("\n".join([f"{a} {b} {int(res, 16) ^ 1:x} {flags}"] + lines[1:]) + "\n")
    code, out, err = run_cli(["vectors", "check", "e2m1fn_mul", str(wrong)], capsys)
    assert code == 1, out + err
    bad = tmp_path / "bad.tv"
    bad.write_text("0 1 zz 00\n")
    code, _, err = run_cli(["vectors", "check", "e2m1fn_mul", str(bad)], capsys)
    assert code == 2 and f"{bad}:1:" in err, err
    code, _, err = run_cli(["vectors", "check", "e2m1fn_mul", str(good), "--every", "0"], capsys)
    assert code == 2 and "--every" in err, err


def test_vectors_check_internal(tmp_path, capsys, monkeypatch):
    import fpverify.vectors.check as check

    good = _vectors(tmp_path, capsys)
    monkeypatch.setattr(check, "check_lines", _boom)
    _assert_internal(*run_cli(["vectors", "check", "e2m1fn_mul", str(good)], capsys)[::2])


# ---- eval ----------------------------------------------------------------------------------------

def test_eval_codes(capsys, monkeypatch):
    code, out, err = run_cli(["eval", "e2m1fn_mul", "0x3", "0x5"], capsys)
    assert code == 0 and "0x6" in out, out + err
    code, _, err = run_cli(["eval", "e2m1fn_mul", "0x3"], capsys)
    assert code == 2 and "takes 2 operands" in err, err
    code, _, err = run_cli(["eval", "e2m1fn_mul", "0x3", "0x5", "--rounding", "nope"], capsys)
    assert code == 2 and "--rounding" in err, err
    from fpverify.vectors.function import VectorFunction

    monkeypatch.setattr(VectorFunction, "evaluate", _boom)
    _assert_internal(*run_cli(["eval", "e2m1fn_mul", "0x3", "0x5"], capsys)[::2])


# ---- fuzz ----------------------------------------------------------------------------------------

@pytest.fixture
def kernels(tmp_path) -> Path:
    k = tmp_path / "kernels.py"
    k.write_text(textwrap.dedent("""\
        import numpy as np

        def zeros(x):
            return np.zeros(x.shape, dtype=np.uint8)
        """))
    return k


def test_fuzz_codes(capsys, kernels):
    sem = ["--semantics", "convert f64->e4m3fn rne", "-n", "200", "-q"]
    code, out, err = run_cli(["fuzz", f"{HERE / 'test_fuzz_catches.py'}:ok_f64_e4m3", *sem], capsys)
    assert code == 0 and out.startswith("OK:"), out + err
    code, out, err = run_cli(["fuzz", f"{kernels}:zeros", *sem, "--no-shrink"], capsys)
    assert code == 1 and "MISMATCH" in out, out + err
    code, _, err = run_cli(["fuzz", f"{kernels}:nope", *sem], capsys)
    assert code == 2 and "has no attribute" in err, err
    code, _, err = run_cli(["fuzz", f"{kernels}:zeros", *sem, "--batch", "0"], capsys)
    assert code == 2 and "--batch" in err, err


def test_fuzz_internal(capsys, monkeypatch, kernels):
    import fpverify.fuzz.harness as harness

    monkeypatch.setattr(harness, "format_result", _boom)
    code, _, err = run_cli(["fuzz", f"{kernels}:zeros", "--semantics", "convert f64->e4m3fn rne", "-n", "50",
                            "-q", "--no-shrink"], capsys)
    _assert_internal(code, err)


def test_reader_closing_the_pipe_is_not_a_refutation():
    """`fpverify vectors gen ... | head -1`: the reader goes away after one line. Oracle: the OS —
    a real pipe whose read end is closed; exit 1 would mean "refuted", a traceback a bug."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "fpverify.cli", "vectors", "gen", "e4m3fn_mul", "--level", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert first.decode().split() == ["00", "00", "00", "00"] and "Traceback" not in err and "Exception" not in err
