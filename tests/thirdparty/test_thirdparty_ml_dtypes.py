"""ml_dtypes casts against the golden model (oracle: golden model; semantics per formats.md §3).

ml_dtypes conventions declared here: RNE; e4m3fn overflow -> NaN, e5m2/e4m3/e3m4 -> Inf, FNUZ ->
the single NaN (0x80), FP6/FP4 saturate; E8M0 rounds to the nearest power of two with ties up
(RNA) and gives NaN for overflow.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from fpverify.fuzz import format_result, fuzz
from fpverify.fuzz.explain import explain
from fpverify.fuzz.harness import exact_result
from fpverify.fuzz import kernels as K

N = 20_000
FP8 = ["e4m3fn", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e3m4"]
FP6_FP4 = ["e2m3fn", "e3m2fn", "e2m1fn"]

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


def _run(fmt, sem, n=N, seed=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fuzz(K.KERNELS[f"ml_dtypes_{fmt}"], sem, n=n, seed=seed)


@pytest.mark.parametrize("fmt", FP8 + ["bf16"])
def test_f32_casts_are_correctly_rounded(fmt):
    res = _run(fmt, f"convert f32->{fmt} rne")
    assert res.ok, format_result(res)


@pytest.mark.parametrize("fmt", FP6_FP4)
def test_f32_casts_to_fp6_fp4_saturate_and_round_correctly(fmt):
    res = _run(fmt, f"convert f32->{fmt} rne skip=nan")
    assert res.ok, format_result(res)


@pytest.mark.parametrize("fmt", FP6_FP4)
def test_finding_nan_becomes_negative_zero_in_fp6_fp4(fmt):
    """FINDING: NaN -> -0 (sign bit set), not +0; OCP leaves NaN undefined for these formats."""
    res = _run(fmt, f"convert f32->{fmt} rne", n=2000)
    m = res.mismatches[0]
    assert math.isnan(np.float32(np.uint32(m.case.args[0]).view(np.float32)))
    code = np.array([np.nan], np.float32).astype(getattr(ml_dtypes, K.ml_dtypes_type(fmt).__name__))
    assert int(code.view(np.uint8)[0]) == res.semantics.dst.sign_bit  # -0


@pytest.mark.parametrize("fmt", FP8)
def test_finding_f64_casts_double_round_through_f32(fmt):
    """FINDING: float64 -> fp8 is float64 -> float32 -> fp8 (two roundings)."""
    res = _run(fmt, f"convert f64->{fmt} rne", n=5000)
    assert res.mismatches, "ml_dtypes f64 casts no longer double-round: update docs/fuzz-report.md"
    m = res.mismatches[0]
    assert "double rounding via f32" in format_result(res)
    x = exact_result(res.semantics, m.case)
    assert not explain(x, res.semantics.dst, res.semantics.env).tie


@pytest.mark.parametrize("fmt", FP8)
def test_int64_casts_to_fp8_are_correctly_rounded(fmt):
    res = _run(fmt, f"convert int64->{fmt} rne")
    assert res.ok, format_result(res)


def _e8m0(x):
    with np.errstate(all="ignore"):
        return np.asarray(x).astype(ml_dtypes.float8_e8m0fnu).view(np.uint8).copy()


def _golden_e8m0_rna(x) -> int:
    from fpverify import golden
    from fpverify.formats import Overflow, get_format
    from fpverify.rounding import Env, parse_rounding

    env = Env(parse_rounding("rna"), Overflow.NAN)
    return golden.from_value(float(x), get_format("e8m0fnu"), env).code


def test_finding_e8m0_tiny_values_become_min_not_nan():
    """FINDING (a): positive values that round to 0 (which E8M0 lacks) become 2^-127 (0x00)."""
    res = _run("e8m0fnu", "convert f32->e8m0fnu rna nan", n=5000)
    m = res.mismatches[0]
    x = exact_result(res.semantics, m.case).to_fraction()
    assert 0 < x < Fraction(1, 2 ** 128) and m.actual == 0x00 and m.expected == 0xFF


def test_finding_e8m0_f32_subnormals_round_up():
    """FINDING (b): f32 subnormals in (2^-127, 1.5*2^-127) round up to 2^-126 instead of to the
    nearer 2^-127 (found once the tiny-value convention (a) is patched out)."""
    def tiny_patched(x):
        out = _e8m0(x)
        out[np.abs(x) < 2.0 ** -128] = 0xFF
        return out

    res = fuzz(tiny_patched, "convert f32->e8m0fnu rna nan", n=N, seed=1)
    m = res.mismatches[0]
    x = exact_result(res.semantics, m.case).to_fraction()
    assert Fraction(1, 2 ** 127) < x < Fraction(3, 2 ** 128) and m.actual == 0x01 and m.expected == 0x00


def test_e8m0_from_normal_f32_is_nearest_power_of_two_ties_up():
    """For normal f32 inputs (and negatives, Inf, NaN) ml_dtypes is RNA (ties up) with NaN on overflow."""
    def normal_only(x):
        out = _e8m0(x)
        for i in np.flatnonzero(np.abs(x) < 2.0 ** -126):
            out[i] = _golden_e8m0_rna(x[i])
        return out

    res = fuzz(normal_only, "convert f32->e8m0fnu rna nan", n=N, seed=1)
    assert res.ok, format_result(res)
