"""Fast bit-exact numpy engine: conversions, arithmetic, dot products, golden lookup tables, blocks.

* `quantize` / `dequantize`: float arrays <-> codes of any format, every rounding mode, bit-exact
  with `golden.convert` (see `fpverify.fast.convert`).
* `add sub mul div sqrt fma` (`fpverify.fast.arith`): elementwise arithmetic on code arrays,
  bit-exact with the golden model (codes and flags), every mode and policy.
* `dot` / `matmul` (`fpverify.fast.dotprod`): exact-then-round-once or sequential in an accumulator.
* `FPArray` / `Context` (`fpverify.fast.emulate`): arrays that carry their format.
* `binary_table` / `unary_table` / `lookup_binary`: golden-model tables for small formats.
* `elementary(fn, codes, fmt, ...)` / `elementary_table`: correctly rounded exp, log, tanh, gelu...
  (`fpverify.fast.elementary`: float64 candidates, a sound decision test, golden fallback);
  `power(a, b, fmt)`: pow by table for <= 8-bit formats, golden otherwise.
* `fpverify.fast.blocks`: MX / MXINT8 / NVFP4 block quantize, dequantize and dot products.
"""

from __future__ import annotations

import numpy as np

from .arith import add, div, fma, mul, sqrt, sub
from .convert import code_dtype, dequantize, quantize, value_table
from .dotprod import dot, matmul
from .elementary import elementary, elementary_table, power  # the function shadows the submodule's name
from .tables import binary_table, lookup_binary, lookup_unary, unary_table

_ML_NAMES = {
    "e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2", "e4m3": "float8_e4m3", "e4m3fnuz": "float8_e4m3fnuz",
    "e5m2fnuz": "float8_e5m2fnuz", "e4m3b11fnuz": "float8_e4m3b11fnuz", "e3m4": "float8_e3m4",
    "e2m3fn": "float6_e2m3fn", "e3m2fn": "float6_e3m2fn", "e2m1fn": "float4_e2m1fn",
    "e8m0fnu": "float8_e8m0fnu", "bf16": "bfloat16", "int4": "int4",
}
_NUMPY = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "int8": np.int8}


def ml_dtype_for(fmt):
    """The ml_dtypes/numpy dtype with exactly this format's encoding, or None."""
    from ..formats import get_format

    fmt = get_format(fmt)
    if fmt.name in _NUMPY:
        return np.dtype(_NUMPY[fmt.name])
    name = _ML_NAMES.get(fmt.name)
    if name is None:
        # bitwise-identical P3109 finite formats (formats.md §1)
        alias = {"p3109_8p3sf": "e5m2fnuz", "p3109_8p4sf": "e4m3fnuz"}.get(fmt.name)
        name = _ML_NAMES.get(alias) if alias else None
    if name is None:
        return None
    import ml_dtypes

    return np.dtype(getattr(ml_dtypes, name))


def as_ml_dtypes(codes, fmt) -> np.ndarray:
    """View a code array as the matching ml_dtypes dtype (raises if there is none)."""
    dt = ml_dtype_for(fmt)
    if dt is None:
        raise ValueError(f"no ml_dtypes dtype encodes {getattr(fmt, 'name', fmt)}")
    c = np.asarray(codes)
    return c.astype(np.dtype(f"u{dt.itemsize}"), copy=False).view(dt)


__all__ = ["quantize", "dequantize", "value_table", "code_dtype", "binary_table", "unary_table",
           "lookup_binary", "lookup_unary", "as_ml_dtypes", "ml_dtype_for", "add", "sub", "mul", "div", "sqrt",
           "fma", "dot", "matmul", "elementary", "elementary_table", "power", "FPArray", "Context"]


def __getattr__(name: str):
    if name in ("FPArray", "Context"):  # imported on first use
        from . import emulate

        return getattr(emulate, name)
    raise AttributeError(name)
