"""float32 / float64 -> f16 / bf16 codes in every deterministic mode, chunk by chunk (no flags).

Speed: every step is one numpy pass over a chunk of ``CHUNK_*`` elements into preallocated
uint32 scratch buffers that stay in the caches, so the 3-4 integer passes of a directed
rounding cost about as much as a library's single cast over the whole array. Elements whose
result is special (NaN and Inf inputs, results beyond the largest finite value: the overflow and
NaN policies) are found per chunk by a cheap reduction and recomputed by the caller's exact
general path (``fix``, the integer path of `convert`), so every overflow and NaN policy is
covered and only those few elements pay for it.

Why each datapath is exact (``u`` = the float32 bit pattern, ``hi``/``lo`` its 16-bit halves):

* **bf16** has float32's sign and exponent fields and the top 7 of its 23 fraction bits, and
  its subnormals are the float32 subnormals' top halves. So rounding the magnitude to bf16 is
  rounding ``u`` at bit 16 with the sign carried along: a carry out of the fraction increments
  the exponent field (the next binade, or Inf after the largest finite value: IEEE overflow
  in a direction away from zero; truncating directions stay at 0x7F7F).
  - RTZ: ``hi``. RNA: ``(u + 0x8000) >> 16``.
  - RNE: ml_dtypes' cast (Eigen's ``(u + 0x7FFF + lsb) >> 16``; NaNs stay NaN), or those bits.
  - RUP / RDN: ``u' = u + 0xFFFF`` has x's sign and the next larger magnitude pattern, so
    ``hi(u') = hi + [lo != 0]`` rounds the magnitude away from zero. As float32 values the
    larger of x and u' (RUP) / the smaller (RDN) is u' exactly when the direction is away from
    zero (x > 0 for RUP, x < 0 for RDN), else x: ``hi(max(x, u'))`` / ``hi(min(x, u'))``. Near
    ±max u' is an Inf or NaN pattern: min/max with Inf gives the exact answer, with NaN a NaN.
  - RTO: ``hi | [lo != 0]``: on the uint16 view ``w = (lo0, hi0, lo1, ...)``,
    ``nz = min(w, 1)`` marks nonzero halves and ``w[2i+1] | nz[2i]`` is written to the low half
    of word i (little-endian; otherwise ``(u | ((u & 0xFFFF) + 0xFFFF)) >> 16``).
  Every NaN input keeps an all-ones exponent field in these codes except under RNA and the bit
  RNE (a payload may carry out of it): there NaNs are found on x itself. Codes of magnitude
  >= 0x7F80 go to ``fix``.
* **f16** (5 exponent bits, bias 15, 10 fraction bits) is the integer method of `kernels`. For
  |x| >= 2^-14 (float32 exponent field e >= 113) ``sig = mag - (112 << 23)`` is the pattern
  rebiased to f16: shifted right by 13 it is the code, and a rounding carry moves into the
  exponent. Rounding the discarded 13 bits: RTZ truncates; away from zero (RUP for x > 0, RDN for
  x < 0) adds 0x1FFF; RNA adds 0x1000; RNE adds 0xFFF plus the kept LSB; RTO ORs bit 13 of
  ``(sig & 0x1FFF) + 0x1FFF`` (= inexact) into sig. Elements below 2^-14 (a chunk's min tells
  whether there are any; they are gathered by index) take a per-element shift: with
  ``sig = mag - ((clip(e, 1, 113) - 1) << 23)`` (the full significand: hidden bit for e >= 1,
  none for float32 subnormals, whose scale is that of e = 1) and ``shift = 126 - clip(e, 101,
  113)`` (13 plus the binades below 2^-14: the f16 subnormal quantum 2^-24 over the float32
  quantum 2^(e-150), capped at 25, where sig < 2^24 is at most half the quantum so every mode
  gives what the true shift gives), the same rules with ``mask = 2^shift - 1`` for 0x1FFF. A
  magnitude above 0x7BFF (overflow, Inf or NaN input) goes to ``fix``; the sign is bit 31 moved
  to bit 15.
* **float64 sources** are rounded to odd on the float32 grid first (`round_to_odd_f32` says
  why that is exact); f64 -> f16 RNE is numpy's direct double -> half cast (exact, no double
  rounding), with Inf/NaN codes redone by ``fix``.

Cross-checked in ``tests/test_fast_ieee16.py`` against the general integer path and the golden
model (every bf16 / f16 code's neighbourhood, all six modes, several overflow policies,
float64 double-rounding traps), and against numpy's / ml_dtypes' RNE casts.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable

import numpy as np

from ..formats import FloatFormat, Overflow
from ..rounding import Env, Mode

# elements per chunk (measured on 4M-element arrays: smaller chunks pay ~1 us of Python per
# numpy call, larger ones push the scratch buffers out of the caches)
CHUNK_BF16 = 1 << 19
CHUNK_F16 = 1 << 18
CHUNK_F64 = 1 << 18

_U = np.uint32
_LITTLE = sys.byteorder == "little"
_MAG = _U(0x7FFFFFFF)
_F16_MIN_NORMAL = _U(0x38800000)  # 2^-14 as float32 bits


def _layout(fmt) -> str | None:
    """'f16' or 'bf16' for the IEEE binary16 / bfloat16 layouts, else None."""
    if not isinstance(fmt, FloatFormat):
        return None
    key = (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials.value, fmt.signed, fmt.width, fmt.subnormals)
    if key == (5, 10, 15, "ieee", True, 16, True):
        return "f16"
    if key == (8, 7, 127, "ieee", True, 16, True):
        return "bf16"
    return None


def supports(fmt, env: Env) -> bool:
    """Deterministic modes into f16 / bf16 (any overflow and NaN policy: those go to ``fix``)."""
    return not env.rounding.mode.stochastic and _layout(fmt) is not None


_scratch = threading.local()  # per thread: fresh buffers would page-fault on every call


def _buffers(count: int, n: int) -> list[np.ndarray]:
    """``count`` uint32 scratch buffers of ``n`` elements, reused across calls (per thread)."""
    have = getattr(_scratch, "bufs", [])
    if len(have) < count or (have and have[0].size < n):
        size = max(n, have[0].size if have else 0)
        have = [np.empty(size, dtype=np.uint32) for _ in range(max(count, len(have)))]
        _scratch.bufs = have
    return [b[:n] for b in have[:count]]


def _bf16_dtype():
    try:
        import ml_dtypes
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


def quantize_f32(x: np.ndarray, fmt: FloatFormat, env: Env,
                 fix: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """uint16 codes of ``fmt`` (``supports`` must hold) for a float32 array, flattened.

    ``fix(values)`` must return the exact codes of a (small) float32 array; it is called once
    on the special elements (NaN, Inf, overflow) if there are any.
    """
    x = np.ascontiguousarray(x, dtype=np.float32).ravel()
    u = x.view(np.uint32)
    n = u.size
    out = np.empty(n, dtype=np.uint16)
    mode = env.rounding.mode
    ieee = env.overflow_for(fmt) is Overflow.IEEE
    rare: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        _run(x, u, out, fmt, mode, ieee, rare)
    if rare:
        idx = np.concatenate(rare)
        if idx.size:
            out[idx] = fix(x[idx])
    return out


def quantize_f64(x: np.ndarray, fmt: FloatFormat, env: Env,
                 fix: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """uint16 codes of ``fmt`` for a float64 array: each chunk rounded to odd on the float32 grid
    (`round_to_odd_f32`, which says why that is exact), then `quantize_f32` (``fix`` gets those
    float32 values: every decision, overflow included, is the same for them)."""
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    n = x.size
    out = np.empty(n, dtype=np.uint16)
    if _layout(fmt) == "f16" and env.rounding.mode is Mode.RNE:
        # numpy's float64 -> float16 cast rounds the double's bits directly (npy_doublebits_to_
        # halfbits: IEEE RNE, gradual underflow, overflow to Inf): the golden RNE code for every
        # input whose code is finite; Inf/NaN codes (overflow, Inf, NaN) are redone by `fix`
        with np.errstate(all="ignore"):
            np.copyto(out.view(np.float16), x, casting="same_kind")
        idx = np.flatnonzero((out & np.uint16(0x7FFF)) >= np.uint16(0x7C00))
        if idx.size:
            out[idx] = fix(round_to_odd_f32(x[idx]))
        return out
    ro = np.empty(min(n, CHUNK_F64), dtype=np.float32)
    for i in range(0, n, CHUNK_F64):
        xc = x[i:i + CHUNK_F64]
        out[i:i + CHUNK_F64] = quantize_f32(round_to_odd_f32(xc, ro[:xc.size]), fmt, env, fix)
    return out


def ro_f32_exact(fmt) -> bool:
    """Whether rounding a float64's round-to-odd on the float32 grid into ``fmt`` is the rounding
    of the float64 (deterministic modes, codes): precision <= 22, finite range below 2^128 and a
    smallest quantum >= 2^-147 (see `round_to_odd_f32`)."""
    return (isinstance(fmt, FloatFormat) and fmt.precision <= 22 and fmt.max_value < 2 ** 128
            and fmt.emin - fmt.man_bits >= -147)


def round_to_odd_f32(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """float64 -> float32 rounded to odd: y itself where exact, else the one of the two float32
    neighbours of x whose bit pattern is odd (beyond float32's range: ±the largest finite, below
    it: ±the smallest subnormal; NaN stays NaN, ±Inf stays ±Inf). 1-D; ``out``: float32 buffer.

    Why one later rounding of it is the rounding of x (Boldo & Melquiond, IEEE TC 57(4), 2008):
    every decision point of a target with p <= 22 bits, a smallest quantum >= 2^-147 and a finite
    range below 2^128 (`ro_f32_exact`: f16, bf16, FP8/6/4, E8M0, ...: its values, midpoints,
    zero/underflow and overflow thresholds) is an *even* float32 pattern (it has at most
    p + 1 <= 23 significant bits, or lies on float32's subnormal grid at an even multiple of
    2^-149), so none lies strictly between x and its round-to-odd, and the round-to-odd is on one
    exactly when x is (and has x's sign); the largest finite float32 (odd, 2^128 - 2^104) exceeds
    every such overflow threshold (<= 2^128 - 2^105).

    Steps: y = float32(x) (numpy: RNE, overflow to Inf) and b = float64(y) (exact) have x's
    sign, and float64 bit patterns of one sign compare as int64 like their magnitudes; so
    ``inexact = bits(x) != bits(b)`` and ``away = bits(b) > bits(x)`` (RNE went away from
    zero; Inf and ±0 are exact, NaNs stay NaNs whatever happens to their low bit). Then
    ``(bits(y) - away) | inexact`` is the truncation with the sticky bit ORed in: round to odd.
    """
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    n = x.size
    out = np.empty(n, dtype=np.float32) if out is None else out
    ou = out.view(np.uint32)
    b, flags = _f64_buffers(n)
    ix, away = flags[0], flags[1]
    xi, bi = x.view(np.int64), b.view(np.int64)
    with np.errstate(all="ignore"):
        np.copyto(out, x, casting="same_kind")  # RNE
        np.copyto(b, out)  # exact
        np.not_equal(xi, bi, out=ix)
        np.greater(bi, xi, out=away)
        np.subtract(ou, away.view(np.uint8), out=ou, casting="unsafe")
        np.bitwise_or(ou, ix.view(np.uint8), out=ou, casting="unsafe")
    return out


def _f64_buffers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """A float64 and a (2, n) boolean scratch buffer, reused per thread."""
    have = getattr(_scratch, "f64", None)
    if have is None or have[0].size < n:
        size = max(n, CHUNK_F64)
        have = _scratch.f64 = (np.empty(size, dtype=np.float64), np.empty((2, size), dtype=bool))
    return have[0][:n], have[1][:, :n]


def _run(x, u, out, fmt, mode: Mode, ieee: bool, rare: list) -> None:
    n = u.size
    if _layout(fmt) == "bf16":
        ml = _bf16_dtype() if mode is Mode.RNE else None
        # NaN inputs keep a code of magnitude >= 0x7F80 (exponent field all ones) in these modes;
        # RNA and the bit RNE may carry a NaN's payload out of its exponent: check x itself
        nan_safe = ml is not None or mode not in (Mode.RNA, Mode.RNE)
        step = CHUNK_BF16
        bufs = _buffers(2 if mode is Mode.RTO else 1, min(n, step))
        for i in range(0, n, step):
            xc, oc = x[i:i + step], out[i:i + step]
            if ml is not None:
                np.copyto(oc.view(ml), xc, casting="unsafe")
            else:
                _bf16_chunk(xc, u[i:i + step], oc, [b[:xc.size] for b in bufs], mode)
            oi = oc.view(np.int16)
            special = int(oi.max()) >= 0x7F80 or int(oc.max()) >= 0xFF80  # codes of magnitude >= 0x7F80
            if nan_safe:
                if special:  # Inf/NaN codes: NaN, Inf and near-max inputs, overflow (fixed for every policy)
                    rare.append(np.flatnonzero((oc & np.uint16(0x7FFF)) >= np.uint16(0x7F80)) + i)
            elif np.isnan(xc.min()) or (special and not ieee):
                bad = np.isnan(xc)
                if not ieee:
                    bad |= (oc & np.uint16(0x7FFF)) >= np.uint16(0x7F80)
                rare.append(np.flatnonzero(bad) + i)
    else:
        step = CHUNK_F16
        bufs = _buffers(4, min(n, step))
        for i in range(0, n, step):
            uc, oc = u[i:i + step], out[i:i + step]
            a, e, t, s = bufs if uc.size == bufs[0].size else [b[:uc.size] for b in bufs]
            _f16_normal_chunk(uc, a, e, t, s, mode)
            if int(t.max()) > 0x7BFF:  # overflow, Inf or NaN somewhere in this chunk
                rare.append(np.flatnonzero(t > _U(0x7BFF)) + i)
            np.right_shift(uc, _U(16), out=s)
            s &= _U(0x8000)
            t |= s
            np.copyto(oc, t, casting="unsafe")


def _bf16_chunk(xc: np.ndarray, uc: np.ndarray, oc: np.ndarray, scratch: list, mode: Mode) -> None:
    """bf16 codes of one chunk into ``oc`` (see the module docstring); ``scratch``: uint32 buffers."""
    a = scratch[0]
    if mode is Mode.RTZ:
        np.right_shift(uc, _U(16), out=a)
    elif mode is Mode.RNA:
        np.add(uc, _U(0x8000), out=a)
        a >>= _U(16)
    elif mode is Mode.RNE:
        np.right_shift(uc, _U(16), out=a)
        a &= _U(1)
        a += _U(0x7FFF)
        a += uc
        a >>= _U(16)
    elif mode is Mode.RTO and _LITTLE:
        # on the uint16 view w = (lo0, hi0, lo1, hi1, ...): nz = min(w, 1) = [half != 0], and
        # w[2i+1] | nz[2i] = hi_i | [lo_i != 0] lands in the low half of word i of ``a``
        w = uc.view(np.uint16)
        nz = scratch[1].view(np.uint16)
        np.clip(w, np.uint16(0), np.uint16(1), out=nz)
        np.bitwise_or(w[1:], nz[:-1], out=a.view(np.uint16)[:-1])
    elif mode is Mode.RTO:
        np.bitwise_and(uc, _U(0xFFFF), out=a)
        a += _U(0xFFFF)  # bit 16 = [lo != 0]
        a |= uc
        a >>= _U(16)
    else:
        # u' = u + 0xFFFF: hi(u') rounds the magnitude away from zero; the smaller / larger
        # float32 value of x and u' lies in the RDN / RUP direction (module docstring)
        np.add(uc, _U(0xFFFF), out=a)
        af = a.view(np.float32)
        (np.minimum if mode is Mode.RDN else np.maximum)(xc, af, out=af)
        a >>= _U(16)
    np.copyto(oc, a, casting="unsafe")


def _f16_normal_chunk(uc, a, e, t, s, mode: Mode) -> None:
    """Rounded f16 magnitude codes into ``t``: the constant shift 13 for |x| >= 2^-14 (there
    ``sig = mag - (112 << 23)``), the per-element shift of `_f16_chunk` for the elements below,
    gathered by index (``e`` and ``s`` are scratch)."""
    np.bitwise_and(uc, _MAG, out=a)
    low = None
    if int(a.min()) < int(_F16_MIN_NORMAL):
        below = e.view(np.bool_)[:a.size]  # a preallocated mask (a fresh one page-faults)
        np.less(a, _F16_MIN_NORMAL, out=below)
        low = np.flatnonzero(below)
    a -= _U(112 << 23)  # wraps for the low elements: they are redone below
    if mode is Mode.RTZ:
        np.right_shift(a, _U(13), out=t)
    elif mode is Mode.RTO:
        np.bitwise_and(a, _U(0x1FFF), out=t)
        t += _U(0x1FFF)  # bit 13 = inexact
        t |= a
        t >>= _U(13)
    else:
        if mode is Mode.RNE:
            np.right_shift(a, _U(13), out=t)
            t &= _U(1)
            t += _U(0xFFF)
            a += t
        elif mode is Mode.RNA:
            a += _U(0x1000)
        else:  # RUP adds 0x1FFF where x > 0, RDN where x < 0
            si = s.view(np.int32)
            if mode is Mode.RUP:
                np.invert(uc, out=s)
                np.right_shift(si, np.int32(31), out=si)
            else:
                np.right_shift(uc.view(np.int32), np.int32(31), out=si)
            s &= _U(0x1FFF)
            a += s
        np.right_shift(a, _U(13), out=t)
    if low is not None:
        lu = uc[low]
        sub = [np.empty(lu.size, dtype=np.uint32) for _ in range(4)]
        _f16_chunk(lu, *sub, mode)
        t[low] = sub[2]


def _f16_chunk(uc, a, e, t, s, mode: Mode) -> None:
    """Rounded f16 magnitude codes into ``t`` (see the module docstring); ``s`` is scratch."""
    np.bitwise_and(uc, _MAG, out=a)
    np.right_shift(a, _U(23), out=e)  # float32 exponent field
    # sig = mag - (112 << 23) + (d << 23) = mag - ((clip(e, 1, 113) - 1) << 23)
    np.clip(e, _U(1), _U(113), out=t)
    t -= _U(1)
    t <<= _U(23)
    a -= t
    # shift = min(13 + d, 25) = 126 - clip(e, 101, 113)
    np.clip(e, _U(101), _U(113), out=e)
    np.subtract(_U(126), e, out=e)
    if mode is Mode.RTZ:
        np.right_shift(a, e, out=t)
        return
    if mode is Mode.RTO:
        np.right_shift(a, e, out=t)  # truncated
        np.left_shift(_U(1), e, out=s)
        s -= _U(1)
        s += a
        s >>= e  # rounded away from zero
        s -= t  # inexact
        t |= s
        return
    np.left_shift(_U(1), e, out=t)
    t -= _U(1)  # mask
    if mode is Mode.RNE:
        t >>= _U(1)
        np.right_shift(a, e, out=s)
        s &= _U(1)
        t += s
    elif mode is Mode.RNA:
        t >>= _U(1)
        t += _U(1)
    elif mode in (Mode.RUP, Mode.RDN):
        si = s.view(np.int32)
        if mode is Mode.RUP:
            np.invert(uc, out=s)
            np.right_shift(si, np.int32(31), out=si)  # all ones where x > 0
        else:
            np.right_shift(uc.view(np.int32), np.int32(31), out=si)  # all ones where x < 0
        t &= s
    a += t
    np.right_shift(a, e, out=t)


__all__ = ["supports", "quantize_f32", "quantize_f64", "round_to_odd_f32", "ro_f32_exact",
           "CHUNK_BF16", "CHUNK_F16", "CHUNK_F64"]
