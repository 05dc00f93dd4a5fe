"""HiF8 in the spec language: inputs/outputs of type hif8, `mul(a, b, ...)` proved against the
symbolic tapered reference; a broken design is refuted with a replayed counterexample."""

from __future__ import annotations

import json
from pathlib import Path

from cli_util import run_cli

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = Path(__file__).parent / "spec_designs"


def test_shipped_hif8_specs_prove(capsys):
    for name in ("hif8_mul.spec", "hif8_mul_sr.spec", "hif8_add.spec"):
        code, out, err = run_cli(["prove", str(ROOT / "specs" / name)], capsys)
        assert code == 0, out + err
        assert "PROVED" in out and "REFUTED" not in out


def test_broken_hif8_design_is_refuted(tmp_path, capsys):
    spec = tmp_path / "bad.spec"
    spec.write_text(f'design "{DESIGNS / "hif8_tie_mul.py"}" : TieBrokenHiF8Mul(fmt = hif8)\n'
                    "input a, b : hif8\noutput y = dut.result : hif8\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rne) with flags fl, exact nan\n")
    code, out, err = run_cli(["prove", str(spec), "--json", "-"], capsys)
    assert code == 1, out + err
    prop = json.loads(out)["specs"][0]["properties"][0]
    assert prop["status"] == "REFUTED"
    case = prop["cases"][0]
    assert (case["inputs"]["a"], case["inputs"]["b"]) == (0x01, 0x18)


def test_wrong_rounding_in_spec_is_refuted(tmp_path, capsys):
    """The RNE unit against mul(a, b, rna): differs on ties (e.g. the denormal tie above)."""
    spec = tmp_path / "rna.spec"
    spec.write_text("design rtl.hif8_mul.HiF8Multiplier(fmt = hif8, rounding = rne)\n"
                    "input a, b : hif8\noutput y = dut.result : hif8\noutput fl = dut.flags\n"
                    "prove y == mul(a, b, rna) with flags fl\n")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 1, out + err
    assert "REFUTED" in out


def test_unknown_hif8_variant_in_spec(tmp_path, capsys):
    spec = tmp_path / "v.spec"
    spec.write_text("design rtl.hif8_mul.HiF8Multiplier(fmt = hif8)\ninput a, b : hif8_e5\n"
                    "output y = dut.result : hif8\nprove y == mul(a, b, rne)\n")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 2, out + err
    assert "Traceback" not in err


def test_symbolic_helpers_on_every_code():
    """The DSL's solver-side order key, exact value and classes for HiF8 (codes are not in value order)."""
    from fractions import Fraction

    import z3

    from fpverify.dsl import symbolic as S
    from fpverify.formats import get_format

    f = get_format("hif8")
    x = z3.BitVec("x", 8)
    key, real, sub = S.f_order_key(f, x), S.f_real(f, x), S.f_is_subnormal(f, x)
    seen = []
    for c in range(256):
        if f.is_nan(c):
            continue
        s = [(x, z3.BitVecVal(c, 8))]
        k = z3.simplify(z3.substitute(key, *s)).as_signed_long()
        v = f.value(c)
        if isinstance(v, Fraction):
            sig = z3.simplify(z3.substitute(real.sig, *s)).as_signed_long()
            e = z3.simplify(z3.substitute(real.exp, *s)).as_signed_long()
            assert Fraction(sig) * Fraction(2) ** e == v, hex(c)
            assert z3.is_true(z3.simplify(z3.substitute(sub, *s))) == (v != 0 and abs(v) < f.min_normal)
        else:
            v = Fraction(10 ** 9) * (1 if v > 0 else -1)
        seen.append((v, k))
    seen.sort()
    for (v1, k1), (v2, k2) in zip(seen, seen[1:]):
        assert (v1 < v2) == (k1 < k2) and (v1 == v2) == (k1 == k2)


def test_relational_property_on_hif8(tmp_path, capsys):
    """A relational property (commutativity) proved on a HiF8 design."""
    spec = tmp_path / "mono.spec"
    spec.write_text("design rtl.hif8_mul.HiF8Multiplier(fmt = hif8, rounding = rne)\n"
                    "input a, b : hif8\noutput y = dut.result : hif8\n"
                    "prove comm: y == y[a := b, b := a]\n")
    code, out, err = run_cli(["prove", str(spec)], capsys)
    assert code == 0, out + err
