"""en-dtypes (PyPI `en-dtypes`, Huawei's numpy dtypes: hifloat8, float4_e1m2) against the golden
model. Declared conventions: HiF8 rounds half away from zero ("TA" = our rna), overflow to Inf;
float4_e1m2 rounds to nearest even and saturates. Findings: docs/differences.md (HiF8 section)."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from fpverify.fast.tables import binary_table
from fpverify.formats import get_format
from fpverify.fuzz import format_result, fuzz
from fpverify.golden import from_value
from fpverify.rounding import Env, parse_rounding

en_dtypes = pytest.importorskip("en_dtypes")
import endtypes_targets as T  # noqa: E402

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow, pytest.mark.filterwarnings("ignore::RuntimeWarning")]
HIF8 = get_format("hif8")
E1M2 = get_format("e1m2")
RNA = Env(parse_rounding("rna"))


def _fuzz(fn, sem, n=20_000, seed=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fuzz(fn, sem, n=n, seed=seed)


def test_hif8_decode_every_code():
    got = np.arange(256, dtype=np.uint8).view(en_dtypes.hifloat8).astype(np.float64)
    for c in range(256):
        v = HIF8.value(c)
        assert (math.isnan(got[c]) and math.isnan(v)) or got[c] == v, hex(c)


def test_e1m2_decode_every_code():
    got = np.arange(16, dtype=np.uint8).view(en_dtypes.float4_e1m2).astype(np.float64)
    assert [float(E1M2.value(c)) for c in range(16)] == got.tolist()


def test_f32_to_hif8_is_round_half_away():
    res = _fuzz(T.hif8_cast, "convert f32->hif8 rna")
    assert res.ok, format_result(res)


def test_f64_to_hif8_rounds_twice():
    """Finding: float64 inputs go through float32 first (double rounding just below midpoints)."""
    res = _fuzz(T.hif8_cast, "convert f64->hif8 rna", n=3000, seed=0)
    assert not res.ok
    for x, want, got in ((float.fromhex("0x1.fffffffffffffp-24"), 0x00, 0x01), (1.0625 - 2.0 ** -40, 0x08, 0x09)):
        assert from_value(x, HIF8, RNA).code == want
        assert int(T.hif8_cast(np.array([x]))[0]) == got


@pytest.mark.parametrize("op,ufunc", [("mul", np.multiply), ("add", np.add), ("sub", np.subtract),
                                      ("div", np.divide)])
def test_hif8_arithmetic_exhaustive(op, ufunc, tmp_path, monkeypatch):
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path))
    a = np.repeat(np.arange(256, dtype=np.uint8), 256)
    b = np.tile(np.arange(256, dtype=np.uint8), 256)
    with np.errstate(all="ignore"):
        got = ufunc(a.view(en_dtypes.hifloat8), b.view(en_dtypes.hifloat8)).view(np.uint8)
    want, _ = binary_table(op, HIF8, RNA)
    assert np.array_equal(got, want.astype(np.uint8))


def test_f32_to_e1m2_is_rne_saturating():
    res = _fuzz(T.e1m2_cast, "convert f32->e1m2 rne satfinite skip=nan")
    assert res.ok, format_result(res)
    assert from_value(Fraction(1, 8), E1M2).code == 0 == int(T.e1m2_cast(np.float32([0.125]))[0])


def test_e1m2_nan_keeps_its_sign_bit():
    """Finding: a NaN becomes a zero carrying the NaN's sign (golden nan=zero: +0; CANN: +1.75)."""
    nan_neg = np.array([0xFFC00000], dtype=np.uint32).view(np.float32)
    assert int(T.e1m2_cast(nan_neg)[0]) == E1M2.sign_bit
    assert int(T.e1m2_cast(np.float32([np.nan]))[0]) == 0
    assert from_value(float("nan"), E1M2).code == 0


def test_hif8_mul_fuzz_is_rna_not_rne():
    assert _fuzz(T.hif8_mul, "mul hif8 rna in=codes", n=3000).ok
    assert not _fuzz(T.hif8_mul, "mul hif8 rne in=codes", n=3000).ok  # TA, not ties-to-even
