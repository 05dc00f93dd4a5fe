"""Fuzz targets wrapping the `en-dtypes` package (HiFloat8 and float4_e1m2 numpy dtypes).

    fpverify fuzz tests/thirdparty/endtypes_targets.py:hif8_cast -s 'convert f64->hif8 rna'
"""

import numpy as np


def hif8_cast(x):
    """``x.astype(en_dtypes.hifloat8)`` as codes (from whatever float array the harness passes)."""
    import en_dtypes

    with np.errstate(all="ignore"):
        return np.asarray(x).astype(en_dtypes.hifloat8).view(np.uint8)


def e1m2_cast(x):
    """``x.astype(en_dtypes.float4_e1m2)`` as codes."""
    import en_dtypes

    with np.errstate(all="ignore"):
        return np.asarray(x).astype(en_dtypes.float4_e1m2).view(np.uint8)


def hif8_mul(a, b):
    """hifloat8 multiplication on code arrays (``in=codes``)."""
    import en_dtypes

    t = en_dtypes.hifloat8
    with np.errstate(all="ignore"):
        return (np.asarray(a, np.uint8).view(t) * np.asarray(b, np.uint8).view(t)).view(np.uint8)
