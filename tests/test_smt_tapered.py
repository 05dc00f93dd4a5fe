"""The symbolic reference on HiF8 (a tapered-rounding encoding in z3) against the golden model,
exhaustively: every operand pair of add and mul, every code of conversions, evaluated by
`smt.vectorized` (z3's own folding checked on a sample), compared bit for bit with flags."""

from __future__ import annotations

import numpy as np
import pytest
import z3

from fpverify.fast.tables import binary_table, unary_table
from fpverify.formats import Overflow, get_format
from fpverify.rounding import Env, Tininess, parse_rounding
from fpverify.smt import reference as R
from fpverify.smt.vectorized import compile_terms

HIF8 = get_format("hif8")
SLOW = pytest.mark.slow


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path))


def _env(mode: str, **kw) -> Env:
    rnd = parse_rounding(mode)
    return Env(rnd, random_bits=(5 % (1 << rnd.nbits)) if rnd.mode.stochastic else 0, **kw)


def _check(codes, flags, g_codes, g_flags, label):
    bad = np.nonzero((codes != g_codes.astype(np.uint64)) | (flags != g_flags.astype(np.uint64)))[0]
    assert not len(bad), f"{label}: {len(bad)} mismatches, first index {bad[0]}"


@pytest.mark.parametrize("op", ["mul", "add"])
@pytest.mark.parametrize("mode", ["rne", "rna", "rto", "sra2", "srb3",
                                  pytest.param("rtz", marks=SLOW), pytest.param("rup", marks=SLOW),
                                  pytest.param("rdn", marks=SLOW), pytest.param("src2", marks=SLOW)])
def test_binary_exhaustive(op, mode):
    env = _env(mode)
    a, b = z3.BitVec("a", 8), z3.BitVec("b", 8)
    ref = getattr(R, op)(HIF8, a, b, env)
    A = np.repeat(np.arange(256, dtype=np.uint64), 256)
    B = np.tile(np.arange(256, dtype=np.uint64), 256)
    codes, flags = compile_terms([ref.code, ref.flags])({"a": A, "b": B})
    g_codes, g_flags = binary_table(op, HIF8, env)
    _check(codes, flags, g_codes, g_flags, f"{op} {mode}")
    for i in np.random.default_rng(1).integers(0, 65536, 3):
        s = [(a, z3.BitVecVal(int(A[i]), 8)), (b, z3.BitVecVal(int(B[i]), 8))]
        assert z3.simplify(z3.substitute(ref.code, *s)).as_long() == int(codes[i])


@pytest.mark.parametrize("op,env", [("mul", Env(tininess=Tininess.BEFORE)),
                                    ("add", Env(overflow=Overflow.SATFINITE)),
                                    ("mul", Env(parse_rounding("rup"), overflow=Overflow.NAN))])
def test_binary_policies(op, env):
    a, b = z3.BitVec("a", 8), z3.BitVec("b", 8)
    ref = getattr(R, op)(HIF8, a, b, env)
    A = np.repeat(np.arange(256, dtype=np.uint64), 256)
    B = np.tile(np.arange(256, dtype=np.uint64), 256)
    codes, flags = compile_terms([ref.code, ref.flags])({"a": A, "b": B})
    g_codes, g_flags = binary_table(op, HIF8, env)
    _check(codes, flags, g_codes, g_flags, f"{op} {env}")


@pytest.mark.parametrize("src,dst", [("f16", "hif8"), ("e5m2", "hif8"), ("hif8", "e4m3fn"), ("hif8", "bf16")])
@pytest.mark.parametrize("mode", ["rne", "rna", "rdn", "srb3"])
def test_convert_exhaustive(src, dst, mode):
    s, d = get_format(src), get_format(dst)
    env = _env(mode)
    a = z3.BitVec("a", s.width)
    ref = R.convert(s, a, d, env)
    A = np.arange(1 << s.width, dtype=np.uint64)
    codes, flags = compile_terms([ref.code, ref.flags])({"a": A})
    g_codes, g_flags = unary_table("convert", s, env, out=d)
    _check(codes, flags, g_codes, g_flags, f"convert {src}->{dst} {mode}")
