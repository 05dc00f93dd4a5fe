"""HiF8Multiplier (rtl/hif8_mul.py) against the golden model, exhaustively: every operand pair,
every rounding mode (static and through the rm port), stochastic modes over sampled random
bits, tininess before, the saturating variant and a pipelined build."""

from __future__ import annotations

import numpy as np
import pytest

from fpverify.fast.tables import binary_table
from fpverify.formats import FormatError, Overflow, get_format
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.rounding import Env, Rounding, Tininess, parse_rounding
from fpverify.semantics.ports import IEEE_FLAG_MASK, RM_CODES

from rtl.hif8_mul import HiF8Multiplier

A = np.repeat(np.arange(256), 256)
B = np.tile(np.arange(256), 256)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path))


def _check(result, flags, env: Env, fmt="hif8", rows=slice(None)):
    gc, gf = binary_table("mul", get_format(fmt), env)
    res, fl = np.asarray(result), np.asarray(flags)
    bad = np.nonzero((res != gc[rows]) | (fl != (gf[rows] & IEEE_FLAG_MASK)))[0]
    assert not len(bad), f"{len(bad)} mismatches, first a={A[rows][bad[0]]:#x} b={B[rows][bad[0]]:#x}"


@pytest.mark.parametrize("mode", ["rne", "rna", "rtz", "rup", "rdn", "rto"])
def test_exhaustive_static_modes(mode):
    r = evaluate(flatten(HiF8Multiplier("hif8", rounding=mode)), {"a": A, "b": B})
    _check(r["result"], r["flags"], Env(parse_rounding(mode)))


def test_exhaustive_rm_port():
    nl = flatten(HiF8Multiplier("hif8", rounding="port"))
    for mode, code in RM_CODES.items():
        r = evaluate(nl, {"a": A, "b": B, "rm": np.full(len(A), code)})
        _check(r["result"], r["flags"], Env(Rounding(mode)))


@pytest.mark.parametrize("mode,r_values", [("sra3", (0, 5)), ("srb2", (1, 3)), ("src3", (2, 7)),
                                           pytest.param("sra3", range(8), marks=pytest.mark.slow),
                                           pytest.param("srb2", range(4), marks=pytest.mark.slow),
                                           pytest.param("src3", range(8), marks=pytest.mark.slow)])
def test_stochastic_random_values(mode, r_values):
    rnd = parse_rounding(mode)
    nl = flatten(HiF8Multiplier("hif8", rounding=mode))
    for r_bits in r_values:
        r = evaluate(nl, {"a": A, "b": B, "rbits": np.full(len(A), r_bits)})
        _check(r["result"], r["flags"], Env(rnd, random_bits=r_bits))


@pytest.mark.parametrize("fmt,kw,env", [
    ("hif8", {"tininess": "before", "rounding": "rna"}, Env(parse_rounding("rna"), tininess=Tininess.BEFORE)),
    ("hif8_sat", {"rounding": "rne"}, Env()),
    ("hif8", {"overflow": "satfinite", "rounding": "rup"}, Env(parse_rounding("rup"), overflow=Overflow.SATFINITE)),
    ("hif8", {"overflow": "nan", "rounding": "rne"}, Env(overflow=Overflow.NAN)),
])
def test_policies(fmt, kw, env):
    r = evaluate(flatten(HiF8Multiplier(fmt, **kw)), {"a": A, "b": B})
    _check(r["result"], r["flags"], env, fmt)


def test_rejects_other_formats():
    with pytest.raises(FormatError, match="tapered"):
        HiF8Multiplier("e4m3fn")
