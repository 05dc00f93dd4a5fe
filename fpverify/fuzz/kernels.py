"""Ready-made fuzz targets wrapping third-party kernels (ml_dtypes, numpy float16, PyTorch).

Names (use as ``fpverify.fuzz.kernels:NAME``):

* ``ml_dtypes_<fmt>``: ``x.astype(ml_dtypes.<type>)`` for every format ml_dtypes has
  (``ml_dtypes_e4m3fn``, ``ml_dtypes_e5m2``, ``ml_dtypes_e2m1fn``, ``ml_dtypes_e8m0fnu``,
  ``ml_dtypes_bf16``, ...): a cast from whatever array the harness passes (f32/f64/int64/...).
* ``ml_dtypes_<fmt>_<op>``: arithmetic on ml_dtypes arrays (``add sub mul div sqrt``).
* ``numpy_f16_<op>``: numpy float16 arithmetic (``add sub mul div sqrt``).
* ``torch_<fmt>``: ``torch.from_numpy(x).to(torch.<float8 type>)`` (needs PyTorch; raises
  ImportError with a clear message otherwise).

Each is checked against the semantics it claims in ``tests/thirdparty/`` (see docs/fuzz-report.md
for what was found).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..formats import get_format
from ..semantics.ops import ops_with, resolve

ML_DTYPES_FORMATS = ("bf16", "e4m3fn", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e3m4",
                     "e2m3fn", "e3m2fn", "e2m1fn", "e8m0fnu")
TORCH_TYPES = {"e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2", "e4m3fnuz": "float8_e4m3fnuz",
               "e5m2fnuz": "float8_e5m2fnuz", "e8m0fnu": "float8_e8m0fnu", "bf16": "bfloat16",
               "f16": "float16"}
# op -> the numpy ufunc of the same operation (`fpverify.semantics.ops`, field ``ufunc``)
OPS = {op.name: resolve(op.ufunc) for op in ops_with("ufunc")}


def ml_dtypes_type(fmt: str):
    import ml_dtypes

    f = get_format(fmt)
    for name in (f.name,) + tuple(f.aliases):
        t = getattr(ml_dtypes, name, None)
        if isinstance(t, type):
            return t
    raise ValueError(f"ml_dtypes has no type for {fmt}")


def _ml_cast(fmt: str) -> Callable:
    def cast(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(x).astype(ml_dtypes_type(fmt))

    cast.__name__ = cast.__qualname__ = f"ml_dtypes_{fmt}"
    cast.__doc__ = f"ml_dtypes cast to {fmt}: x.astype(ml_dtypes.{ml_dtypes_type.__name__}...)"
    return cast


def _ml_op(fmt: str, op: str) -> Callable:
    fn = OPS[op]

    def kernel(*args: np.ndarray) -> np.ndarray:
        t = ml_dtypes_type(fmt)
        with np.errstate(all="ignore"):
            return fn(*[np.asarray(a).astype(t) for a in args])

    kernel.__name__ = kernel.__qualname__ = f"ml_dtypes_{fmt}_{op}"
    return kernel


def _np_f16(op: str) -> Callable:
    fn = OPS[op]

    def kernel(*args: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(*[np.asarray(a, dtype=np.float16) for a in args])

    kernel.__name__ = kernel.__qualname__ = f"numpy_f16_{op}"
    return kernel


def _torch_cast(fmt: str) -> Callable:
    def cast(x: np.ndarray) -> np.ndarray:
        try:
            import torch
        except ImportError as e:
            raise ImportError("torch_* kernels need PyTorch (pip install torch)") from e
        t = getattr(torch, TORCH_TYPES[fmt], None)
        if t is None:
            raise ImportError(f"this PyTorch has no torch.{TORCH_TYPES[fmt]}")
        y = torch.from_numpy(np.ascontiguousarray(x)).to(t)
        if y.element_size() == 1:
            return y.view(torch.uint8).numpy()
        return y.view(torch.int16).numpy().view(np.uint16)

    cast.__name__ = cast.__qualname__ = f"torch_{fmt}"
    return cast


KERNELS: dict[str, Callable] = {}
for _f in ML_DTYPES_FORMATS:
    KERNELS[f"ml_dtypes_{_f}"] = _ml_cast(_f)
    for _op in OPS:
        KERNELS[f"ml_dtypes_{_f}_{_op}"] = _ml_op(_f, _op)
for _op in OPS:
    KERNELS[f"numpy_f16_{_op}"] = _np_f16(_op)
for _f in TORCH_TYPES:
    KERNELS[f"torch_{_f}"] = _torch_cast(_f)
globals().update(KERNELS)


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


__all__ = ["KERNELS", "ML_DTYPES_FORMATS", "TORCH_TYPES", "ml_dtypes_type", "torch_available", *KERNELS]
