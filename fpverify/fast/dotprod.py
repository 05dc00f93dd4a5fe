"""Dot products and matrix products on code arrays, with a declared accumulation order.

    from fpverify.fast import dot, matmul
    y = dot(a, b, "e4m3fn", out="f32")                          # exact sum of products, rounded once
    y = dot(a, b, "bf16", order="sequential", acc="f32")        # acc = fma(a_k, b_k, acc) in f32, k = 0..K-1
    Y = matmul(A, B, "e5m2", out="bf16")                        # (M, K) @ (K, N)

``order="exact"``: every product a_k·b_k is exact (< 2^48), and the K products are summed exactly
in 32-bit limbs (products split into 24-bit pieces, each piece placed in two limbs, limbs summed
with numpy; every partial sum stays below 2^53, so the float64 `bincount` sums are exact integers);
each output is then rounded once into ``out`` by the shared round-and-pack. Specials: a NaN
operand or Inf·0 gives NaN (invalid for the latter and for signalling NaNs); +Inf and -Inf
products together give NaN (invalid); otherwise an Inf product gives that Inf. An exact zero sum
is -0 when every product is -0, +0 otherwise (-0 under RDN when nonzero products cancel), as
repeated exact addition would give.

``order="sequential"``: ``acc`` (a format, default ``out``) starts at +0 and takes
``acc = fma(a_k, b_k, acc)`` rounded into ``acc`` at each k in increasing order (stochastic modes
draw fresh random bits per step); the result is then converted (one rounding) into ``out``.
Flags (``with_flags``) are the OR over all steps.
"""

from __future__ import annotations

import numpy as np

from ..formats import FloatFormat, Format, get_format
from ..rounding import Env, Mode
from . import arith
from .operands import unpack
from .round_pack import as_outputs, finish, round_pack

_LIMB = 32
_PIECE = 24
_MAX_TERMS = 1 << 18  # per output and chunk: 4 contributions < 2^32 each keep float64 sums exact


def _check(fmt: Format, out: Format, env: Env) -> None:
    if not arith.supports(fmt, env, out):
        raise ValueError(f"dot/matmul need float formats with precision <= {arith.MAX_PRECISION} "
                         f"(operands {getattr(fmt, 'name', fmt)}, result {getattr(out, 'name', out)})")


def _limb_sums(neg, x, e, emin: int, nout: int, k: int) -> np.ndarray:
    """Signed 32-bit limb sums (int64, shape (nout, L)) of Σ ±x·2^(e - emin) over the last axis."""
    pos = e - emin
    pieces = ((x & ((1 << _PIECE) - 1), pos), (x >> _PIECE, pos + _PIECE))
    nlimbs = int(pos.max(initial=0) + _PIECE) // _LIMB + 2
    total = np.zeros(nout * nlimbs, np.int64)
    rows = np.repeat(np.arange(nout, dtype=np.int64), k)
    sign = np.where(neg.reshape(-1), -1.0, 1.0)
    for piece, p in pieces:
        piece, p = piece.reshape(-1), p.reshape(-1)
        j, o = p >> 5, p & (_LIMB - 1)
        w = piece << o  # < 2^56
        base = rows * nlimbs + j
        for part, shift in ((w & 0xFFFFFFFF, 0), (w >> _LIMB, 1)):
            total += np.rint(np.bincount(base + shift, weights=part * sign,
                                         minlength=nout * nlimbs)).astype(np.int64)
    return total.reshape(nout, nlimbs)


def _to_jammed(limbs: np.ndarray, emin: int):
    """(neg, X, E, zero) per row: the exact sum as a <= 61-bit integer with the rest jammed."""
    n = limbs.shape[0]
    neg = np.zeros(n, bool)
    xs = np.ones(n, np.int64)
    es = np.zeros(n, np.int64)
    zero = np.zeros(n, bool)
    for i, row in enumerate(limbs.tolist()):
        total = 0
        for j in range(len(row) - 1, -1, -1):
            total = (total << _LIMB) + row[j]
        if total == 0:
            zero[i] = True
            continue
        neg[i] = total < 0
        mag = -total if total < 0 else total
        sh = max(0, mag.bit_length() - 61)
        if sh:
            mag = (mag >> sh) | ((mag & ((1 << sh) - 1)) != 0)
        xs[i], es[i] = mag, emin + sh
    return neg, xs, es, zero


def _exact(a, b, fmt: FloatFormat, out: FloatFormat, env: Env, r_bits, want_flags: bool):
    """Flattened (nout, K) operands: codes and flags of the exact dot products."""
    nout, k = a.shape
    ua, ub = unpack(a.reshape(-1), fmt), unpack(b.reshape(-1), fmt)
    shape2 = (nout, k)
    pneg = (ua.neg ^ ub.neg).reshape(shape2)
    x = (ua.sig * ub.sig).reshape(shape2)
    e = (ua.exp + ub.exp).reshape(shape2)
    a_inf, b_inf = ua.inf.reshape(shape2), ub.inf.reshape(shape2)
    a_zero, b_zero = ua.zero.reshape(shape2), ub.zero.reshape(shape2)
    nan_in = (ua.nan | ub.nan).reshape(shape2)
    snan = (ua.snan | ub.snan).reshape(shape2).any(axis=1)
    zero_inf = ((a_inf & b_zero) | (a_zero & b_inf)).any(axis=1)
    pinf = (a_inf | b_inf) & ~(a_zero | b_zero) & ~nan_in
    pos_inf, neg_inf = (pinf & ~pneg).any(axis=1), (pinf & pneg).any(axis=1)
    nan = nan_in.any(axis=1) | zero_inf | (pos_inf & neg_inf)
    invalid = snan | zero_inf | (pos_inf & neg_inf & ~nan_in.any(axis=1))
    inf = (pos_inf | neg_inf) & ~nan
    live = x != 0
    emin = int(e[live].min()) if live.any() else 0
    limbs = _limb_sums(pneg, np.where(live, x, 0), np.where(live, e, emin), emin, nout, k)
    neg, xs, es, zero = _to_jammed(limbs, emin)
    all_neg_zero = (pneg | live).all(axis=1) & ~live.any(axis=1)
    cancelled = live.any(axis=1)
    zero_neg = np.where(cancelled, env.rounding.mode is Mode.RDN, all_neg_zero)
    zero &= ~nan & ~inf
    code, flags = round_pack(neg, xs, es, out, env, r_bits, want_flags)
    code, flags = finish(code, flags, out, env, nan=nan, invalid=invalid, inf=inf, inf_neg=neg_inf,
                         zero=zero, zero_neg=zero_neg)
    return code, flags


def convert_codes(codes, src: Format | str, dst: Format | str, env: Env = Env(), with_flags: bool = False):
    """Codes of ``src`` rounded once into ``dst`` (both float formats of precision <= 24)."""
    src, dst = get_format(src), get_format(dst)
    _check(src, dst, env)
    c = np.asarray(codes)
    u = unpack(c.reshape(-1), src)
    live = u.finite_nonzero
    code, flags = round_pack(u.neg, np.where(live, u.sig, 1), u.exp, dst, env, 0, True)
    code, flags = finish(code, flags, dst, env, nan=u.nan, invalid=u.snan, inf=u.inf, inf_neg=u.neg,
                         zero=u.zero, zero_neg=u.neg)
    return as_outputs(code, flags, dst, c.shape, with_flags)


def _sequential(a, b, fmt: FloatFormat, acc: FloatFormat, env: Env, r_bits, want_flags: bool):
    nout, k = a.shape
    cur = np.zeros(nout, np.int64)
    flags = np.zeros(nout, np.int64)
    for i in range(k):
        ops = [unpack(a[:, i], fmt), unpack(b[:, i], fmt), unpack(cur, acc)]
        rb = r_bits[:, i] if np.ndim(r_bits) else r_bits
        cur, fl = arith.compute("fma", ops, acc, env, rb, want_flags)
        if want_flags:
            flags |= fl
    return cur, flags


def dot(a, b, fmt: Format | str, env: Env = Env(), *, out: Format | str | None = None, order: str = "exact",
        acc: Format | str | None = None, random_bits=None, rng=None, with_flags: bool = False):
    """Σ_k a[..., k]·b[..., k] (broadcast leading axes) in the declared ``order`` (module docstring)."""
    fmt = get_format(fmt)
    out = fmt if out is None else get_format(out)
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    if a.ndim == 0:
        raise ValueError("dot needs arrays with a last (contraction) axis")
    lead, k = a.shape[:-1], a.shape[-1]
    a2, b2 = a.reshape(-1, k).astype(np.int64), b.reshape(-1, k).astype(np.int64)
    if order == "exact":
        _check(fmt, out, env)
        if k > _MAX_TERMS:
            raise ValueError(f"order='exact' handles up to {_MAX_TERMS} terms per output")
        r = arith.random_bits_for(env.rounding, (a2.shape[0],), env,
                                  None if random_bits is None else np.reshape(random_bits, -1), rng)
        code, flags = _exact(a2, b2, fmt, out, env, r, with_flags)
    elif order == "sequential":
        acc_f = out if acc is None else get_format(acc)
        _check(fmt, acc_f, env)
        _check(acc_f, out, env)
        r = arith.random_bits_for(env.rounding, (a2.shape[0], k), env,
                                  None if random_bits is None else np.reshape(random_bits, (-1, k)), rng)
        code, flags = _sequential(a2, b2, fmt, acc_f, env, r, with_flags)
        if acc_f != out:
            code, fl2 = convert_codes(code, acc_f, out, env, with_flags=True)
            flags = flags | fl2 if with_flags else None
    else:
        raise ValueError(f"unknown accumulation order {order!r} (use 'exact' or 'sequential')")
    return as_outputs(code, flags, out, lead, with_flags)


def matmul(a, b, fmt: Format | str, env: Env = Env(), **kw):
    """(M, K) @ (K, N) code matrices (see `dot` for the keywords); rows are processed in blocks."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul needs (M, K) and (K, N) matrices, got {a.shape} and {b.shape}")
    bt = b.T[None, :, :]
    step = max(1, (1 << 21) // max(1, b.size))
    rb = kw.pop("random_bits", None)
    parts = [dot(a[i:i + step, None, :], bt, fmt, env, random_bits=None if rb is None else rb[i:i + step], **kw)
             for i in range(0, a.shape[0], step)]
    if kw.get("with_flags"):
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return np.concatenate(parts)


__all__ = ["dot", "matmul", "convert_codes"]
