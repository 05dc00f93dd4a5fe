"""HiF8Multiplier and HiF8Adder (rtl/hif8_mul.py, rtl/hif8_add.py) against the golden model,
exhaustively: every operand pair,
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

from rtl.hif8_add import HiF8Adder
from rtl.hif8_mul import HiF8Multiplier

UNITS = {"mul": HiF8Multiplier, "add": HiF8Adder}

A = np.repeat(np.arange(256), 256)
B = np.tile(np.arange(256), 256)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path))


def _check(result, flags, env: Env, fmt="hif8", rows=slice(None), op="mul"):
    gc, gf = binary_table(op, get_format(fmt), env)
    res, fl = np.asarray(result), np.asarray(flags)
    bad = np.nonzero((res != gc[rows]) | (fl != (gf[rows] & IEEE_FLAG_MASK)))[0]
    assert not len(bad), f"{len(bad)} mismatches, first a={A[rows][bad[0]]:#x} b={B[rows][bad[0]]:#x}"


@pytest.mark.parametrize("op", ["mul", "add"])
@pytest.mark.parametrize("mode", ["rne", "rto"] + [pytest.param(m, marks=pytest.mark.slow)
                                                  for m in ("rna", "rtz", "rup", "rdn")])
def test_exhaustive_static_modes(op, mode):
    r = evaluate(flatten(UNITS[op]("hif8", rounding=mode)), {"a": A, "b": B})
    _check(r["result"], r["flags"], Env(parse_rounding(mode)), op=op)


@pytest.mark.parametrize("op", ["mul", "add"])
def test_exhaustive_rm_port(op):
    nl = flatten(UNITS[op]("hif8", rounding="port"))
    for mode, code in RM_CODES.items():
        r = evaluate(nl, {"a": A, "b": B, "rm": np.full(len(A), code)})
        _check(r["result"], r["flags"], Env(Rounding(mode)), op=op)


@pytest.mark.parametrize("mode,r_values", [("sra3", (5,)), ("srb2", (1,)), ("src3", (2,)),
                                           pytest.param("sra3", range(8), marks=pytest.mark.slow),
                                           pytest.param("srb2", range(4), marks=pytest.mark.slow),
                                           pytest.param("src3", range(8), marks=pytest.mark.slow)])
@pytest.mark.parametrize("op", ["mul", "add"])
def test_stochastic_random_values(op, mode, r_values):
    rnd = parse_rounding(mode)
    nl = flatten(UNITS[op]("hif8", rounding=mode))
    for r_bits in r_values:
        r = evaluate(nl, {"a": A, "b": B, "rbits": np.full(len(A), r_bits)})
        _check(r["result"], r["flags"], Env(rnd, random_bits=r_bits), op=op)


@pytest.mark.parametrize("fmt,kw,env", [
    ("hif8", {"tininess": "before", "rounding": "rna"}, Env(parse_rounding("rna"), tininess=Tininess.BEFORE)),
    ("hif8_sat", {"rounding": "rne"}, Env()),
    ("hif8", {"overflow": "satfinite", "rounding": "rup"}, Env(parse_rounding("rup"), overflow=Overflow.SATFINITE)),
    ("hif8", {"overflow": "nan", "rounding": "rne"}, Env(overflow=Overflow.NAN)),
])
@pytest.mark.parametrize("op", ["mul", "add"])
def test_policies(op, fmt, kw, env):
    r = evaluate(flatten(UNITS[op](fmt, **kw)), {"a": A, "b": B})
    _check(r["result"], r["flags"], env, fmt, op=op)


@pytest.mark.parametrize("op", ["mul", "add"])
def test_pipelined_units(op):
    from fpverify.hdl.evaluate import evaluate_pipelined

    r = evaluate_pipelined(flatten(UNITS[op]("hif8", rounding="rna", latency=2)), {"a": A, "b": B}, 2)
    _check(r["result"], r["flags"], Env(parse_rounding("rna")), op=op)


def test_rejects_other_formats():
    for cls in UNITS.values():
        with pytest.raises(FormatError, match="tapered"):
            cls("e4m3fn")
