"""A vectorised golden FMA for formats of at most 8 bits, for exhaustive RTL checks (2^24 triples).

Finite operands whose exact sum is nonzero: a*b + c is computed in float64, which holds it exactly
for these formats (checked with TwoSum on every vector), then rounded once by `fpverify.fast.quantize`
(bit-exact with golden conversion, every mode, flags). Everything else (a NaN or Inf operand, an exact
zero sum) goes through `fpverify.golden.fma` itself: the NaN/Inf cases depend only on the operands'
classes and signs, so finite operands are replaced by a representative (±0, ±1) and each distinct
triple is computed once.
"""

from __future__ import annotations

import numpy as np

from fpverify import golden
from fpverify.fast import quantize, value_table
from fpverify.formats import FloatFormat
from fpverify.rounding import Env


def _representatives(fmt: FloatFormat, codes: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Finite codes -> a code of the same class and sign (±0 or ±1); NaN/Inf codes unchanged."""
    one = fmt.bias << fmt.man_bits
    neg = (codes & fmt.sign_bit) != 0
    zero_rep = np.where(neg & fmt.has_neg_zero, fmt.sign_bit, 0)
    one_rep = np.where(neg, one | fmt.sign_bit, one)
    finite = np.isfinite(vals[codes])
    return np.where(finite, np.where(vals[codes] == 0, zero_rep, one_rep), codes).astype(np.int64)


def fma_reference(fmt: FloatFormat, a, b, c, env: Env = Env()) -> tuple[np.ndarray, np.ndarray]:
    """(codes, flags) of golden ``fma(fmt, a, b, c, env)`` for arrays of codes (``fmt`` ≤ 8 bits)."""
    a, b, c = (np.asarray(x, dtype=np.int64) for x in (a, b, c))
    vals = value_table(fmt, np.float64)
    va, vb, vc = vals[a], vals[b], vals[c]
    with np.errstate(invalid="ignore", over="ignore"):
        p = va * vb
        s = p + vc
        bp = s - vc
        err = (p - bp) + (vc - (s - bp))  # TwoSum: the rounding error of p + c
    finite = np.isfinite(va) & np.isfinite(vb) & np.isfinite(vc)
    regular = finite & (s != 0)
    if np.any(regular & (err != 0)):
        raise AssertionError(f"{fmt.name}: a*b + c is not exact in float64")
    codes = np.zeros(len(a), dtype=np.int64)
    flags = np.zeros(len(a), dtype=np.int64)
    qc, qf = quantize(s[regular], fmt, env, with_flags=True)
    codes[regular], flags[regular] = qc, qf
    rest = np.nonzero(~regular)[0]
    zero_sum = finite[rest]  # exact zeros: the sign rule depends on the operands themselves
    keys = np.stack([a[rest], b[rest], c[rest]], axis=1)
    reps = np.stack([_representatives(fmt, k, vals) for k in (a[rest], b[rest], c[rest])], axis=1)
    keys = np.where(zero_sum[:, None], keys, reps)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    res = [golden.fma(fmt, int(x), int(y), int(z), env=env) for x, y, z in uniq]
    codes[rest] = np.array([r.code for r in res], dtype=np.int64)[inverse.ravel()]
    flags[rest] = np.array([int(r.flags) for r in res], dtype=np.int64)[inverse.ravel()]
    return codes, flags & 0x1F
