"""numpy float16 arithmetic claims IEEE binary16 RNE (oracle: golden model).

numpy computes float16 ops in float32 and rounds back; for +, -, *, / and sqrt that is exact
(24 >= 2*11 + 2), so these runs are expected to be clean.
"""

import pytest

from fpverify.fuzz import format_result, fuzz
from fpverify.fuzz import kernels as K

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "sqrt"])
def test_numpy_float16_arithmetic(op):
    res = fuzz(K.KERNELS[f"numpy_f16_{op}"], f"{op} f16 rne", n=20_000, seed=1)
    assert res.ok, format_result(res)


@pytest.mark.parametrize("fmt", ["bf16", "e4m3fn", "e5m2"])
@pytest.mark.parametrize("op", ["add", "mul", "div"])
def test_ml_dtypes_arithmetic(fmt, op):
    res = fuzz(K.KERNELS[f"ml_dtypes_{fmt}_{op}"], f"{op} {fmt} rne", n=10_000, seed=1)
    assert res.ok, format_result(res)
