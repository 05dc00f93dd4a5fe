"""Vectorised, bit-exact conversions between numpy float arrays and codes of any format.

``quantize(x, fmt, env)`` rounds a float16/bfloat16/float32/float64 array into codes of a
`FloatFormat` or `IntFormat` with the same semantics as ``golden.convert(src, code, fmt, env)``
(result codes and, optionally, flags). It works on the integer bit patterns only: the source's
sign, exponent and significand are extracted, the per-element shift to the target quantum is
computed (floored at the subnormal binade, exactly like the golden kernel), and the discarded
bits decide the rounding. No floating-point arithmetic touches a value, so nothing can be rounded
twice. float16/bfloat16 inputs are first widened to float32, which is exact.

``dequantize(codes, fmt, dtype)`` decodes codes to float32/float64 (exact where representable,
otherwise one RNE rounding of the exact value).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Union

import numpy as np

from ..formats import FloatFormat, Format, FormatError, IntFormat, NanPolicy, Overflow, Specials, get_format
from ..rounding import Env, Flags, Mode, Rounding, Tininess, parse_rounding
from ..semantics import overflow as overflow_rules
from ..semantics.rounding_rules import round_away
from ..tapered import TaperedFormat
from . import ieee16, kernels
from .kernels import NUMPY_OPS
from .specials import code_dtype, inf_result, nan_result
from .tapered import quantize_tapered

ArrayLike = Union[np.ndarray, list, float]

INEXACT, UNDERFLOW, OVERFLOW = int(Flags.INEXACT), int(Flags.UNDERFLOW), int(Flags.OVERFLOW)
INVALID, SATURATED = int(Flags.INVALID), int(Flags.SATURATED)
_USE_KERNELS = True  # set False to force the general int64 path (tests compare both)
MAX_RANDOM_BITS = 62  # the int64 stochastic kernels need N <= 62


@dataclass(frozen=True)
class _Source:
    """Bit layout of a binary IEEE source dtype."""

    man: int  # trailing significand bits
    bias: int
    width: int
    uint: type

    @property
    def emax_field(self) -> int:
        return (1 << (self.width - 1 - self.man)) - 1

    @property
    def emin(self) -> int:
        return 1 - self.bias


F32 = _Source(23, 127, 32, np.uint32)
F64 = _Source(52, 1023, 64, np.uint64)


# ---- inputs ---------------------------------------------------------------------------------


_NARROW = {"float16": (10, 16), "bfloat16": (7, 16)}  # trailing bits, width


def _signaling_narrow(arr: np.ndarray) -> np.ndarray | None:
    """Signalling-NaN mask of a float16/bfloat16 array (widening to float32 quiets NaNs)."""
    man, width = _NARROW[arr.dtype.name]
    b = np.ascontiguousarray(arr).view(np.uint16).astype(np.int64)
    mag = b & 0x7FFF
    exp_all = (mag >> man) == (1 << (width - 1 - man)) - 1
    mant = mag & ((1 << man) - 1)
    return exp_all & (mant != 0) & ((mant >> (man - 1)) & 1 == 0)


def _signaling_wide(arr: np.ndarray, src: _Source) -> np.ndarray:
    """Signalling-NaN mask of a float32/float64 array (quiet bit clear, payload nonzero)."""
    u = np.ascontiguousarray(arr).view(src.uint)
    quiet = src.uint(1) << src.uint(src.man - 1)
    exp_all = src.uint(((1 << (src.width - 1 - src.man)) - 1) << src.man)
    return ((u & (exp_all | quiet)) == exp_all) & ((u & (quiet - src.uint(1))) != 0)


def _as_source(x) -> tuple[np.ndarray, _Source]:
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        return arr, F64
    if arr.dtype == np.float32:
        return arr, F32
    if arr.dtype.name in _NARROW:
        return arr.astype(np.float32), F32  # widening is exact (sNaN-ness is recovered separately)
    if arr.dtype.kind in "iub" or arr.dtype == object:
        raise TypeError(f"quantize needs a float array (float16/bfloat16/float32/float64), got {arr.dtype}")
    if arr.dtype.kind == "f":
        return arr.astype(np.float64), F64  # e.g. float8 ml_dtypes arrays: widening is exact
    raise TypeError(f"quantize needs a float array, got {arr.dtype}")


def _random_bits(rnd: Rounding, shape, env: Env, random_bits, rng) -> np.ndarray | int:
    n = rnd.nbits
    if n > MAX_RANDOM_BITS:
        raise ValueError(f"the fast engine supports stochastic rounding with N <= {MAX_RANDOM_BITS} bits")
    if random_bits is not None and rng is not None:
        raise ValueError("give random_bits= or rng=, not both")
    if rng is not None:
        if isinstance(rng, (int, np.integer)):
            rng = np.random.default_rng(int(rng))
        return rng.integers(0, 1 << n, size=shape, dtype=np.uint32 if n <= 32 else np.int64)
    if random_bits is None:
        r = env.random_bits
        if not 0 <= r < (1 << n):
            raise ValueError(f"random bits {r} do not fit in N={n}")
        return r
    r = np.asarray(random_bits)
    if r.dtype.kind not in "iu":
        raise TypeError("random_bits must be an integer array")
    if r.size and (int(r.min()) < 0 or int(r.max()) >> n):
        raise ValueError(f"random bits must lie in [0, 2^{n})")
    return np.broadcast_to(r, shape)


# ---- the rounding step ----------------------------------------------------------------------


def _shl1(k):
    """2^k for an int64 array (or int) of shift counts in [0, 63)."""
    return np.left_shift(np.int64(1), k)


def round_shifted(sig: np.ndarray, sh: np.ndarray, neg: np.ndarray, rnd: Rounding, r_bits=0,
                  even_override: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Round ``sig * 2^-sh`` to an integer under ``rnd``: returns (S, inexact).

    ``sig`` is int64 (< 2^62), ``sh`` the exact non-negative shift (int64, may exceed 63),
    ``neg`` the sign. ``even_override`` marks elements whose truncated code counts as even
    regardless of the LSB (the P = 1 rule of the kernel for formats without subnormals).
    """
    shc = np.minimum(sh, 62)
    trunc = sig >> shc
    rem = sig & (_shl1(shc) - 1)
    inexact = rem != 0
    mode = rnd.mode
    odd = (trunc & 1) == 1
    if even_override is not None:
        odd &= ~even_override
    if mode.stochastic:
        half = below = None
        stochastic = _stochastic_away(rem, sh, shc, rnd, r_bits) & inexact
    else:
        half_v = np.where(shc == 0, np.int64(1) << 62, _shl1(np.maximum(shc - 1, 0)))  # sh = 0: no half
        half = rem >= half_v
        below = inexact & (rem != half_v)
        stochastic = None
    return trunc + round_away(mode, neg, odd, half, below, stochastic, NUMPY_OPS), inexact


def _stochastic_away(rem: np.ndarray, sh: np.ndarray, shc: np.ndarray, rnd: Rounding, r_bits) -> np.ndarray:
    """floor/RNITE(nu * 2^N) + R >= 2^N from the discarded bits ``rem`` (``sh`` of them)."""
    mode = rnd.mode
    n = rnd.nbits
    r = np.asarray(r_bits, dtype=np.int64)
    if mode is Mode.SR_B:
        n, r = n + 1, 2 * r + 1
    low = sh >= n  # nu * 2^n is truncated (frac = rem >> (sh - n))
    dn = np.minimum(np.maximum(sh - n, 0), 63)
    frac = rem >> dn
    if mode is Mode.SR_C:
        # RNITE(nu * 2^N): look at the bit below and the sticky bits below that
        dn1 = np.maximum(dn - 1, 0)
        t = rem >> dn1  # floor(nu * 2^(N+1)) where sh > N
        sticky = (rem & (_shl1(np.minimum(dn1, 62)) - 1)) != 0
        has_half = low & (sh > n)
        rb = (t & 1) == 1
        frac = np.where(has_half, (t >> 1) + (rb & (sticky | ((t >> 1) & 1 == 1))), frac)
    away_low = frac + r >= (np.int64(1) << n)
    # sh < n: nu * 2^n = rem * 2^(n - sh) exactly; R + that >= 2^n  <=>  R >> (n - sh) >= 2^sh - rem
    up = np.minimum(np.maximum(n - sh, 0), 63)
    away_high = (r >> up) >= (_shl1(shc) - rem)
    return np.where(low, away_low, away_high)


# ---- float targets --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """Per-format constants of a float target."""

    m: int
    bias: int
    ebase: int  # exponent field of the lowest binade: 1 with subnormals, 0 without
    emin: int
    signed: bool
    sign_bit: int
    max_code: int
    has_zero: bool
    has_neg_zero: bool
    has_nan: bool
    has_inf: bool

    @classmethod
    def of(cls, fmt: FloatFormat) -> "_Target":
        return cls(fmt.man_bits, fmt.bias, 1 if fmt.subnormals else 0, fmt.emin, fmt.signed,
                   fmt.sign_bit, fmt.max_code, fmt.has_zero, fmt.has_neg_zero, fmt.has_nan, fmt.has_inf)


def _supported(fmt: FloatFormat, src: _Source) -> bool:
    return fmt.man_bits <= src.man and fmt.emin >= src.emin and (fmt.subnormals or fmt.man_bits == 0)


def _fields(bits: np.ndarray, src: _Source):
    """(negative, magnitude, exponent field, trailing significand, is Inf/NaN) as int64 arrays."""
    u = bits.astype(np.int64) if src.width == 32 else bits.view(np.int64)
    mag = u & ((1 << (src.width - 1)) - 1)
    expf = mag >> src.man
    return ((bits >> (src.width - 1)).astype(bool), mag, expf, mag & ((1 << src.man) - 1),
            expf == src.emax_field)


def _quantize_float(bits: np.ndarray, src: _Source, fmt: FloatFormat, env: Env, r_bits,
                    want_flags: bool):
    t = _Target.of(fmt)
    rnd = env.rounding
    policy = env.overflow_for(fmt)
    neg, mag, expf, mant, is_special = _fields(bits, src)
    is_zero = mag == 0
    # target exponent field of x (source subnormals counted in the lowest source binade)
    te = np.maximum(expf, 1) + (t.bias - src.bias)
    d = t.ebase - te  # > 0: x lies below the target's lowest binade (subnormal branch)
    sub = d > 0
    full = mant | ((expf > 0).astype(np.int64) << src.man)
    rebias = mag - (np.int64(src.bias - t.bias) << src.man)
    sig = np.where(sub, full, rebias)
    sig = np.where(is_special, 0, sig)
    sh = (src.man - t.m) + np.maximum(d, 0)
    override = sub if t.ebase == 0 else None
    s, inexact = round_shifted(sig, sh, neg, rnd, r_bits, override)
    zero_res = sub & (s == 0)
    if t.ebase == 0:
        s = s - sub  # formats without subnormals: S = 1 at the lowest quantum is code 0
    over = s > t.max_code
    code = np.minimum(s, t.max_code)
    flags = np.where(inexact, INEXACT, 0).astype(np.int64) if want_flags else None
    if want_flags:
        tiny = sub | (expf == 0)
        if env.tininess is Tininess.AFTER:
            tiny &= ~_rounds_up_to_emin(expf, mant, d, neg, src, t, rnd, r_bits, inexact)
        flags |= np.where(tiny & inexact, UNDERFLOW, 0)
    # sign, zero results (-0 only where the format has it; no zero at all: NaN)
    sign_bits = np.where(neg, t.sign_bit, 0) if t.signed else 0
    code = code | sign_bits
    if t.has_zero:
        zero_code = np.where(neg, t.sign_bit, 0) if t.has_neg_zero else 0
    else:
        zero_code = fmt.nan_code()
    code = np.where(zero_res, zero_code, code)
    pre_flags = flags.copy() if want_flags else None
    if want_flags and not t.has_zero:  # no zero to round to (E8M0): NaN, invalid
        flags = np.where(zero_res, INVALID, flags)
    # overflow: P3109 saturation, IEEE rounding directions, OCP NaN
    mode = rnd.mode
    if over.any():
        to_max = np.broadcast_to(overflow_rules.rounds_to_max(mode, policy, neg, NUMPY_OPS), code.shape)
        pos_code, pos_sat = overflow_rules.overflow_code(fmt, policy, 0, False)
        neg_code, neg_sat = overflow_rules.overflow_code(fmt, policy, 1, False) if t.signed else (pos_code, pos_sat)
        to_max = to_max | np.where(neg, neg_sat, pos_sat)  # no Inf/NaN for the policy: +-max
        ov_code = np.where(to_max, t.max_code | sign_bits, np.where(neg, neg_code, pos_code))
        code = np.where(over, ov_code, code)
        if want_flags:
            flags |= np.where(over, OVERFLOW | INEXACT, 0) | np.where(over & to_max, SATURATED, 0)
    # negative values into unsigned formats (P3109 SatNone rules 5-6)
    if not t.signed:
        negv = neg & ~is_zero & ~is_special
        if negv.any():
            keep = overflow_rules.negative_to_zero(mode, policy)
            to_zero = negv & (zero_res | keep) & t.has_zero
            to_nan = negv & ~to_zero
            code = np.where(to_zero, 0, code)
            code = np.where(to_nan, fmt.nan_code(), code)
            if want_flags:
                base = pre_flags
                flags = np.where(to_zero, base | np.where(zero_res, 0, SATURATED), flags)
                flags = np.where(to_nan, (base & ~INEXACT) | INVALID, flags)
    # exact zeros and specials of the source
    code = np.where(is_zero, _zero_input_code(neg, fmt), code)
    if want_flags:
        flags = np.where(is_zero, 0 if fmt.has_zero else INVALID, flags)
    if is_special.any():
        is_nan = is_special & (mant != 0)
        is_inf = is_special & (mant == 0)
        signaling = is_nan & ((mant >> (src.man - 1)) & 1 == 0)
        nan_code, nan_flags = nan_result(fmt, env)
        code = np.where(is_nan, nan_code, code)
        inf_code, inf_flags = inf_result(neg, fmt, env)
        code = np.where(is_inf, inf_code, code)
        if want_flags:
            flags = np.where(is_nan, nan_flags | np.where(signaling, INVALID, 0), flags)
            flags = np.where(is_inf, inf_flags, flags)
    return code, flags


def _zero_input_code(neg, fmt: FloatFormat):
    if not fmt.has_zero:
        return fmt.nan_code()
    if fmt.has_neg_zero:
        return np.where(neg, fmt.sign_bit, 0)
    return 0


def _rounds_up_to_emin(expf, mant, d, neg, src: _Source, t: _Target, rnd, r_bits, inexact):
    """Elements with floor(log2|x|) = emin - 1 whose rounding at full precision reaches 2^emin."""
    normal_cand = (d == 1) & (expf > 0)
    sub_cand = (expf == 0) & (t.emin == src.emin) & ((mant >> (src.man - 1)) & 1 == 1)
    cand = (normal_cand | sub_cand) & inexact
    out = np.zeros(expf.shape, dtype=bool)
    idx = np.nonzero(cand)
    if idx[0].size == 0:
        return out
    f = np.where(expf[idx] > 0, mant[idx] | (np.int64(1) << src.man), mant[idx] << 1)
    r = r_bits[idx] if isinstance(r_bits, np.ndarray) and r_bits.ndim else r_bits
    sh = np.full(f.shape, src.man - t.m, dtype=np.int64)
    # P = 1: the kernel's "even" is the parity of the exponent field e + bias = ebase - 1
    override = np.full(f.shape, t.ebase == 1) if t.m == 0 else None
    s, _ = round_shifted(f, sh, neg[idx], rnd, r, override)
    out[idx] = s >> (t.m + 1) != 0
    return out


# ---- integer targets ------------------------------------------------------------------------


def _quantize_int(bits: np.ndarray, src: _Source, fmt: IntFormat, env: Env, r_bits, want_flags: bool):
    policy = env.overflow_for(fmt)
    neg, mag, expf, mant, is_special = _fields(bits, src)
    full = np.where(is_special, 0, mant | ((expf > 0).astype(np.int64) << src.man))
    sh = src.man + fmt.scale_exp - np.maximum(expf, 1) + src.bias
    huge = sh < 0
    s, inexact = round_shifted(np.where(huge, 0, full), np.maximum(sh, 0), neg, env.rounding, r_bits)
    s = np.where(huge, np.int64(1) << 40, s)
    v = np.where(neg, -s, s)
    over = (v > fmt.max_int) | (v < fmt.min_int)
    if over.any() and policy not in overflow_rules.INT_CLAMPING:
        raise FormatError(f"{fmt.name}: overflow policy {policy.value} needs a NaN")
    v = np.clip(v, fmt.min_int, fmt.max_int)
    code = v & ((1 << fmt.bits) - 1)
    flags = None
    if want_flags:
        flags = np.where(inexact, INEXACT, 0).astype(np.int64)
        flags |= np.where(over, OVERFLOW | INEXACT | SATURATED, 0)
    if is_special.any():
        is_nan = is_special & (mant != 0)
        is_inf = is_special & (mant == 0)
        nan_code, nan_flags = nan_result(fmt, env)
        code = np.where(is_nan, nan_code, code)
        inf_code = np.where(neg, fmt.from_int(fmt.min_int), fmt.from_int(fmt.max_int))
        code = np.where(is_inf, inf_code, code)
        if want_flags:
            flags = np.where(is_nan, nan_flags | INVALID, flags)
            flags = np.where(is_inf, INVALID, flags)
    return code, flags


# ---- public API -----------------------------------------------------------------------------


def _env_with(env: Env, rounding, overflow, nan_policy) -> Env:
    if rounding is None and overflow is None and nan_policy is None:
        return env
    rnd = parse_rounding(rounding) if rounding is not None else env.rounding
    ov = Overflow(overflow) if isinstance(overflow, str) else overflow
    nanp = NanPolicy(nan_policy) if isinstance(nan_policy, str) else nan_policy
    return Env(rnd, ov if overflow is not None else env.overflow, env.tininess, env.random_bits,
               nanp if nan_policy is not None else env.nan_policy)


def quantize(x: ArrayLike, fmt: Format | str, env: Env = Env(), *, rounding=None, overflow=None,
             nan_policy=None, random_bits=None, rng=None, with_flags: bool = False, _kernels: bool = True):
    """Round a float array into codes of ``fmt``; bit-exact with ``golden.convert``.

    ``rounding``/``overflow``/``nan_policy`` override ``env``. Stochastic modes take per-element
    ``random_bits`` (integers in [0, 2^N)), or ``rng`` (a seeded `np.random.Generator` or a seed),
    or else the scalar ``env.random_bits``. Returns the code array (uint8/16/32/64), plus a uint8
    flag array (`Flags` bits) with ``with_flags=True``.
    """
    fmt = get_format(fmt)
    env = _env_with(env, rounding, overflow, nan_policy)
    snan = None
    if with_flags and np.asarray(x).dtype.name in _NARROW:
        snan = _signaling_narrow(np.asarray(x))
    arr, src = _as_source(x)
    shape = arr.shape
    if isinstance(fmt, TaperedFormat):
        r_bits = _random_bits(env.rounding, shape, env, random_bits, rng) if env.rounding.mode.stochastic else 0
        out = quantize_tapered(arr, fmt, env, r_bits, with_flags)
        if with_flags:
            snan = _signaling_wide(arr, src) | (False if snan is None else snan)
            out[1][...] |= np.where(snan, INVALID, 0).astype(np.uint8)
        return out
    if isinstance(fmt, FloatFormat) and not _supported(fmt, src):
        if src is F32:
            if with_flags:  # widening quiets signalling NaNs: remember them first
                u = np.ascontiguousarray(arr).view(np.uint32)
                wide_snan = ((u & np.uint32(0x7FC00000)) == np.uint32(0x7F800000)) & ((u & np.uint32(0x3FFFFF)) != 0)
                snan = wide_snan if snan is None else (snan | wide_snan)
            with np.errstate(invalid="ignore"):
                arr, src = arr.astype(np.float64), F64
        if not _supported(fmt, src):
            out = _quantize_slow(arr, fmt, env, random_bits, rng, with_flags)
            if with_flags and snan is not None:
                out[1][...] |= np.where(snan, INVALID, 0).astype(np.uint8)
            return out
    rnd = env.rounding
    r_bits = _random_bits(rnd, shape, env, random_bits, rng) if rnd.mode.stochastic else 0
    if _USE_KERNELS and _kernels and not with_flags and ieee16.supports(fmt, env):
        # chunked bit rounding (float64: rounded to odd on the float32 grid first); specials by the general path
        fix = lambda v: quantize(v, fmt, env, _kernels=False)  # noqa: E731
        run = ieee16.quantize_f32 if src is F32 else ieee16.quantize_f64
        return run(arr, fmt, env, fix).reshape(shape)
    if (_USE_KERNELS and _kernels and src is F64 and not with_flags and not rnd.mode.stochastic
            and ieee16.ro_f32_exact(fmt) and _supported(fmt, F32)):  # rounded to odd on the float32 grid: exact
        return quantize(ieee16.round_to_odd_f32(arr).reshape(shape), fmt, env)
    if _USE_KERNELS and _kernels and src is F32:
        if kernels.lut_exact(fmt, rnd, with_flags):
            codes, flags = f32_lut(fmt, env)
            idx = kernels.lut_index(np.ascontiguousarray(arr).view(np.uint32), kernels.lut_low_bits(fmt))
            if not with_flags:
                return codes.take(idx).reshape(shape)
            fl = flags.take(idx).reshape(shape)
            if snan is not None:
                fl |= np.where(snan, INVALID, 0).astype(np.uint8)
            return codes.take(idx).reshape(shape), fl
        if not with_flags and isinstance(fmt, FloatFormat) and kernels.supports(fmt, rnd):
            return kernels.quantize_f32_kernel(arr, fmt, env, r_bits).reshape(shape)
    bits = np.ascontiguousarray(arr).view(src.uint)
    if isinstance(fmt, IntFormat):
        code, flags = _quantize_int(bits, src, fmt, env, r_bits, with_flags)
    else:
        code, flags = _quantize_float(bits, src, fmt, env, r_bits, with_flags)
    code = np.asarray(code).astype(code_dtype(fmt)).reshape(shape)
    if with_flags:
        flags = np.asarray(flags).astype(np.uint8).reshape(shape)
        if snan is not None:
            flags |= np.where(snan, INVALID, 0).astype(np.uint8)
        return code, flags
    return code


_luts: dict = {}


def f32_lut(fmt: Format, env: Env) -> tuple[np.ndarray, np.ndarray]:
    """(codes, flags) for every (high bits << 1 | sticky) pattern of a float32 (see the claim in
    `kernels`: exact where `kernels.lut_exact`), built with the general integer path."""
    key = (fmt, env.resolved_for(fmt))
    hit = _luts.get(key)
    if hit is None:
        low = kernels.lut_low_bits(fmt)
        idx = np.arange(1 << (33 - low), dtype=np.uint32)
        reps = ((idx >> np.uint32(1)) << np.uint32(low)) | (idx & np.uint32(1))
        codes, flags = quantize(reps.view(np.float32), fmt, env, with_flags=True, _kernels=False)
        codes.setflags(write=False)
        flags.setflags(write=False)
        hit = _luts[key] = (codes, flags)
    return hit


def _quantize_slow(arr, fmt, env, random_bits, rng, with_flags):
    """Golden fallback for formats the integer kernel does not cover (wider than the source)."""
    from .. import golden

    src_fmt = get_format("f64")
    bits = np.ascontiguousarray(arr, dtype=np.float64).view(np.uint64).ravel()
    rnd = env.rounding
    r_bits = _random_bits(rnd, bits.shape, env, random_bits, rng) if rnd.mode.stochastic else None
    codes = np.zeros(bits.shape, dtype=code_dtype(fmt))
    flags = np.zeros(bits.shape, dtype=np.uint8)
    for i, b in enumerate(bits.tolist()):
        e = env if r_bits is None or np.ndim(r_bits) == 0 else Env(
            env.rounding, env.overflow, env.tininess, int(r_bits[i]), env.nan_policy)
        r = golden.convert(src_fmt, b, fmt, e)
        codes[i], flags[i] = r.code, int(r.flags)
    codes, flags = codes.reshape(arr.shape), flags.reshape(arr.shape)
    return (codes, flags) if with_flags else codes


def dequantize(codes: ArrayLike, fmt: Format | str, dtype=np.float32) -> np.ndarray:
    """Decode codes of ``fmt`` to float32/float64: exact where representable, else RNE."""
    fmt = get_format(fmt)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError("dequantize produces float32 or float64")
    c = np.asarray(codes)
    if c.dtype.kind not in "iu":
        c = c.view(code_dtype(fmt)) if c.dtype.itemsize == np.dtype(code_dtype(fmt)).itemsize else c
    if fmt.width <= 16:
        return value_table(fmt, dtype)[c.astype(np.intp)]
    if isinstance(fmt, FloatFormat) and (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials) == (8, 23, 127, Specials.IEEE):
        return c.astype(np.uint32).view(np.float32).astype(dtype)
    if isinstance(fmt, FloatFormat) and (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials) == (11, 52, 1023, Specials.IEEE):
        return c.astype(np.uint64).view(np.float64).astype(dtype)
    return _decode_generic(c.astype(np.int64), fmt).astype(dtype)


def _decode_generic(c: np.ndarray, fmt: Format) -> np.ndarray:
    if isinstance(fmt, IntFormat):
        v = np.where(c >> (fmt.bits - 1) != 0, c - (1 << fmt.bits), c)
        return np.ldexp(v.astype(np.float64), fmt.scale_exp)
    m = fmt.man_bits
    neg = (c & fmt.sign_bit) != 0 if fmt.signed else np.zeros(c.shape, bool)
    mag = c & fmt.mag_mask
    ef = mag >> m
    t = mag & ((1 << m) - 1)
    if fmt.subnormals:
        sig = np.where(ef == 0, t, t | (1 << m))
        ex = np.maximum(ef, 1) - fmt.bias - m
    else:
        sig, ex = t | (1 << m), ef - fmt.bias - m
    if m > 52:
        raise FormatError(f"{fmt.name}: more than 52 significand bits cannot decode through float64")
    v = np.ldexp(sig.astype(np.float64), ex.astype(np.int64))  # exact: sig < 2^53, in range
    v = np.where(neg, -v, v)
    nan = np.zeros(c.shape, bool)
    inf = np.zeros(c.shape, bool)
    flat = c.ravel()
    if fmt.has_nan or fmt.has_inf:
        # classify through the format's own predicates on the distinct special candidates
        for code in np.unique(flat[(mag.ravel() >= (fmt.max_code & fmt.mag_mask)) | (flat == fmt.sign_bit)]):
            code = int(code)
            if fmt.is_nan(code):
                nan |= c == code
            elif fmt.is_inf(code):
                inf |= c == code
    v = np.where(nan, np.nan, v)
    v = np.where(inf, np.where(neg | (c == _neg_inf_code(fmt)), -np.inf, np.inf), v)
    return v


def _neg_inf_code(fmt: FloatFormat) -> int:
    try:
        return fmt.inf_code(1)
    except FormatError:
        return -1


_value_tables: dict = {}


def value_table(fmt: Format, dtype=np.float32) -> np.ndarray:
    """Decoded value of every code of a format of at most 16 bits (exact, from `fmt.value`)."""
    dtype = np.dtype(dtype)
    key = (fmt, dtype.str)
    tab = _value_tables.get(key)
    if tab is None:
        vals = np.empty(1 << fmt.width, dtype=np.float64)
        for c in range(1 << fmt.width):
            try:
                v = fmt.value(c)
            except FormatError:
                v = float("nan")  # not a code of the format (storage wider than value bits)
            if isinstance(v, Fraction):
                f = float(v)  # exact: <= 16-bit formats fit float64
                if Fraction(f) != v:
                    raise AssertionError(f"{fmt.name} code {c} not exact in float64")
                if v == 0 and fmt.signed and getattr(fmt, "has_neg_zero", False) and c & fmt.sign_bit:
                    f = -0.0
                v = f
            vals[c] = v
        tab = vals.astype(dtype)  # one RNE rounding where float32 cannot hold the value
        tab.setflags(write=False)
        _value_tables[key] = tab
    return tab


__all__ = ["quantize", "dequantize", "value_table", "round_shifted", "code_dtype", "f32_lut", "MAX_RANDOM_BITS"]
