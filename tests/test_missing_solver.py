"""A solver whose package is not installed is bad input (exit 2 with the pip command), never an
ERROR verdict. Oracle: the located spec text (line:col of the `solver` word, written by hand) and
click's usage-error exit code for a bad flag."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cli_util import run_cli  # noqa: E402
from fpverify.prove.smtlib import missing_solver

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_bitwuzla(monkeypatch):
    monkeypatch.setitem(sys.modules, "bitwuzla", None)  # `import bitwuzla` now raises ImportError


def test_missing_solver_names_the_pip_command(no_bitwuzla):
    assert missing_solver("z3") is None
    for name in ("bitwuzla", "portfolio"):
        assert "pip install" in missing_solver(name)


def test_installed_solver_is_not_missing():
    pytest.importorskip("bitwuzla")
    assert missing_solver("bitwuzla") is None and missing_solver("portfolio") is None


def test_spec_solver_statement_is_located(no_bitwuzla, capsys, tmp_path):
    spec = tmp_path / "s.spec"
    spec.write_text((ROOT / "specs" / "fp4_mul.spec").read_text().replace("\ndesign", "\nsolver bitwuzla\ndesign", 1))
    line = spec.read_text().splitlines().index("solver bitwuzla") + 1
    code, out, err = run_cli(["prove", "--check-only", str(spec)], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert f"{spec}:{line}:8: error: solver `bitwuzla` needs the bitwuzla package" in err


def test_solver_flag_is_a_usage_error(no_bitwuzla, capsys):
    code, out, err = run_cli(["prove", "--solver", "portfolio", str(ROOT / "specs" / "fp4_mul.spec")], capsys)
    assert code == 2 and "pip install" in err and "Traceback" not in err


def test_strategy_solver_statement_is_located(no_bitwuzla, capsys):
    """specs/bf16_fma.spec uses proofs/decompose_fma.strategy, whose `solver bitwuzla` is on line 28."""
    code, out, err = run_cli(["prove", "--check-only", str(ROOT / "specs" / "bf16_fma.spec")], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert "decompose_fma.strategy:28:" in err and "pip install" in err
