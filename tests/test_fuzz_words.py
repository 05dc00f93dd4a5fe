"""The fuzzer's words: explanations computed exactly, and a missing optional package reported as
an environment problem rather than a mismatch.

Oracles: exact integer arithmetic on bf16 neighbours written out by hand (bf16 keeps 8
significant bits, so in [2^62, 2^63) its ulp is 2^55), and the database directory left empty."""

from __future__ import annotations

import importlib.util
from fractions import Fraction

import pytest

from cli_util import run_cli
from fpverify.fuzz.explain import explain
from fpverify.golden.real import exact
from fpverify.rounding import Env, parse_rounding

ULP = 2 ** 55  # bf16 spacing in [2^62, 2^63)


def _lines(x: int, fmt: str = "bf16", **kw) -> list[str]:
    return explain(exact(Fraction(x)), fmt, **kw).lines(hex)


def test_int64_just_above_half_is_nearer_away_from_zero():
    """Residual 1/2 + 2^-54 ulp: as a float it is 0.5, which used to read 'nearest: toward zero'."""
    x = 2 ** 62 + ULP // 2 + 2  # (x - 2^62) / ulp = 1/2 + 2^-54
    ex = explain(exact(Fraction(x)), "bf16", Env())
    assert ex.residual == Fraction(1, 2) + Fraction(1, 2 ** 54)
    assert ex.below.distance == ULP // 2 + 2 and ex.above.distance == ULP // 2 - 2
    assert ex.nearer_side() == "away from zero"
    tie = [ln for ln in ex.lines(hex) if ln.startswith("tie")]
    assert tie == ["tie              no: ~0.50000000000000005551 (=9007199254740993/18014398509481984) "
                   "ulp from the neighbour toward zero (nearest: away from zero)"]
    assert ex.picks["rne"] == ex.picks["rna"] == 0x5E81  # both nearest modes agree with the words


def test_int64_just_below_half_is_nearer_toward_zero():
    x = 2 ** 62 + ULP // 2 - 2
    text = "\n".join(_lines(x, env=Env()))
    assert "(nearest: toward zero)" in text
    assert "no: 0.49999999999999994 ulp" in text and " 0.5 ulp" not in text  # 1/2 - 2^-54 is a double


def test_exact_tie_and_plain_residuals_keep_their_words():
    tie = explain(exact(Fraction(2 ** 62 + ULP // 2)), "bf16", Env())
    assert tie.tie and tie.nearer_side() == "tie"
    assert any(ln.startswith("tie              yes") for ln in tie.lines())
    quarter = "\n".join(_lines(2 ** 62 + ULP // 4, env=Env(parse_rounding("rtz"))))
    assert "no: 0.25 ulp from the neighbour toward zero (nearest: toward zero)" in quarter


def test_missing_package_is_an_environment_error(tmp_path, capsys):
    target = tmp_path / "needs_pkg.py"
    target.write_text("def cast(x):\n    import fpverify_no_such_package_xyz  # noqa: F401\n    return x\n")
    db = tmp_path / "db"
    code, out, err = run_cli(["fuzz", f"{target}:cast", "-s", "convert f32->bf16 rne", "-n", "100",
                              "--db", str(db)], capsys)
    assert code == 2, out + err
    assert "MISMATCH" not in out and "shrunk" not in out
    assert "'fpverify_no_such_package_xyz'" in err and "pip install fpverify_no_such_package_xyz" in err
    assert not db.exists() or not any(db.rglob("*"))  # nothing saved as an example


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="PyTorch is installed")
def test_torch_kernel_without_torch(tmp_path, capsys):
    db = tmp_path / "db"
    code, out, err = run_cli(["fuzz", "fpverify.fuzz.kernels:torch_bf16", "-s", "convert f32->bf16 rne",
                              "-n", "100", "--db", str(db)], capsys)
    assert code == 2, out + err
    assert "'torch'" in err and "pip install torch" in err
    assert not db.exists() or not any(db.rglob("*"))
