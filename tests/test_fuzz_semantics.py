"""Semantics parsing, the I/O convention (inputs, decoding of outputs) and the explanation text.

Oracle: hand-checked values from formats.md (E4M3FN max 448, overflow threshold 464, ...).
"""

from __future__ import annotations

from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from fpverify.errors import InputError
from fpverify.formats import Overflow, get_format
from fpverify.fuzz.explain import explain
from fpverify.fuzz.harness import Case, decode_output, golden_result, input_array
from fpverify.fuzz.semantics import IntSource, parse_semantics
from fpverify.golden.real import exact
from fpverify.rounding import Env, Mode


def test_parse_convert():
    s = parse_semantics("convert f32->e4m3fn rne satfinite")
    assert s.op == "convert" and s.sources[0].name == "f32" and s.dst.name == "e4m3fn"
    assert s.env.rounding.mode is Mode.RNE and s.env.overflow is Overflow.SATFINITE
    s = parse_semantics("convert int64->bf16")
    assert isinstance(s.sources[0], IntSource) and s.sources[0].bits == 64
    s = parse_semantics("convert f32->e5m2 sra8 sat in=codes nan=max skip=nan")
    assert s.stochastic and s.nbits == 8 and s.inputs == "codes" and s.skip_nan


def test_parse_arith_and_mx():
    s = parse_semantics("mul e4m3fn rne")
    assert s.arity == 2 and s.dst.name == "e4m3fn" and s.env.overflow is None
    assert parse_semantics("fma f16").arity == 3
    assert parse_semantics("sqrt bf16->f32").dst.name == "f32"
    s = parse_semantics("mx f32->e2m1fn block=16")
    assert s.op == "mx" and s.block == 16


@pytest.mark.parametrize("text, col, needle", [
    ("", 1, "empty semantics"),
    ("frob f32", 1, "unknown operation"),
    ("convert f32", 9, "needs SRC->DST"),
    ("convert f32->e9m9", 14, "unknown format"),
    ("convert f32->e4m3fn rne rna", 25, "given twice"),
    ("convert f32->e4m3fn bogus", 21, "cannot parse 'bogus'"),
    ("convert f32->e4m3fn colour=red", 21, "unknown option"),
    ("mx f32->e2m1fn rna", 1, "fixed to OCP"),
])
def test_parse_errors_point_at_the_word(text, col, needle):
    with pytest.raises(InputError) as e:
        parse_semantics(text)
    assert needle in e.value.message
    assert e.value.col == col and str(e.value).startswith(f"--semantics:1:{col}: error:")


def test_input_arrays_follow_the_convention():
    f32 = get_format("f32")
    x = input_array(f32, [0x3F800000], "native")
    assert x.dtype == np.float32 and x[0] == 1.0
    assert input_array(f32, [0x3F800000], "codes").dtype == np.uint32
    e4 = get_format("e4m3fn")
    y = input_array(e4, [0x38], "native")
    assert y.dtype == np.dtype(ml_dtypes.float8_e4m3fn) and float(y[0]) == 1.0
    assert input_array(IntSource("int64", 64, True), [-5], "native").dtype == np.int64


def test_outputs_decode_from_codes_ml_dtypes_and_values():
    e4 = get_format("e4m3fn")
    assert decode_output(np.array([0x7E], np.uint8), e4, 1).codes == [0x7E]
    assert decode_output(np.array([448.0]).astype(ml_dtypes.float8_e4m3fn), e4, 1).codes == [0x7E]
    d = decode_output(np.array([448.0, -0.0, np.nan, 449.0]), e4, 4)
    assert d.codes[:3] == [0x7E, 0x80, 0x7F] and d.codes[3] is None and "not a e4m3fn value" in d.texts[3]
    assert decode_output(np.array([-1], np.int8), get_format("mxint8"), 1).codes == [0xFF]


def test_golden_result_of_cases():
    s = parse_semantics("convert f32->e4m3fn rne satfinite")
    assert golden_result(s, Case((0x43E80000,)))[0] == 0x7E  # 464 ties to 448
    assert golden_result(s, Case((0x43E80001,)))[0] == 0x7E  # saturated
    s = parse_semantics("convert f32->e4m3fn rne")
    assert golden_result(s, Case((0x43E80001,)))[0] == 0x7F  # OCP non-saturating: NaN
    s = parse_semantics("convert int64->e4m3fn rne")
    assert golden_result(s, Case((-3,)))[0] == 0xC4


def test_explanation_of_the_e4m3_overflow_tie():
    ex = explain(exact(Fraction(464)), "e4m3fn", Env())
    assert ex.tie and ex.below.code == 0x7E and ex.above.code is None
    assert ex.below.distance == ex.above.distance == 16
    assert ex.picks["rne"] == 0x7E and ex.picks["rna"] == 0x7F  # RNA overflows to NaN
    text = "\n".join(ex.lines())
    assert "beyond max finite" in text and "tie              yes" in text


def test_explanation_lists_matching_alternatives():
    e4 = get_format("e4m3fn")
    x = exact(Fraction(17, 16) * Fraction(1, 64))  # a tie between 1/64 and 1.125/64
    ex = explain(x, e4, Env(), actual=0x09, alternatives={"double rounding via f32": 0x09})
    assert ex.tie and ex.picks["rne"] == 0x08 and ex.below.code == 0x08 and ex.above.code == 0x09
    assert any(m.startswith("rna") for m in ex.matches) and "double rounding via f32" in ex.matches
