"""PyTorch float8 casts (skipped when torch is not installed). Oracle: golden model."""

import pytest

from fpverify.fuzz import format_result, fuzz
from fpverify.fuzz import kernels as K

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow]

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("fmt, sem", [
    ("e4m3fn", "convert f32->e4m3fn rne"),       # RNE, overflow -> NaN (formats.md §3)
    ("e5m2", "convert f32->e5m2 rne"),
    ("e4m3fnuz", "convert f32->e4m3fnuz rne"),
    ("e5m2fnuz", "convert f32->e5m2fnuz rne"),
    ("bf16", "convert f32->bf16 rne"),
])
def test_torch_casts_from_f32(fmt, sem):
    if not hasattr(torch, K.TORCH_TYPES[fmt]):
        pytest.skip(f"torch has no {K.TORCH_TYPES[fmt]}")
    res = fuzz(K.KERNELS[f"torch_{fmt}"], sem, n=20_000, seed=1)
    assert res.ok, format_result(res)


@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2"])
def test_torch_casts_from_f64(fmt):
    res = fuzz(K.KERNELS[f"torch_{fmt}"], f"convert f64->{fmt} rne", n=20_000, seed=1)
    assert res.ok, format_result(res)
