"""add sub mul div sqrt fma through float64 arithmetic rounded to odd, then rounded once.

For deterministic modes on signed formats with subnormals and precision <= 24
(bf16, f16, tf32, f32, FP8/FP6/FP4, P3109 signed, user formats) whose values lie within
[2^-150, 2^150]. Per element:

1. decode codes to float64 (value table for <= 16-bit formats, bit shift for f32/tf32 layouts);
2. ``exact``: ``v`` = the float64 result (numpy, RNE) and ``res`` = the exact sign of
   ``y - v`` (y the exact result): add/sub/fma by TwoSum (Knuth; products of two <= 24-bit
   significands are exact), div by the remainder ``a - q*b`` (Veltkamp split of q, Sterbenz),
   sqrt by an integer square root of a 50-52-bit integer radicand held exactly in float64
   (``v`` then has 26 significant bits, ``res`` > 0 when the root is inexact);
   (``f32_eft``: add/sub/mul, and div/fma of small-range formats, form the float32 round to odd
   with the same error-free transformations in float32 directly, skipping float64);
3. round once into the target:
   * precision <= 22, finite range inside float32's, smallest quantum >= 2^-147: round to odd
     at float32 (24 bits) from ``(v, res)``, then f16/bf16 RNE: the library cast; tf32: bit
     rounding; others (and f16/bf16 in the other modes): the fast float32 quantizer
     (`convert.quantize`, chunked bit rounding for f16/bf16);
   * IEEE binary32 (overflow to Inf): round to odd at 53 bits, the float32 cast (RNE), and a
     one-code correction per mode from the exact side of ``y`` and the tie test.
   RNE skips step 2's residual where a double-rounding theorem covers it: binary32 add/sub/mul/
   div/sqrt are numpy's own IEEE float32 operations; for precision <= 11 the float32 operation
   then the RNE cast (Figueroa 1995, Roux 2014: 24 >= 2p + 2), restricted to where the float32
   intermediate is normal for every value that can matter (`docs/fast.md`).

Flags (`apply_with_flags`): the quantizer's flags of the float32 round to odd plus the operation's
invalid / divide-by-zero, exact for targets other than binary32 whose range ends below 2^127
(`flags_exact`); dispatched where the quantizer's flags come from its table (<= 8-bit targets:
`kernels.lut_exact`), elsewhere (f16) the int64 datapath is as fast.

`applies` says where this path is used; everything else (stochastic modes, other formats, f32's
other overflow policies, bf16/tf32/f32 flags) stays on the int64 datapath (`fast.arith`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..formats import FloatFormat, Format, Overflow, Specials
from ..rounding import Env, Mode
from . import kernels
from .convert import quantize, value_table
from .specials import code_dtype, nan_result

MAX_PRECISION = 24  # operands and results: products exact in 53 bits, sqrt radicand < 2^52
RO24_MAX_PRECISION = 22  # float32 round-to-odd intermediate needs p + 2 <= 24
_RANGE = 150  # operand magnitudes within [2^-150, 2^150]: every float64 intermediate stays normal
_SPLIT = 134217729.0  # 2^27 + 1 (Veltkamp)
CHUNK = 1 << 16


def _is_binary32(fmt: FloatFormat) -> bool:
    return (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials, fmt.signed) == (8, 23, 127, Specials.IEEE, True)


def _f32_layout(fmt: FloatFormat) -> bool:
    """Codes are the top bits of a binary32 pattern (f32, tf32)."""
    return (fmt.exp_bits, fmt.bias, fmt.specials, fmt.signed) == (8, 127, Specials.IEEE, True) and fmt.man_bits <= 23


def _in_range(fmt: FloatFormat) -> bool:
    return fmt.emin - fmt.man_bits >= -_RANGE and fmt.max_value < 2 ** _RANGE


@lru_cache(maxsize=4096)  # pure function of hashable formats/env: per-call checks are Python-costly
def _f32_values(fmt: FloatFormat) -> bool:
    """Every value of ``fmt`` is a float32 value (precision <= 24 assumed)."""
    return fmt.max_value < 2 ** 128 and fmt.emin - fmt.man_bits >= -149


@lru_cache(maxsize=4096)  # pure function of hashable formats/env: per-call checks are Python-costly
def _ro24_target(out: FloatFormat) -> bool:
    return (out.precision <= RO24_MAX_PRECISION and out.max_value < 2 ** 128
            and out.emin - out.man_bits >= -147)


@lru_cache(maxsize=4096)  # pure function of hashable formats/env: per-call checks are Python-costly
def applies(op: str, fmt: Format, env: Env, out: Format | None = None, with_flags: bool = False) -> bool:
    """Whether `apply` covers ``op`` on ``fmt`` operands rounded into ``out`` under ``env``."""
    out = fmt if out is None else out
    if env.rounding.mode.stochastic or op not in ("add", "sub", "mul", "div", "sqrt", "fma"):
        return False
    for f in (fmt, out):
        if not (isinstance(f, FloatFormat) and f.signed and f.subnormals and f.precision <= MAX_PRECISION
                and _in_range(f)):
            return False
    if fmt.width > 16 and not _f32_layout(fmt):
        return False
    if _is_binary32(out):
        return not with_flags and env.overflow_for(out) is Overflow.IEEE
    if with_flags:  # exact (`flags_exact`) and faster than the int64 datapath: the quantizer's table
        return flags_exact(out) and kernels.lut_exact(out, env.rounding, True)
    return _ro24_target(out)


@lru_cache(maxsize=4096)
def flags_exact(out: FloatFormat) -> bool:
    """Whether `apply_with_flags` gives golden's flags for results in ``out``: the float32 round to
    odd clamps values beyond float32's range to +-max, which decides the overflow flag like the
    exact value only when the target's range ends well below (f16, FP8; not bf16, tf32, f32)."""
    return not _is_binary32(out) and _ro24_target(out) and out.max_value < 2 ** 127


# ---- decode ---------------------------------------------------------------------------------


def _checked(codes, fmt: FloatFormat) -> np.ndarray:
    c = np.asarray(codes)
    if c.dtype.kind not in "iu":
        raise TypeError(f"{fmt.name} codes must be an integer array, got {c.dtype}")
    if (c.dtype.kind == "i" or c.dtype.itemsize * 8 > fmt.bits) and c.size and (
            int(c.min()) < 0 or int(c.max()) >> fmt.bits):
        raise ValueError(f"codes out of range for {fmt.name} ({fmt.bits} bits)")
    return c


def _is_binary16(fmt: FloatFormat) -> bool:
    return (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials, fmt.signed) == (5, 10, 15, Specials.IEEE, True)


def decode_f32(codes: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """float32 values of codes of a format whose values are all float32 values (exact)."""
    c = _checked(codes, fmt)
    if _f32_layout(fmt):  # f32, tf32, bf16: the code is the top of the binary32 pattern
        u = c if c.dtype == np.uint32 else c.astype(np.uint32)
        return (u << np.uint32(23 - fmt.man_bits) if fmt.man_bits < 23 else u).view(np.float32)
    return value_table(fmt, np.float32).take(c.astype(np.intp, copy=False))


def decode(codes: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """float64 values of codes (exact; NaN codes -> NaN)."""
    if fmt.width <= 16 and not _f32_layout(fmt):
        c = _checked(codes, fmt)
        return value_table(fmt, np.float64).take(c.astype(np.intp, copy=False))
    with np.errstate(invalid="ignore"):  # signalling NaNs
        return decode_f32(codes, fmt).astype(np.float64)


# ---- exact results: (v, res) with v = float64 result, res = sign(y - v) exactly ---------------


def _two_sum_err(a, b, s):
    """Knuth's TwoSum: a + b - s exactly (s = fl(a + b); exact without overflow)."""
    bb = s - a
    return (a - (s - bb)) + (b - bb)


def _cancel_zero_rdn(v, a, b, rdn: bool):
    """Exact zero sums are +0 in numpy; golden gives -0 under RDN unless both addends are +0."""
    if not rdn:
        return v
    zero = v == 0
    both_pos_zero = (a == 0) & (b == 0) & ~np.signbit(a) & ~np.signbit(b)
    return np.where(zero & ~both_pos_zero, -0.0, v)


def exact(op: str, vals: list[np.ndarray], rdn: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """(v, res): ``v`` the float64 result of ``op``; ``res`` None where v is exact, else a float64
    array with the exact sign (-, 0, +) of (exact result - v) and |res| <= ulp(v)/2 (`ro24` adds
    it to differences that are multiples of ulp(v))."""
    with np.errstate(all="ignore"):
        if op in ("add", "sub", "fma"):
            if op == "fma":
                a = vals[0] * vals[1]  # exact: <= 48-bit significand, no underflow in range
                b = vals[2]
            else:
                a, b = vals[0], (-vals[1] if op == "sub" else vals[1])
            s = a + b
            return _cancel_zero_rdn(s, a, b, rdn), _two_sum_err(a, b, s)
        if op == "mul":
            return vals[0] * vals[1], None  # exact
        if op == "div":
            a, b = vals
            q = a / b
            t = q * _SPLIT
            qh = t - (t - q)  # <= 26 significant bits
            ql = q - qh  # <= 26 significant bits: qh*b and ql*b are exact
            r1 = a - qh * b  # exact (Sterbenz: qh*b within a factor 2 of a)
            # remainder a - q*b = r1 - ql*b; exact - q = remainder / b. Both roundings keep the sign
            # (no underflow to 0 in range) and |fl(fl(r)/b)| <= ulp(q)/2 (|exact - q| < ulp(q)/2)
            return q, (r1 - ql * b) / b
        if op == "sqrt":
            return _sqrt(vals[0])
    raise ValueError(f"unknown operation {op!r}")


def _sqrt(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sqrt: a 26-bit floor root R of an integer radicand M in [2^50, 2^52) (exact in float64)."""
    live = (x > 0) & np.isfinite(x)
    xs = np.where(live, x, 1.0)
    bits = xs.view(np.int64)
    e = (bits >> 52) - 1023
    odd = e & 1
    m = ((bits & ((1 << 52) - 1)) | ((1023 + 50 + odd) << 52)).view(np.float64)  # x * 2^-k, k = e - 50 - odd
    r = np.floor(np.sqrt(m))
    r -= r * r > m  # sqrt(m) rounded up to an integer: one down (r*r < 2^52 is exact)
    inexact = (r * r != m) & live
    half_k = (e - 50 - odd) >> 1
    v = r * ((half_k + 1023) << 52).view(np.float64)
    v = np.where(live, v, np.sqrt(x))  # 0, -0, Inf, NaN and negatives: IEEE = golden
    return v, inexact * (v * 2.0 ** -60)  # the exact root lies above v, by more than this


# ---- rounding to odd ------------------------------------------------------------------------


def _odd_step(bits: np.ndarray, g: np.ndarray) -> np.ndarray:
    """+1 / -1 / 0 on even ``bits`` where ``g`` > 0 / < 0 / else (NaN: 0): one code away from /
    toward zero (sign-magnitude patterns viewed as signed integers)."""
    even = (bits & 1) == 0
    return ((g > 0) & even).view(np.int8) - ((g < 0) & even).view(np.int8)


def ro53(v: np.ndarray, res: np.ndarray | None) -> np.ndarray:
    """v rounded to odd at 53 bits toward the exact value (v even and res != 0: one ulp step)."""
    if res is None:
        return v
    bits = v.view(np.int64)
    with np.errstate(all="ignore"):
        g = np.where(np.isfinite(v), res * v, 0.0)  # > 0: the exact value lies farther from zero
    return (bits + _odd_step(bits, g)).view(np.float64)


def ro24(v: np.ndarray, res: np.ndarray | None) -> np.ndarray:
    """float32 rounding to odd of the exact value, from its float64 result and residual sign."""
    with np.errstate(all="ignore"):
        f = v.astype(np.float32)  # RNE; beyond float32's range: +-Inf
        d = v - f.astype(np.float64)  # exact (Sterbenz), -+Inf for an overflowed cast, NaN for Inf/NaN v
        if res is not None:
            d += res  # |res| <= ulp53(v)/2 < |d| where d != 0: the sign of exact - f
        g = d * v  # > 0: the exact value lies farther from zero than f; NaN: no step
    bits = f.view(np.int32)
    return (bits + _odd_step(bits, g)).view(np.float32)


def _f32_correct(vro: np.ndarray, mode: Mode) -> np.ndarray:
    """binary32 codes of the exact value in ``mode`` from its 53-bit round-to-odd ``vro``."""
    with np.errstate(all="ignore"):
        f = vro.astype(np.float32)  # = RNE of the exact value (round to odd, 53 >= 24 + 2)
        bits = f.view(np.int32)
        if mode is Mode.RNE:
            return bits.view(np.uint32)
        back = f.astype(np.float64)
        d = vro - back  # sign(exact - f): vro and the exact value lie on the same side of f
        d[~np.isfinite(vro)] = 0.0
        neg = np.signbit(vro)
        toward_zero = (d != 0) & ((d > 0) == neg)  # f lies farther from zero than the exact value
        if mode is Mode.RNA:
            away = (bits + 1).view(np.float32).astype(np.float64)
            tie = (d != 0) & ~toward_zero & (vro + vro == back + away)
            return (bits + tie.view(np.int8)).view(np.uint32)
        if mode in (Mode.RTZ, Mode.RTO):
            out = bits - toward_zero.view(np.int8)
            if mode is Mode.RTO:
                out |= (d != 0).view(np.int8)
            return out.view(np.uint32)
        if mode in (Mode.RUP, Mode.RDN):
            want = d > 0 if mode is Mode.RUP else d < 0  # move toward the exact value by one code
            grow = (d > 0) ^ neg
            return (bits + (want & grow).view(np.int8) - (want & ~grow).view(np.int8)).view(np.uint32)
    raise ValueError(f"mode {mode} is not deterministic")


def _cut_f32(f: np.ndarray, out: FloatFormat, mode: Mode) -> np.ndarray:
    """Codes of a binary32-layout ``out`` with fewer trailing bits (tf32), IEEE overflow: the
    float32 bit pattern rounded at bit ``23 - m`` (magnitude order = pattern order, Inf = the
    largest finite + 1; NaNs are rewritten by the caller)."""
    k = 23 - out.man_bits
    u = f.view(np.uint32)
    mag = u & np.uint32(0x7FFFFFFF)
    code = mag >> np.uint32(k)
    rem = mag & np.uint32((1 << k) - 1)
    half = np.uint32(1 << (k - 1))
    neg = u >> np.uint32(31)
    if mode is Mode.RNE:
        up = (rem > half) | ((rem == half) & ((code & np.uint32(1)) == 1))
    elif mode is Mode.RNA:
        up = rem >= half
    elif mode is Mode.RTZ:
        up = None
    elif mode is Mode.RTO:
        code |= (rem != 0).view(np.uint8)
        up = None
    elif mode is Mode.RUP:
        up = (rem != 0) & (neg == 0)
    else:  # RDN
        up = (rem != 0) & (neg == 1)
    if up is not None:
        code += up.view(np.uint8)
    return code | (neg << np.uint32(out.bits - 1))


def _dtype16(out: FloatFormat):
    """numpy dtype whose float32 cast is IEEE RNE into ``out`` (f16: numpy; bf16: ml_dtypes)."""
    if _is_binary16(out):
        return np.dtype(np.float16)
    if out.width == 16 and _f32_layout(out):
        try:
            import ml_dtypes
        except ImportError:
            return None
        return np.dtype(ml_dtypes.bfloat16)
    return None


def _rne16(f: np.ndarray, out: FloatFormat) -> np.ndarray:
    """uint16 codes of the float32 round-to-odd ``f`` in f16/bf16 (IEEE overflow), RNE: the
    library's RNE cast (exact from float32; round to odd on a grid 4x finer than every midpoint
    makes the one rounding correct). Other modes go through `convert.quantize`'s f16/bf16 path."""
    with np.errstate(all="ignore"):
        return f.astype(_dtype16(out)).view(np.uint16)


# ---- RNE through float32 operations (double rounding innocuous) -------------------------------

_F32_OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}


@lru_cache(maxsize=4096)  # pure function of hashable formats/env: per-call checks are Python-costly
def f32_rne_direct(op: str, fmt: FloatFormat, out: FloatFormat, env: Env) -> bool:
    """Whether RNE may run as one float32 operation then (unless binary32) the RNE cast: where a
    double-rounding theorem covers it (see `docs/fast.md`, "The float64 path")."""
    if env.rounding.mode is not Mode.RNE or op == "fma":
        return False
    if not (fmt.max_value < 2 ** 128 and fmt.emin - fmt.man_bits >= -149):
        return False  # operand values must be float32 values
    if _is_binary32(out):
        return True  # IEEE float32 arithmetic is itself correctly rounded (no double rounding)
    if fmt != out or fmt.precision > 11:  # Figueroa: 24 >= 2p + 2
        return False
    if env.overflow_for(out) is not Overflow.IEEE and \
            fmt.max_value * max(fmt.max_value, 2, 2 ** (fmt.man_bits - fmt.emin)) >= 2 ** 127:
        return False  # a float32 overflow would look like an Inf operand to the policy
    if op in ("add", "sub"):
        return True  # sums below 2^emin are exact in the format, hence in float32
    if op == "sqrt":
        return fmt.emin <= -fmt.man_bits  # every root is normal in the format
    qmin, p = fmt.emin - fmt.man_bits, fmt.precision
    if qmin >= -124:  # results below float32's normal range lie below half the smallest quantum
        return True
    if op == "mul":  # products below 2^-126 not exact in float32 lie below 2^(2p - 150)
        return 2 * p - 150 <= qmin - 1
    return qmin >= p - 147  # quotients stay > 2^-150 away from every midpoint they are not on


def _f32_direct(op: str, vals32: list[np.ndarray]) -> np.ndarray:
    with np.errstate(all="ignore"):
        if op == "sqrt":
            return np.sqrt(vals32[0])
        return _F32_OPS[op](vals32[0], vals32[1])


# ---- public ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # pure function of hashable formats/env: per-call checks are Python-costly
def _small_range(fmt: FloatFormat) -> bool:
    """No float32 intermediate of the error-free transformations leaves the normal range."""
    lo = fmt.man_bits - fmt.emin  # smallest magnitude 2^-lo
    hi = int(np.ceil(np.log2(float(fmt.max_value)))) + 1
    return 2 * lo + hi + 26 < 126 and lo + hi + 14 < 127


@lru_cache(maxsize=4096)  # pure function of hashable formats/env: per-call checks are Python-costly
def f32_eft(op: str, fmt: FloatFormat, out: FloatFormat) -> bool:
    """Whether ``op`` forms the float32 round-to-odd value with error-free transformations in
    float32 itself: add/sub (TwoSum) for any operands that are float32 values; mul for precision
    <= 12 (the product is exact when float32-normal); div/fma for precision <= 11 and a small range
    (`_small_range`). Elements that leave float32's normal range are redone in float64."""
    if op == "sqrt" or _is_binary32(out) or not _ro24_target(out):
        return False
    if not (fmt.max_value < 2 ** 128 and fmt.emin - fmt.man_bits >= -149):
        return False
    if op in ("add", "sub"):
        return True
    if op == "mul":
        return fmt.precision <= 12
    return fmt.precision <= 11 and _small_range(fmt)


def _ro24_f32(op: str, x: list[np.ndarray], fmt: FloatFormat, rdn: bool) -> np.ndarray:
    """float32 round to odd of the exact result from float32 operands (`f32_eft` must hold)."""
    with np.errstate(all="ignore"):
        if op == "div":
            a, b = x
            q = a / b
            t = q * np.float32(4097.0)  # Veltkamp 2^12 + 1: halves of <= 12 bits
            qh = t - (t - q)
            ql = q - qh
            r1 = a - qh * b  # exact (Sterbenz); qh*b, ql*b exact (<= 23 bits)
            rem = r1 - ql * b  # the sign of a - q*b (all normal: no underflow to 0)
            # exact - q has the sign of rem/b; the exact value lies farther from zero iff that
            # sign equals q's
            g = ((rem > 0) ^ (b < 0) ^ (q < 0)).view(np.int8) * 2 - 1
            g = g * ((rem > 0) | (rem < 0)).view(np.int8)  # 0 for exact and for NaN (specials)
            bits = q.view(np.int32)
            return (bits + _odd_step(bits, g)).view(np.float32)
        if op == "mul":
            f = x[0] * x[1]  # exact while float32-normal (<= 24-bit product)
            if not _small_range(fmt):
                mag = np.abs(f)
                bad = ((mag < np.float32(2.0 ** -126)) & (x[0] != 0) & (x[1] != 0)) | (
                    np.isinf(mag) & np.isfinite(x[0]) & np.isfinite(x[1]))
                f = _redo_in_float64(op, x, f, bad, rdn)
            return f
        if op == "fma":
            a, b = x[0] * x[1], x[2]  # exact: <= 22-bit product, normal (small range)
        else:
            a, b = x[0], (-x[1] if op == "sub" else x[1])
        s = a + b
        bb = s - a
        err = (a - (s - bb)) + (b - bb)  # TwoSum: exact unless s overflows
        if rdn:
            s = _cancel_zero_rdn(s, a, b, True)
        # g > 0: the exact value lies farther from zero. err != 0 needs |s| >= 2^-125 and
        # |err| >= 2^-149, so the scaled product is >= 2^-148 (no underflow to 0; overflow to
        # Inf keeps the sign; NaN err: no step)
        g = err * s if _small_range(fmt) else (err * np.float32(2.0 ** 126)) * s
        bits = s.view(np.int32)
        f = (bits + _odd_step(bits, g)).view(np.float32)
        if not _small_range(fmt) and not np.isfinite(s).all():
            f = _redo_in_float64(op, x, f, ~np.isfinite(s), rdn)  # overflow (and Inf/NaN operands)
    return f


def _redo_in_float64(op: str, x: list[np.ndarray], f: np.ndarray, bad: np.ndarray, rdn: bool) -> np.ndarray:
    """``f`` with the elements under ``bad`` recomputed through `exact` and `ro24`."""
    if not bad.any():
        return f
    idx = np.flatnonzero(bad)
    if idx.size:
        v, res = exact(op, [c[idx].astype(np.float64) for c in x], rdn)
        f = f.copy() if not f.flags.writeable else f
        f[idx] = ro24(v, res)
    return f


def _f32_sum_codes(op: str, x: list[np.ndarray], mode: Mode) -> np.ndarray:
    """binary32 codes of a +- b (float32 operands) in ``mode``: the float32 sum is the RNE result
    and its TwoSum error (exact; beyond float32's range set to -s: the exact value lies closer
    to zero) says on which side the exact value lies and whether it is a tie."""
    with np.errstate(all="ignore"):
        a, b = x[0], (-x[1] if op == "sub" else x[1])
        s = a + b
        bb = s - a
        err = (a - (s - bb)) + (b - bb)
        if not np.isfinite(s).all():
            over = np.isinf(s) & np.isfinite(a) & np.isfinite(b)
            err = np.where(over, -s, err)
        if mode is Mode.RDN:
            s = _cancel_zero_rdn(s, a, b, True)
        bits = s.view(np.int32)
        up, down = err > 0, err < 0
        sneg = np.signbit(s)
        grow = (up & ~sneg) | (down & sneg)  # the exact value lies farther from zero than s
        shrink = (down & ~sneg) | (up & sneg)
        if mode is Mode.RNA:
            away = (bits + 1).view(np.float32)
            tie = grow & (err + err == away - s)  # exact: Sterbenz, and 2*err cannot overflow
            step = tie.view(np.int8)
        elif mode in (Mode.RTZ, Mode.RTO):
            step = -shrink.view(np.int8)
        elif mode is Mode.RUP:
            step = (up & ~sneg).view(np.int8) - (up & sneg).view(np.int8)
        else:  # RDN
            step = (down & sneg).view(np.int8) - (down & ~sneg).view(np.int8)
        out = bits + step
        if mode is Mode.RTO:
            out |= (up | down).view(np.int8)
    return out.view(np.uint32)


def _sqrt_f32(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, side) for float32 operands: s = the float32 root (IEEE RNE), side = +1 / -1 / 0 where
    the exact root lies above / below / on s: the sign of x - s*s, exact in float64 (s*s has
    <= 48 bits). A root is never a float32 midpoint (its square would need > 24 bits)."""
    with np.errstate(all="ignore"):
        s = np.sqrt(x)
        s64 = s.astype(np.float64)
        r = x.astype(np.float64) - s64 * s64  # NaN for NaN/negative operands, Inf - Inf: NaN
    side = (r > 0).view(np.int8) - (r < 0).view(np.int8)
    return s, side


def _sqrt_codes(s: np.ndarray, side: np.ndarray, mode: Mode) -> np.ndarray:
    """binary32 codes of sqrt in ``mode`` from `_sqrt_f32` (roots are >= 0 or -0/NaN: steps on
    positive patterns; RNA = RNE, no ties)."""
    bits = s.view(np.int32)
    if mode in (Mode.RTZ, Mode.RDN, Mode.RTO):
        out = bits - (side < 0).view(np.int8)
        if mode is Mode.RTO:
            out |= (side != 0).view(np.int8)
    elif mode is Mode.RUP:
        out = bits + (side > 0).view(np.int8)
    else:
        out = bits
    return out.view(np.uint32)


def _div_f32(x: list[np.ndarray]):
    """(q, side, r, b) for float32 operands: q = the float32 quotient (IEEE RNE), side = +1 / -1 /
    0 where the exact quotient lies farther from / closer to zero than q / on it, and the float64
    remainder r = a - q*b and divisor b for the tie test (`_div_codes`). r is exact: q*b has <= 48
    bits and lies within a factor 2 of a, or q is subnormal and a - q*b still spans < 53 bits."""
    a, b = x
    with np.errstate(all="ignore"):
        q = a / b
        a64, b64, q64 = a.astype(np.float64), b.astype(np.float64), q.astype(np.float64)
        r = a64 - q64 * b64  # NaN for Inf/Inf, 0/0, x/0, x/Inf, Inf/x: exact results, no step
        g = r * b64 * q64  # same sign as (exact - q) * q; f64 range: no underflow to 0
        g = np.where(q64 == 0, np.abs(r), g)  # q = +-0: farther from zero iff r != 0
        side = (g > 0).view(np.int8) - (g < 0).view(np.int8)
    return q, side, r, b64


def _div_codes(q, side, r, b64, mode: Mode) -> np.ndarray:
    """binary32 codes of a/b in ``mode`` from `_div_f32`."""
    bits = q.view(np.int32)
    grow, shrink = side > 0, side < 0
    if mode is Mode.RNA:
        with np.errstate(all="ignore"):
            gap = np.abs((bits + 1).view(np.float32).astype(np.float64)) - np.abs(q.astype(np.float64))
            tie = grow & (np.abs(r + r) == np.abs(gap * b64))
        out = bits + tie.view(np.int8)
    elif mode in (Mode.RTZ, Mode.RTO):
        out = bits - shrink.view(np.int8)
        if mode is Mode.RTO:
            out |= (side != 0).view(np.int8)
    else:
        neg = np.signbit(q)  # an underflowed 0 keeps the quotient's sign
        toward = grow != neg if mode is Mode.RUP else grow == neg  # step in the mode's direction
        want = (side != 0) & toward
        out = bits + (want & grow).view(np.int8) - (want & shrink).view(np.int8)
    return out.view(np.uint32)


def _fix_nans(code: np.ndarray, f: np.ndarray, out: FloatFormat, env: Env) -> np.ndarray:
    """Golden's NaN code where the float result ``f`` is NaN (numpy keeps payloads and signs)."""
    if f.size and np.isnan(f.max()):  # max propagates NaN: one fast reduction in the common case
        code[np.isnan(f)] = nan_result(out, env)[0]
    return code


def _compute(op: str, cols: list[np.ndarray], fmt: FloatFormat, out: FloatFormat, env: Env) -> np.ndarray:
    mode = env.rounding.mode
    b32 = _is_binary32(out)
    if f32_rne_direct(op, fmt, out, env):
        f = _f32_direct(op, [decode_f32(c, fmt) for c in cols])
    elif op == "sqrt" and (b32 or _ro24_target(out)) and _f32_values(fmt):
        s, side = _sqrt_f32(decode_f32(cols[0], fmt))
        if b32:
            code = _sqrt_codes(s, side, mode)
            return _fix_nans(code, s, out, env)
        bits = s.view(np.int32)
        f = (bits + _odd_step(bits, side)).view(np.float32)  # round to odd (roots are >= 0)
    elif op == "div" and (b32 or not f32_eft(op, fmt, out)) and (b32 or _ro24_target(out)) and _f32_values(fmt):
        q, side, r, b64 = _div_f32([decode_f32(c, fmt) for c in cols])
        if b32:
            code = _div_codes(q, side, r, b64, mode)
            return _fix_nans(code, q, out, env)
        bits = q.view(np.int32)
        f = (bits + _odd_step(bits, side)).view(np.float32)  # round to odd (side: away from zero)
    elif b32 and op in ("add", "sub") and _f32_values(fmt):
        x = [decode_f32(c, fmt) for c in cols]
        code = _f32_sum_codes(op, x, mode)
        return _fix_nans(code, code.view(np.float32), out, env)  # NaN sums are never stepped
    elif f32_eft(op, fmt, out):
        f = _ro24_f32(op, [decode_f32(c, fmt) for c in cols], fmt, mode is Mode.RDN)
    else:
        v, res = exact(op, [decode(c, fmt) for c in cols], rdn=mode is Mode.RDN)
        if b32:
            code = _f32_correct(ro53(v, res), mode)
            return _fix_nans(code, v, out, env)
        f = ro24(v, res)
    ieee = env.overflow_for(out) is Overflow.IEEE
    if b32:
        code = f.view(np.uint32)
    elif out.width > 16 and _f32_layout(out) and ieee:  # tf32
        code = _cut_f32(f, out, mode)
    elif ieee and mode is Mode.RNE and _dtype16(out) is not None and not _is_binary16(out):
        code = _rne16(f, out)
    else:
        return quantize(f, out, env)
    return _fix_nans(code, f, out, env)


_INEXACT, _INFINITE, _INVALID = 1, 8, 16  # `Flags` bits


def _snan_table(fmt: FloatFormat) -> np.ndarray:
    t = _SNAN.get(fmt)
    if t is None:
        from .operands import unpack

        t = _SNAN[fmt] = unpack(np.arange(1 << fmt.bits, dtype=np.int64), fmt).snan
    return t


_SNAN: dict = {}


def _signalling(c: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    if fmt.bits <= 16:
        return _snan_table(fmt).take(c.astype(np.intp, copy=False))
    from .operands import unpack

    return unpack(c, fmt).snan


def _compute_with_flags(op: str, cols: list[np.ndarray], fmt: FloatFormat, out: FloatFormat, env: Env):
    """(codes, flags) through the round-to-odd routes only (the RNE float32 shortcut rounds twice,
    which is innocuous for the result but not for the inexact flag): the quantizer's flags of the
    float32 round to odd (inexact, underflow under either tininess rule, overflow, saturated:
    the round to odd lies on the same side of every threshold as the exact value), plus the
    operation's own: invalid (a signalling NaN operand, or a NaN result from non-NaN operands)
    and divide-by-zero (INFINITE)."""
    mode = env.rounding.mode
    x32 = [decode_f32(c, fmt) for c in cols] if _f32_values(fmt) else None
    if op == "sqrt" and x32 is not None:
        s, side = _sqrt_f32(x32[0])
        bits = s.view(np.int32)
        f = (bits + _odd_step(bits, side)).view(np.float32)
    elif op == "div" and x32 is not None and not f32_eft(op, fmt, out):
        q, side, _, _ = _div_f32(x32)
        bits = q.view(np.int32)
        f = (bits + _odd_step(bits, side)).view(np.float32)
    elif f32_eft(op, fmt, out):
        f = _ro24_f32(op, x32, fmt, mode is Mode.RDN)
    else:
        x32 = [decode(c, fmt) for c in cols]
        v, res = exact(op, x32, rdn=mode is Mode.RDN)
        f = ro24(v, res)
    code, flags = quantize(f, out, env, with_flags=True)
    flags = flags.astype(np.uint8, copy=False)
    operand_nan = np.isnan(x32[0])
    for xv in x32[1:]:
        operand_nan |= np.isnan(xv)
    invalid = np.isnan(f) & ~operand_nan
    if op == "fma":  # 0 * Inf is invalid even when the addend is a (quiet) NaN
        a, b = x32[0], x32[1]
        invalid |= ((a == 0) & np.isinf(b)) | (np.isinf(a) & (b == 0))
    for c in cols:
        invalid |= _signalling(c, fmt)
    if invalid.any():
        flags[invalid] |= _INVALID
    if op == "div":
        a, b = x32
        by_zero = (b == 0) & np.isfinite(a) & (a != 0)
        if by_zero.any():
            flags[by_zero] |= _INFINITE
    return code, flags


def apply_with_flags(op: str, arrays: list[np.ndarray], fmt: FloatFormat, env: Env, out: FloatFormat):
    """(codes, uint8 `Flags` bits) of ``op``; `flags_exact(out)` must hold (and `applies` for the
    other conditions)."""
    shape = arrays[0].shape
    cols = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    size = cols[0].size
    code = np.empty(size, code_dtype(out))
    flags = np.empty(size, np.uint8)
    for lo in range(0, max(size, 1), CHUNK):
        sl = slice(lo, lo + CHUNK)
        code[sl], flags[sl] = _compute_with_flags(op, [c[sl] for c in cols], fmt, out, env)
    return code.reshape(shape), flags.reshape(shape)


def apply(op: str, arrays: list[np.ndarray], fmt: FloatFormat, env: Env, out: FloatFormat) -> np.ndarray:
    """Codes of ``op`` on broadcast code arrays of ``fmt`` rounded into ``out`` (`applies` must hold)."""
    shape = arrays[0].shape
    cols = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    size = cols[0].size
    if size <= CHUNK or (f32_rne_direct(op, fmt, out, env) and (_is_binary32(out) or _dtype16(out) is not None)):
        # a few streaming passes (the float32 operation, a library cast): no blocks
        return _compute(op, cols, fmt, out, env).astype(code_dtype(out), copy=False).reshape(shape)
    code = np.empty(size, code_dtype(out))
    for lo in range(0, size, CHUNK):  # cache-sized blocks
        sl = slice(lo, lo + CHUNK)
        code[sl] = _compute(op, [c[sl] for c in cols], fmt, out, env)
    return code.reshape(shape)


__all__ = ["applies", "apply", "apply_with_flags", "flags_exact", "decode", "decode_f32", "exact", "ro53", "ro24",
           "f32_rne_direct", "f32_eft", "MAX_PRECISION", "RO24_MAX_PRECISION"]
