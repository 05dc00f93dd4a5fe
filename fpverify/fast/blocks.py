"""Vectorised MX / MXINT8 / NVFP4 block quantize, dequantize and dot (bit-exact with golden/blocks.py).

Inputs are float32 arrays whose last axis is a multiple of the block size. Scale exponents come
from exact bit-level log2 (``np.frexp`` on float64 is exact); elements are rounded from the exact
quotient V/X (float64 holds it exactly: a float32 times a power of two in [2^-127, 2^127]) by the
bit-exact `quantize`. The fp32 steps that the semantics *define* (RCEIL, NVFP4, TOSA dot) are
done in numpy float32 arithmetic, which is IEEE binary32 with RNE, exactly as the golden model
rounds each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from ..formats import Format, FloatFormat, IntFormat, Overflow
from ..golden import blocks as G
from ..golden.blocks import (E8M0_NAN, ExpOverflow, MXPolicy, NanInBlock, NVFP4Order, NVFP4Policy, ScaleRule,
                             ZeroBlock, element_format)
from ..rounding import Env, Mode, Rounding
from .convert import dequantize, quantize, value_table


@dataclass
class MXArray:
    scales: np.ndarray  # uint8 E8M0 codes, shape (..., K / block)
    codes: np.ndarray  # element codes, shape (..., K)
    elem: Format
    policy: MXPolicy


def _blocks(x: np.ndarray, k: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.shape[-1] % k:
        raise ValueError(f"last axis ({x.shape[-1]}) must be a multiple of the block size {k}")
    return x.reshape(x.shape[:-1] + (x.shape[-1] // k, k))


def _floor_log2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(floor(log2 a), a is a power of two) for positive finite float64, exactly."""
    m, e = np.frexp(a)  # a = m * 2^e, m in [0.5, 1)
    return e.astype(np.int64) - 1, m == 0.5


def mx_scale_exponents(xb: np.ndarray, fmt: Format, policy: MXPolicy) -> tuple[np.ndarray, np.ndarray]:
    """(shared exponent, NaN-scale mask) per block, before clamping."""
    finite = np.isfinite(xb)
    nan_scale = ~finite.all(axis=-1) if policy.nan_in_block is NanInBlock.NAN_SCALE else np.zeros(xb.shape[:-1], bool)
    amax = np.where(finite, np.abs(xb), 0).max(axis=-1).astype(np.float64)
    zero = amax == 0
    if policy.zero_block is ZeroBlock.FP32_MIN_NORMAL:
        amax = np.maximum(amax, 2.0 ** -126)
        zero = np.zeros_like(zero)
    safe = np.where(amax == 0, 1.0, amax)
    em = G.emax_elem(fmt)
    fl, pow2 = _floor_log2(safe)
    rule = policy.scale_rule
    if rule is ScaleRule.OCP_FLOOR:
        e = fl - em
    elif rule is ScaleRule.CEIL:
        e = fl + ~pow2 - em
    elif rule is ScaleRule.EVEN:
        if not isinstance(fmt, FloatFormat):
            raise ValueError("the EVEN scale rule needs a float element format")
        m, ex = np.frexp(safe)
        p = fmt.precision
        r = np.round(np.ldexp(m, p))  # exact, ties to even
        e = ex.astype(np.int64) - 1 + (r == 2.0 ** p) - em
    elif rule is ScaleRule.RCEIL:
        q = (safe.astype(np.float32) / np.float32(float(G.max_elem(fmt)))).astype(np.float64)
        qs = np.where((q == 0) | ~np.isfinite(q), 1.0, q)
        fq, p2 = _floor_log2(qs)
        e = fq + ~p2
        e = np.where(q == 0, -127, np.where(np.isinf(q), 128, e))
    elif rule is ScaleRule.TOSA:
        mx = G.max_elem(fmt)
        out_max = mx + G._ulp(fmt, mx) / 2
        om, oe = np.frexp(float(out_max))  # exact: out_max is a short dyadic
        am, ae = np.frexp(safe)
        fl_q = (ae.astype(np.int64) - oe) - (am < om)
        if isinstance(fmt, FloatFormat) and (fmt.exp_bits, fmt.man_bits) == (4, 3):
            e = fl_q + (am != om)
        else:
            e = fl_q + 1
    else:
        raise ValueError(f"unknown scale rule {rule}")
    e = np.where(zero, -127, e)
    return e, nan_scale


def mx_quantize(x, elem: Format | str, policy: MXPolicy = MXPolicy()) -> MXArray:
    """Quantize a float32 array along its last axis into MX blocks."""
    fmt = element_format(elem, policy)
    xb = _blocks(x, policy.block_size)
    e, nan_scale = mx_scale_exponents(xb, fmt, policy)
    if policy.exp_overflow is ExpOverflow.NAN:
        nan_scale = nan_scale | (e > 127)
    e = np.clip(e, -127, 127)
    e = np.where(nan_scale, 0, e)
    scales = np.where(nan_scale, E8M0_NAN, e + 127).astype(np.uint8)
    env = Env(policy.element_rounding, overflow=Overflow.SATFINITE)
    if policy.scale_rule is ScaleRule.RCEIL:
        inv = np.ldexp(np.float32(1), (-e).astype(np.int32)).astype(np.float32)  # exact powers of two
        scaled = xb * inv[..., None]  # fp32 multiply (RNE), as specified
    else:
        scaled = np.ldexp(xb.astype(np.float64), (-e)[..., None])  # exact in float64
    codes = quantize(scaled, fmt, env)
    return MXArray(scales, codes.reshape(np.shape(x)), fmt, policy)


def mx_dequantize(q: MXArray, dtype=np.float32) -> np.ndarray:
    """X · P_i (exact in float64; one RNE rounding into float32 where needed). NaN scale → NaN."""
    k = q.policy.block_size
    vals = value_table(q.elem, np.float64)[q.codes.astype(np.intp)] if q.elem.width <= 16 else dequantize(
        q.codes, q.elem, np.float64)
    vb = vals.reshape(q.scales.shape + (k,))
    e = q.scales.astype(np.int64) - 127
    out = np.ldexp(vb, e[..., None])
    out = np.where((q.scales == E8M0_NAN)[..., None], np.nan, out)
    return out.reshape(q.codes.shape).astype(dtype)


def mx_dot_exact(a: MXArray, b: MXArray, out: Format | str = "f32", env: Env = Env(),
                 random_bits: np.ndarray | None = None) -> np.ndarray:
    """Σ X_A X_B P_A P_B over the last axis, exact, one rounding per output (codes of ``out``).

    Block partial sums are exact integers (element values are integers times 2^lsb); blocks are
    combined with Python integers, and the total is rounded by the golden kernel. A stochastic
    mode takes R per output from ``random_bits`` (the output's shape), else ``env.random_bits``.
    """
    from ..formats import get_format
    from ..golden.convert import from_value
    from ..rounding import round_to_format
    from ..golden.real import Dyadic

    out = get_format(out)
    ka = _int_values(a)
    kb = _int_values(b)
    (ia, la), (ib, lb) = ka, kb
    k = a.policy.block_size
    shape = a.scales.shape
    pa = ia.reshape(shape + (k,)).astype(object) if _needs_object(ia, ib, k) else ia.reshape(shape + (k,))
    pb = ib.reshape(shape + (k,)).astype(pa.dtype)
    sums = (pa * pb).sum(axis=-1)  # exact: int64 where the bound allows, else Python ints
    nan = (a.scales == E8M0_NAN) | (b.scales == E8M0_NAN) | _nan_blocks(a) | _nan_blocks(b)
    ea = a.scales.astype(np.int64) - 127 + la
    eb = b.scales.astype(np.int64) - 127 + lb
    res = np.empty(shape[:-1], dtype=np.uint64)
    flat_s, flat_e = sums.reshape(-1, shape[-1]), (ea + eb).reshape(-1, shape[-1])
    flat_nan = nan.reshape(-1, shape[-1]).any(axis=-1)
    out_flat = res.reshape(-1)
    rbits = None
    if random_bits is not None and env.rounding.mode.stochastic:
        rbits = np.broadcast_to(np.asarray(random_bits, dtype=np.uint64), shape[:-1]).reshape(-1)
    base_env = env
    for r in range(flat_s.shape[0]):
        if rbits is not None:
            env = replace(base_env, random_bits=int(rbits[r]))
        if flat_nan[r]:
            out_flat[r] = from_value(float("nan"), out, env).code
            continue
        emin = int(flat_e[r].min())
        total = sum(int(s) << (int(e) - emin) for s, e in zip(flat_s[r], flat_e[r]))
        if total == 0:
            out_flat[r] = round_to_format(Dyadic(False, 0, 0), out, env).code
        else:
            out_flat[r] = round_to_format(Dyadic(total < 0, abs(total), emin), out, env).code
    return res


def _int_values(q: MXArray) -> tuple[np.ndarray, int]:
    """Element values as integers times 2^lsb (lsb: the element format's smallest quantum)."""
    fmt = q.elem
    if isinstance(fmt, IntFormat):
        c = q.codes.astype(np.int64)
        return np.where(c >> (fmt.bits - 1) != 0, c - (1 << fmt.bits), c), fmt.scale_exp
    lsb = fmt.emin - fmt.man_bits
    vals = value_table(fmt, np.float64)[q.codes.astype(np.intp)]
    ints = np.where(np.isfinite(vals), np.ldexp(np.where(np.isfinite(vals), vals, 0), -lsb), 0)
    return ints.astype(np.int64), lsb


def _nan_blocks(q: MXArray) -> np.ndarray:
    fmt = q.elem
    if isinstance(fmt, IntFormat) or not (fmt.has_nan or fmt.has_inf):
        return np.zeros(q.scales.shape, bool)
    vals = value_table(fmt, np.float64)[q.codes.astype(np.intp)]
    return ~np.isfinite(vals).reshape(q.scales.shape + (-1,)).all(axis=-1)


def _needs_object(ia, ib, k) -> bool:
    ma = int(np.abs(ia).max(initial=0))
    mb = int(np.abs(ib).max(initial=0))
    return ma * mb * k >= 2 ** 62


def mx_dot_tosa(a: MXArray, b: MXArray) -> np.ndarray:
    """TOSA MATMUL_T_BLOCK_SCALED order in float32 (numpy float32 ops are IEEE RNE); float32 result."""
    k = a.policy.block_size
    va = value_table(a.elem, np.float32)[a.codes.astype(np.intp)].reshape(a.scales.shape + (k,))
    vb = value_table(b.elem, np.float32)[b.codes.astype(np.intp)].reshape(b.scales.shape + (k,))
    nblocks = a.scales.shape[-1]
    acc = np.zeros(a.scales.shape[:-1], np.float32)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for j in range(nblocks):
            block_acc = np.zeros(acc.shape, np.float32)
            for i in range(k):
                block_acc = block_acc + va[..., j, i] * vb[..., j, i]
            e = a.scales[..., j].astype(np.int64) + b.scales[..., j].astype(np.int64) - 254
            scale = np.ldexp(1.0, e).astype(np.float32)  # one RNE rounding of an exact power of two
            nan = (a.scales[..., j] == E8M0_NAN) | (b.scales[..., j] == E8M0_NAN)
            block_acc = np.where(nan, np.float32(np.nan), block_acc * scale)
            acc = acc + block_acc
    return acc


# ---- NVFP4 --------------------------------------------------------------------------------


@dataclass
class NVFP4Array:
    s_enc: np.float32
    s_dec: np.float32
    scales: np.ndarray  # UE4M3 codes (uint8), one per 16 elements
    codes: np.ndarray  # E2M1 codes (uint8)
    policy: NVFP4Policy


_FLT_MAX = np.float32(np.finfo(np.float32).max)


def nvfp4_quantize(x, policy: NVFP4Policy = NVFP4Policy(), *, random_bits=None, rng=None) -> NVFP4Array:
    """NVFP4 quantization with the fp32 op order of formats.md §5.2 (per-tensor amax over ``x``)."""
    xb = _blocks(x, policy.block_size)
    if not np.isfinite(xb).all():
        raise ValueError("NVFP4 quantization of NaN/Inf is not defined here")
    with np.errstate(over="ignore", divide="ignore"):
        amax_t = np.float32(np.abs(xb).max(initial=0))
        if amax_t == 0:
            s_enc = np.float32(1)
        else:
            s_enc = np.minimum(np.float32(2688) / amax_t, _FLT_MAX)
            if s_enc == 0:
                s_enc = np.float32(1)
        s_dec = np.float32(1) / s_enc
        amax_b = np.abs(xb).max(axis=-1)
        if policy.order is NVFP4Order.TE:
            t = amax_b * (s_enc * (np.float32(1) / np.float32(6)))
        else:
            t = (amax_b / np.float32(6)) * s_enc
        t = np.minimum(t, _FLT_MAX)
        scales = quantize(t, "ue4m3", Env(Rounding(Mode.RNE), overflow=Overflow.SATFINITE))
        sbv = value_table(G.UE4M3, np.float32)[scales]
        denom = sbv * s_dec
        enc = np.minimum(np.float32(1) / denom, _FLT_MAX)  # 1/0 = inf -> FLT_MAX
        scaled = xb * enc[..., None]
    env = Env(policy.element_rounding, overflow=Overflow.SATFINITE)
    if random_bits is not None:
        random_bits = np.asarray(random_bits).reshape(scaled.shape)
    codes = quantize(scaled, "e2m1fn", env, random_bits=random_bits, rng=rng)
    return NVFP4Array(np.float32(s_enc), np.float32(s_dec), scales, codes.reshape(np.shape(x)), policy)


def nvfp4_dequantize(q: NVFP4Array) -> np.ndarray:
    k = q.policy.block_size
    qv = value_table(G.E2M1, np.float32)[q.codes.astype(np.intp)].reshape(q.scales.shape + (k,))
    sb = value_table(G.UE4M3, np.float32)[q.scales.astype(np.intp)]
    return ((qv * sb[..., None]) * q.s_dec).reshape(q.codes.shape)


def nvfp4_dot_exact(a: NVFP4Array, b: NVFP4Array, out: Format | str = "f32", env: Env = Env()) -> np.ndarray:
    """S_dec^a S_dec^b Σ_b s_b^a s_b^b Σ_k q^a q^b over the last axis: exact, one rounding per row.

    E2M1 values are integers times 2^-1 and UE4M3 values integers times 2^-9, so every block term is
    an exact integer times 2^-20 (|term| < 2^48: int64); rows are summed in int64 while that cannot
    overflow (else Python ints) and rounded once by the golden kernel with the two fp32 tensor scales.
    """
    from ..formats import get_format
    from ..golden.convert import from_value

    out = get_format(out)
    k = a.policy.block_size
    if b.policy.block_size != k or a.codes.shape != b.codes.shape:
        raise ValueError("NVFP4 dot needs operands of the same shape and block size")
    e2m1_x2 = np.array([int(2 * G.E2M1.value(c)) for c in range(16)], dtype=np.int64)
    ue4m3_x512 = np.array([int(G.UE4M3.value(c) * 512) if c < 0x7F else 0 for c in range(128)], dtype=np.int64)
    shape = a.scales.shape
    qa = e2m1_x2[a.codes.astype(np.intp)].reshape(shape + (k,))
    qb = e2m1_x2[b.codes.astype(np.intp)].reshape(shape + (k,))
    inner = (qa * qb).sum(axis=-1)  # |inner| <= 144 k
    nan_rows = ((a.scales >= 0x7F) | (b.scales >= 0x7F)).reshape(-1, shape[-1]).any(axis=-1)
    terms = inner * ue4m3_x512[np.minimum(a.scales, 0x7F).astype(np.intp)]
    terms = terms * ue4m3_x512[np.minimum(b.scales, 0x7F).astype(np.intp)]
    terms = terms.reshape(-1, shape[-1])
    bound = 144 * k * 229376 * 229376 * shape[-1]
    rows = terms.sum(axis=-1) if bound < 2**63 else terms.astype(object).sum(axis=-1)
    scale = Fraction(float(a.s_dec)) * Fraction(float(b.s_dec)) / (1 << 20)
    res = np.empty(rows.shape[0], dtype=np.uint64)
    for r, total in enumerate(rows.tolist()):
        value = float("nan") if nan_rows[r] else Fraction(int(total)) * scale
        res[r] = from_value(value, out, env).code
    return res.reshape(shape[:-1])


# HiFloat4 blocks live next door (one module per block family); re-exported here
from .hifloat4 import HiF4Array, hif4_dequantize, hif4_dot_exact, hif4_quantize  # noqa: E402

__all__ = ["HiF4Array", "hif4_quantize", "hif4_dequantize", "hif4_dot_exact", "MXArray", "mx_quantize", "mx_dequantize", "mx_dot_exact", "mx_dot_tosa", "mx_scale_exponents",
           "NVFP4Array", "nvfp4_quantize", "nvfp4_dequantize", "nvfp4_dot_exact", "MXPolicy", "NVFP4Policy", "ScaleRule"]
