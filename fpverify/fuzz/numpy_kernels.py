"""Real ML kernels for accuracy fuzzing (use as ``fpverify.fuzz.numpy_kernels:NAME``).

* ``<fn>_f16``, ``<fn>_f32`` for fn in exp log tanh expm1 log1p: numpy's own ufunc on that dtype
  (``np.exp(x)`` with ``x`` float16 / float32; numpy computes float16 in float32 and rounds).
* ``<fn>_bf16_via_f32``: ml_dtypes bfloat16 through float32, ``np.exp(x.astype(f32)).astype(bf16)``
  (what bf16 frameworks do on CPU): two roundings.
* ``softmax2_<fmt>`` / ``softmax3_<fmt>`` for fmt in bf16 e4m3fn: row softmax of an f32 (batch, n)
  array, computed in f32 and cast once; two-pass (online max and rescaled sum in one pass, the
  normalisation in the second) and three-pass (max; exp and sum; divide).
* ``softmax3_bf16_lowp``: three-pass softmax with every intermediate in bfloat16.
* ``gelu_tanh_<fmt>`` for fmt in bf16 f16 f32: the transformer GELU approximation
  ``0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3)))`` in f32 on the input, then cast to fmt (the
  input is the same format: bf16/f16 inputs are widened to f32 first).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

UFUNCS = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "expm1": np.expm1, "log1p": np.log1p}
SOFTMAX_OUT = ("bf16", "e4m3fn")
GELU_OUT = ("bf16", "f16", "f32")


def _ml(fmt: str):
    import ml_dtypes

    return {"bf16": ml_dtypes.bfloat16, "e4m3fn": ml_dtypes.float8_e4m3fn, "f16": np.float16,
            "f32": np.float32}[fmt]


def _numpy_fn(name: str, dtype) -> Callable:
    fn = UFUNCS[name]

    def kernel(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(np.asarray(x, dtype=dtype))

    kernel.__name__ = kernel.__qualname__ = f"{name}_{np.dtype(dtype).name.replace('float', 'f')}"
    kernel.__doc__ = f"numpy.{fn.__name__} on {np.dtype(dtype).name}"
    return kernel


def _bf16_via_f32(name: str) -> Callable:
    fn = UFUNCS[name]

    def kernel(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(np.asarray(x).astype(np.float32)).astype(_ml("bf16"))

    kernel.__name__ = kernel.__qualname__ = f"{name}_bf16_via_f32"
    kernel.__doc__ = f"bfloat16 {name}: numpy.{fn.__name__} in float32, cast to bfloat16"
    return kernel


def softmax_three_pass(x: np.ndarray) -> np.ndarray:
    """f32 row softmax in three passes: m = max; e = exp(x - m), s = sum e; e / s."""
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(all="ignore"):
        m = np.max(x, axis=-1, keepdims=True)
        e = np.exp(x - m)
        s = np.sum(e, axis=-1, keepdims=True, dtype=np.float32)
        return e / s


def softmax_two_pass(x: np.ndarray) -> np.ndarray:
    """f32 row softmax in two passes (online softmax, Milakov & Gimelshein 2018): one sweep keeps
    the running max m and the sum d rescaled by exp(m_old - m_new); the second divides."""
    x = np.asarray(x, dtype=np.float32)
    rows, n = x.shape
    with np.errstate(all="ignore"):
        m = np.full((rows,), -np.inf, dtype=np.float32)
        d = np.zeros((rows,), dtype=np.float32)
        for j in range(n):
            xj = x[:, j]
            m_new = np.maximum(m, xj)
            d = d * np.exp(m - m_new) + np.exp(xj - m_new)
            d = np.where(np.isnan(d) & (m_new == -np.inf), np.float32(0), d).astype(np.float32)
            m = m_new
        return np.exp(x - m[:, None]) / d[:, None]


def softmax3_bf16_lowp(x: np.ndarray) -> np.ndarray:
    """Three-pass softmax with bfloat16 intermediates (each op rounded to bf16, the sum
    accumulated by numpy in bf16): what a kernel without an f32 accumulator does."""
    bf = _ml("bf16")
    x = np.asarray(x).astype(bf)
    with np.errstate(all="ignore"):
        m = np.max(x, axis=-1, keepdims=True)
        e = np.exp(x - m).astype(bf)
        s = np.sum(e, axis=-1, keepdims=True, dtype=bf)
        return (e / s).astype(bf)


def _cast_kernel(body: Callable, fmt: str, name: str, doc: str) -> Callable:
    """``body`` (float32 in numpy) with its result cast to ``fmt`` through ml_dtypes, named ``name``."""
    def kernel(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return body(x).astype(_ml(fmt))

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = doc
    return kernel


def _softmax(passes: int, fmt: str) -> Callable:
    body = softmax_two_pass if passes == 2 else softmax_three_pass
    return _cast_kernel(body, fmt, f"softmax{passes}_{fmt}",
                        f"{'two' if passes == 2 else 'three'}-pass f32 softmax, cast to {fmt}")


def gelu_tanh_approx(x: np.ndarray) -> np.ndarray:
    """0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3))) in float32 (PyTorch/HF ``gelu_new``)."""
    x = np.asarray(x).astype(np.float32)
    c = np.float32(np.sqrt(2.0 / np.pi))
    with np.errstate(all="ignore"):
        return np.float32(0.5) * x * (np.float32(1) + np.tanh(c * (x + np.float32(0.044715) * x * x * x)))


def _gelu(fmt: str) -> Callable:
    return _cast_kernel(gelu_tanh_approx, fmt, f"gelu_tanh_{fmt}", f"GELU tanh approximation in f32, cast to {fmt}")


KERNELS: dict[str, Callable] = {}
for _name in UFUNCS:
    KERNELS[f"{_name}_f16"] = _numpy_fn(_name, np.float16)
    KERNELS[f"{_name}_f32"] = _numpy_fn(_name, np.float32)
    KERNELS[f"{_name}_bf16_via_f32"] = _bf16_via_f32(_name)
for _fmt in SOFTMAX_OUT:
    KERNELS[f"softmax2_{_fmt}"] = _softmax(2, _fmt)
    KERNELS[f"softmax3_{_fmt}"] = _softmax(3, _fmt)
KERNELS["softmax3_bf16_lowp"] = softmax3_bf16_lowp
for _fmt in GELU_OUT:
    KERNELS[f"gelu_tanh_{_fmt}"] = _gelu(_fmt)
globals().update(KERNELS)

__all__ = ["KERNELS", "UFUNCS", "softmax_two_pass", "softmax_three_pass", "softmax3_bf16_lowp", "gelu_tanh_approx", *KERNELS]
