"""Vectorised HiFloat4 blocks (semantics: `fpverify.golden.hifloat4`), bit-exact with golden.

Inputs are float32 arrays whose last axis is a multiple of 64. The float64 arithmetic here is
exact: a float32 magnitude (24 bits) times bf16(1/7) or rec = bf16(1/SF) (8 bits) fits float64's
53 bits and range, and powers of two scale exactly; the two roundings of the definition (bf16,
UE6M2, E1M2) go through the fast converter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..formats import Overflow, get_format
from ..golden.hifloat4 import HIF4_BLOCK, HiF4Policy, HiF4Specials, hif4_policy
from ..rounding import Env, Mode, Rounding
from .convert import dequantize, quantize

E1M2 = get_format("e1m2")
UE6M2 = get_format("ue6m2")
_SAT_RNE = Env(Rounding(Mode.RNE), overflow=Overflow.SATFINITE)


@dataclass
class HiF4Array:
    scales: np.ndarray  # UE6M2 codes, shape (..., nblocks)
    l2: np.ndarray  # (..., nblocks, 8) bits
    l3: np.ndarray  # (..., nblocks, 16) bits
    codes: np.ndarray  # E1M2 codes, shape of the input
    policy: HiF4Policy


def _bf16(x: np.ndarray) -> np.ndarray:
    return dequantize(quantize(x, "bf16"), "bf16", np.float64)


def hif4_quantize(x, policy: str | HiF4Policy = "paper") -> HiF4Array:
    """Quantise the last axis of a float32 array in blocks of 64."""
    pol = hif4_policy(policy)
    arr = np.asarray(x)
    if arr.dtype != np.float32:
        raise InputError("the fast HiFloat4 quantiser takes float32 arrays (the golden one takes any value)")
    if arr.ndim == 0 or arr.shape[-1] % HIF4_BLOCK:
        raise InputError(f"HiFloat4 needs blocks of {HIF4_BLOCK} values along the last axis; got shape {arr.shape}")
    xb = arr.astype(np.float64).reshape(arr.shape[:-1] + (-1, 8, 2, 4))
    finite = np.isfinite(xb)
    mag = np.where(finite, np.abs(xb), 0.0)
    max3 = mag.max(axis=-1)  # (..., nb, 8, 2)
    max2 = max3.max(axis=-1)  # (..., nb, 8)
    max1 = max2.max(axis=-1)  # (..., nb)
    t = _bf16(max1 * _bf16(np.float64(1.0) / 7.0))  # 1/7 in float64 then bf16: no double-rounding tie
    t = np.clip(t, 2.0 ** -48, 49152.0)
    scales = quantize(t, UE6M2, _SAT_RNE)
    sf = dequantize(scales, UE6M2, np.float64)
    rec = _bf16(1.0 / sf)  # 1/m for m in {1, 5/4, 3/2, 7/4} is never near a bf16 tie
    l2 = (max2 * rec[..., None] >= 4.0).astype(np.uint8)
    l3 = (max3 * rec[..., None, None] / np.ldexp(1.0, l2[..., None]) >= 2.0).astype(np.uint8)
    shift = l2[..., :, None, None].astype(np.int64) + l3[..., :, :, None].astype(np.int64)
    scaled = np.ldexp(np.where(finite, xb, 0.0) * rec[..., None, None, None], -shift)
    scaled = np.where(finite, scaled, np.copysign(0.0, xb))
    env = Env(pol.element_rounding, overflow=Overflow.SATFINITE)
    codes = quantize(scaled, E1M2, env).astype(np.uint8)
    nan = np.isnan(xb)
    inf = np.isinf(xb)
    top = np.uint8(E1M2.max_code)
    codes = np.where(nan, top, codes)
    codes = np.where(inf, np.where(xb < 0, top | np.uint8(E1M2.sign_bit), top), codes)
    if pol.specials is HiF4Specials.NAN_BLOCK:
        bad = (~finite).reshape(finite.shape[:-3] + (-1,)).any(axis=-1)
        scales = np.where(bad, np.uint8(UE6M2.nan_code()), scales)
        l2 = np.where(bad[..., None], 0, l2)
        l3 = np.where(bad[..., None, None], 0, l3)
        codes = np.where(bad[..., None, None, None], 0, codes)
    return HiF4Array(scales.astype(np.uint8), l2.astype(np.uint8), l3.reshape(l3.shape[:-2] + (16,)).astype(np.uint8),
                     codes.reshape(arr.shape).astype(np.uint8), pol)


def hif4_dequantize(q: HiF4Array, dtype=np.float32) -> np.ndarray:
    """Exact values (every HiFloat4 value is a float32 value); NaN blocks give NaN."""
    e = dequantize(q.codes, E1M2, np.float64).reshape(q.scales.shape + (8, 2, 4))
    sf = dequantize(q.scales, UE6M2, np.float64)
    shift = q.l2[..., :, None].astype(np.int64) + q.l3.reshape(q.l3.shape[:-1] + (8, 2)).astype(np.int64)
    v = np.ldexp(e, shift[..., None]) * sf[..., None, None, None]
    return v.reshape(q.codes.shape).astype(dtype)


def hif4_dot_exact(a: HiF4Array, b: HiF4Array, out="f32", env: Env = Env()) -> np.ndarray:
    """Σ a_i b_i over the last axis, exact (integers), one rounding per row; NaN rows where a block is NaN.

    An element is k/4 with k <= 7; SF = m * 2^(s - 2) with m in 4..7: every product is an integer
    times 2^(sa + sb - 8 + la + lb), summed in Python integers per row."""
    from fractions import Fraction

    from ..golden.convert import from_value

    out = get_format(out)
    if a.codes.shape != b.codes.shape:
        raise InputError(f"HiFloat4 dot needs operands of the same shape ({a.codes.shape} vs {b.codes.shape})")
    k4 = np.array([int(4 * E1M2.value(c)) for c in range(16)], dtype=np.int64)  # signed quarter units
    nb = a.scales.shape[-1]
    rows_a = a.scales.reshape(-1, nb)
    rows_b = b.scales.reshape(-1, nb)

    def terms(q: HiF4Array, rows):
        e = k4[q.codes.astype(np.intp)].reshape(rows.shape + (8, 2, 4))
        sh = (q.l2.reshape(rows.shape + (8,))[..., :, None].astype(np.int64)
              + q.l3.reshape(rows.shape + (8, 2)).astype(np.int64))
        return e << sh[..., None]  # integer quarter units times 2^(l2 + l3)

    ta, tb = terms(a, rows_a), terms(b, rows_b)
    inner = (ta * tb).reshape(rows_a.shape + (-1,)).sum(axis=-1)  # per block, units of 2^-4
    res = np.empty(rows_a.shape[0], dtype=np.uint64)
    for r in range(rows_a.shape[0]):
        total = Fraction(0)
        nan = False
        for j in range(nb):
            sa, sb = int(rows_a[r, j]), int(rows_b[r, j])
            if sa == UE6M2.nan_code() or sb == UE6M2.nan_code():
                nan = True
                break
            total += Fraction(int(inner[r, j])) * UE6M2.value(sa) * UE6M2.value(sb) / 16
        res[r] = from_value(float("nan") if nan else total, out, env).code
    return res.reshape(a.scales.shape[:-1])


__all__ = ["HiF4Array", "hif4_quantize", "hif4_dequantize", "hif4_dot_exact"]
