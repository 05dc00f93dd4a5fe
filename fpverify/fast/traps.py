"""Operand arrays aimed at the places rounding goes wrong, for tests and benchmarks.

`trap_operands(fmt, op, n)` builds codes from fields, not values: sparse significands (only the
top, bottom or all bits set) at exponent distances of 0, 1, p-1, p, p+1, p+2 make exact ties
and near-ties of sums; exponent pairs whose sum lies at the top or the bottom of the range hit
the overflow threshold and the subnormal boundary of products and quotients; zeros, subnormals,
Inf and NaN are mixed in. `trap_values(target, n)` gives float64 values on and around the
target's ties (exact midpoints, one float32 ulp off them: double-rounding traps through float32),
its overflow threshold and its subnormal boundaries, for conversions.
"""

from __future__ import annotations

import numpy as np

from ..formats import FloatFormat, get_format


def _mantissas(m: int, size: int, rng: np.random.Generator) -> np.ndarray:
    full = (1 << m) - 1
    top = 1 << (m - 1) if m else 0
    choices = np.array([0, 1, top, top | 1, full, full - 1 if m else 0, top >> 1 if m > 1 else 0], np.int64)
    t = choices[rng.integers(0, choices.size, size)]
    rand = rng.integers(0, full + 1, size) if m else np.zeros(size, np.int64)
    return np.where(rng.random(size) < 0.25, rand, t)


def _codes(fmt: FloatFormat, ef: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = np.uint64
    ef = np.clip(ef, 0, fmt.exp_mask).astype(u)
    t = _mantissas(fmt.man_bits, ef.size, rng).astype(u)
    sign = rng.integers(0, 2, ef.size).astype(u) * u(fmt.sign_bit) if fmt.signed else u(0)
    return (sign | (ef << u(fmt.man_bits)) | t).astype(_dtype(fmt))


def _dtype(fmt: FloatFormat):
    return np.int64 if fmt.width <= 32 else np.uint64


def _specials(fmt: FloatFormat, size: int, rng: np.random.Generator) -> np.ndarray:
    from ..strategies import interesting_codes

    pool = np.array(interesting_codes(fmt), _dtype(fmt))
    return pool[rng.integers(0, pool.size, size)]


def trap_operands(fmt, op: str, n: int = 10000, seed: int = 0) -> list[np.ndarray]:
    """``arity`` code arrays of ``n`` elements of ``fmt`` for ``op`` (add sub mul div sqrt fma)."""
    fmt = get_format(fmt)
    rng = np.random.default_rng(seed)
    emax_f = fmt.exp_mask
    p = fmt.precision
    mid = fmt.bias
    ea = rng.integers(0, emax_f + 1, n)
    if op in ("add", "sub"):
        d = np.array([0, 1, p - 1, p, p + 1, p + 2, 2])[rng.integers(0, 7, n)]
        eb = ea - d * np.where(rng.random(n) < 0.5, 1, -1)
        ops = [_codes(fmt, ea, rng), _codes(fmt, eb, rng)]
    elif op in ("mul", "div"):
        # products/quotients near the top (overflow threshold) or the bottom (subnormal boundary)
        target = np.array([emax_f - 1 + mid, emax_f + mid, 1 + mid - p, mid - p, 1 + mid, mid])
        tgt = target[rng.integers(0, target.size, n)]
        eb = tgt - ea if op == "mul" else ea - tgt + 2 * mid
        eb = np.where(rng.random(n) < 0.3, rng.integers(0, emax_f + 1, n), eb)
        ops = [_codes(fmt, ea, rng), _codes(fmt, eb, rng)]
    elif op == "sqrt":
        ops = [_codes(fmt, ea, rng)]
    elif op == "fma":
        eb = np.where(rng.random(n) < 0.5, 2 * mid - ea, rng.integers(0, emax_f + 1, n))
        prod = ea + eb - mid
        ec = prod - np.array([0, 1, p, p + 1, 2 * p, -p])[rng.integers(0, 6, n)]
        ops = [_codes(fmt, ea, rng), _codes(fmt, eb, rng), _codes(fmt, ec, rng)]
    else:
        raise ValueError(f"no trap generator for {op!r}")
    for o in ops:  # a share of special and extreme codes
        pick = rng.random(n) < 0.08
        o[pick] = _specials(fmt, int(pick.sum()), rng)
        if not fmt.signed:
            o &= o.dtype.type(fmt.mag_mask)
    return ops


def trap_values(target, n: int = 100000, seed: int = 0) -> np.ndarray:
    """float64 values on and near ``target``'s rounding boundaries (for conversions)."""
    fmt = get_format(target)
    rng = np.random.default_rng(seed)
    from .convert import dequantize

    finite = np.arange(0, fmt.max_code + 1, dtype=np.int64)
    vals = np.unique(dequantize(finite, fmt, np.float64))
    vals = vals[np.isfinite(vals) & (vals >= 0)]
    lo = vals[rng.integers(0, vals.size - 1, n)]
    idx = np.searchsorted(vals, lo)
    hi = vals[np.minimum(idx + 1, vals.size - 1)]
    mid = (lo + hi) / 2  # exact: adjacent values of a <= 24-bit format
    ulp32 = np.spacing(mid.astype(np.float32)).astype(np.float64)
    kind = rng.integers(0, 6, n)
    x = np.select([kind == 0, kind == 1, kind == 2, kind == 3],
                  [mid, mid + ulp32 / 4, mid - ulp32 / 4, np.nextafter(mid, np.inf)],
                  np.nextafter(mid, -np.inf))
    mx = float(fmt.max_value)
    top = mx + float(fmt.max_value - fmt.value(fmt.max_code - 1)) / 2  # the overflow threshold
    edge = np.array([top, np.nextafter(top, 0), np.nextafter(top, np.inf), mx,
                     float(fmt.min_normal), float(fmt.min_positive) / 2,
                     np.nextafter(float(fmt.min_positive) / 2, np.inf), float(fmt.min_positive) * 0.75])
    pick = rng.random(n) < 0.1
    x[pick] = edge[rng.integers(0, edge.size, int(pick.sum()))]
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0) if fmt.signed else 1.0
    return x * sign


__all__ = ["trap_operands", "trap_values"]
