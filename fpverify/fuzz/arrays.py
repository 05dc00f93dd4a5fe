"""Arrays in and out of a fuzz target: the I/O convention of docs/fuzz.md.

`input_array` builds what the target receives for one operand; `decode_output` turns whatever it
returns (codes, ml_dtypes / numpy arrays of the destination format, or exact values) into codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .. import golden, strategies as S
from ..formats import FloatFormat, Format, IntFormat
from . import explain as X
from .semantics import IntSource

NUMPY_FLOATS = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


def float_code(src: FloatFormat, v: float) -> int:
    if src.name in NUMPY_FLOATS:
        return S.float_to_code(src, v) if not math.isnan(v) else src.nan_code(0)
    if math.isnan(v):
        return src.nan_code(0)
    return golden.from_value(v, src).code


# ---- input / output conversion ----------------------------------------------------------------


def ml_dtype(fmt: Format):
    """The ml_dtypes scalar type for a format, or None."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    for name in (fmt.name,) + tuple(fmt.aliases):
        t = getattr(ml_dtypes, name, None)
        if t is not None and isinstance(t, type):
            return t
    return None


def _uint_dtype(width: int):
    return np.uint8 if width <= 8 else np.uint16 if width <= 16 else np.uint32 if width <= 32 else np.uint64


def input_array(src, items: Sequence[int], mode: str) -> np.ndarray:
    """The array the target receives for one operand (see the module docstring)."""
    if isinstance(src, IntSource):
        return np.array(items, dtype=src.numpy_dtype)
    codes = np.array(items, dtype=_uint_dtype(src.width))
    if mode == "codes":
        return codes
    if isinstance(src, IntFormat):
        if src.bits == 8:
            return codes.view(np.int8)
        return codes
    if src.name in NUMPY_FLOATS:
        return codes.view(NUMPY_FLOATS[src.name])
    t = ml_dtype(src)
    if t is not None and np.dtype(t).itemsize == codes.dtype.itemsize:
        return codes.view(t)
    return codes


@dataclass
class Decoded:
    codes: list  # int code, or None when the value is not representable in the format
    texts: list  # how to show an unrepresentable value


def decode_output(result: Any, dst: Format, n: int) -> Decoded:
    """Codes of ``dst`` from whatever the target returned (see the module docstring)."""
    arr = np.asarray(result)
    if arr.shape != (n,):
        arr = arr.reshape(-1) if arr.size == n else None
    if arr is None:
        raise BadOutput(f"expected {n} results, got an array of shape {np.shape(result)}")
    mask = (1 << dst.width) - 1
    kind = arr.dtype.kind
    t = ml_dtype(dst)
    if kind in "ui" or kind == "b":
        ints = arr.astype(np.int64) if arr.dtype.itemsize < 8 else arr
        vals = [int(v) & mask for v in ints.tolist()]
        return Decoded(vals, [None] * n)
    if t is not None and arr.dtype == np.dtype(t):
        u = arr.view(_uint_dtype(8 * arr.dtype.itemsize))
        return Decoded([int(v) & mask for v in u.tolist()], [None] * n)
    if dst.name in NUMPY_FLOATS and arr.dtype == np.dtype(NUMPY_FLOATS[dst.name]):
        u = arr.view(_uint_dtype(8 * arr.dtype.itemsize))
        return Decoded([int(v) for v in u.tolist()], [None] * n)
    if kind == "f" or kind == "V" or arr.dtype.type.__module__.startswith("ml_dtypes"):
        floats = arr.astype(np.float64).tolist()
        codes, texts = [], []
        for v in floats:
            c = _value_code(float(v), dst)
            codes.append(c)
            texts.append(None if c is not None else f"{v!r} (not a {dst.name} value)")
        return Decoded(codes, texts)
    raise BadOutput(f"cannot interpret an output of dtype {arr.dtype} as {dst.name} codes or values")


_VALUE_MAPS: dict[Format, dict[float, int]] = {}


def _value_map(dst: Format) -> dict[float, int] | None:
    """{finite nonzero value: code} for formats of at most 16 bits (built once)."""
    if dst.width > 16:
        return None
    m = _VALUE_MAPS.get(dst)
    if m is None:
        m = {}
        for c in range(1 << dst.width):
            try:
                v = dst.value(c)
            except Exception:
                continue
            if isinstance(v, Fraction) and v != 0:
                m.setdefault(float(v), c)
        _VALUE_MAPS[dst] = m
    return m


def _value_code(v: float, dst: Format) -> int | None:
    vm = _value_map(dst)
    if vm is not None and v != 0 and not math.isnan(v) and not math.isinf(v):
        c = vm.get(v)
        if c is not None and Fraction(v) == Fraction(dst.value(c)):
            return c
    if math.isnan(v):
        return dst.nan_code(0) if not isinstance(dst, IntFormat) and dst.has_nan else None
    if math.isinf(v):
        if not isinstance(dst, IntFormat) and dst.has_inf:
            try:
                return dst.inf_code(int(v < 0))
            except Exception:
                return None
        return None
    if v == 0.0 and math.copysign(1.0, v) < 0:
        if not isinstance(dst, IntFormat):
            return dst.zero_code(1) if dst.has_zero else None
        return 0
    return X._encode(abs(Fraction(v)), int(v < 0), dst)


class BadOutput(Exception):
    pass


def float_value(src: FloatFormat, code: int) -> float:
    if src.is_nan(code):
        return math.nan
    v = src.value(code)
    if isinstance(v, float):
        return v
    if v == 0 and code & src.sign_bit:
        return -0.0
    return float(v)  # f16/f32/f64/bf16 values are exact Python floats


def same_code(dst: Format, a, b) -> bool:
    if a == b:
        return True
    if a is None or b is None:
        return False
    return isinstance(dst, FloatFormat) and dst.is_nan(a) and dst.is_nan(b)


__all__ = ["NUMPY_FLOATS", "ml_dtype", "input_array", "decode_output", "Decoded", "BadOutput",
           "float_code", "float_value", "same_code"]
