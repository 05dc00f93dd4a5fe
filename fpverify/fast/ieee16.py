"""float32 -> f16 / bf16 codes in every deterministic mode, on cache-sized chunks (no flags).

Speed comes from memory traffic: every step is an in-place uint32 pass over a chunk of
``CHUNK`` elements held in preallocated scratch buffers (they stay in the L2 cache), so the
handful of integer passes of a directed rounding cost about as much as the one pass of a
library cast over the whole array. Elements whose result is a special case (NaN and Inf inputs,
results beyond the largest finite value: the overflow policy) are found per chunk by one cheap
reduction and recomputed afterwards by the caller's exact general path (``fix``), so every
overflow and NaN policy is covered.

Why each datapath is exact (``u`` = the float32 bit pattern, ``mag`` = u without its sign):

* **bf16** has float32's sign and exponent fields and the top 7 of its 23 fraction bits, and
  its subnormals are the float32 subnormals' top halves. So the code of a float32 rounded to
  bf16 is the top half of ``u + add`` (mod 2^32), where ``add`` rounds the discarded low half
  of the magnitude: RTZ 0, RNA 0x8000 (half), RNE 0x7FFF + the kept LSB, away from zero
  0xFFFF (RUP for positive, RDN for negative u; the other sign truncates). A carry out of the
  significand increments the exponent field: the next binade, or Inf beyond the largest finite
  value exactly as IEEE overflow wants in a mode that rounds away (RTZ-like directions
  truncate to the largest finite value, 0x7F7F). RTO is ``hi | (lo != 0)``: bit 16 of
  ``(u & 0xFFFF) + 0xFFFF`` is ``lo != 0``, ORed into ``u``. Only NaN inputs (payload bits may
  carry into anything) and, for non-IEEE overflow policies, results ≥ 0x7F80 go to ``fix``.
  RNE uses ml_dtypes' cast when installed: Eigen's ``bfloat16`` conversion is exactly this
  ``(u + 0x7FFF + lsb) >> 16`` with NaNs kept NaN (then fixed to the canonical NaN).
* **f16** (binary16: 5 exponent bits, bias 15, 10 fraction bits) uses the integer method of
  `kernels` with a per-element shift: with ``e`` the float32 exponent field (``max(e, 1)`` for
  zeros and subnormals) and ``d = max(0, 113 - e)`` (how many binades x lies below 2^-14, the
  smallest f16 normal), ``sig = mag - (112 << 23) + (d << 23)`` is the rebiased pattern for
  normals (``((e - 112) << 23) | fraction``: shifting it right by 13 gives the f16 code, and a
  rounding carry moves into the exponent) and the full significand (hidden bit for e >= 1, none
  for float32 subnormals) below 2^-14, where the shift is ``13 + d``: the f16 subnormal quantum
  2^-24 divided by the float32 quantum 2^(e-150). Shifts above 25 (|x| < 2^-26) are capped at
  25: there sig < 2^24 ≤ half the quantum, so the result (0, or the smallest subnormal when a
  mode rounds away from zero a nonzero sig) is the same. Rounding ``sig >> shift`` with
  ``mask = 2^shift - 1``: RTZ truncates, away from zero adds ``mask``, RNA adds ``mask >> 1``
  + 1, RNE adds ``mask >> 1`` + the kept LSB, RTO ORs ``(sig + mask) >> shift - trunc``
  (= inexact). A rounded magnitude above 0x7BFF (the largest finite) is an overflow, an Inf or
  a NaN input: ``fix``. The sign is bit 31 moved to bit 15.

Both datapaths are cross-checked against the general integer path (itself checked against the
golden model) and against the libraries' RNE casts in ``tests/test_fast_ieee16.py``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..formats import FloatFormat, Overflow
from ..rounding import Env, Mode

CHUNK = 1 << 16  # elements per pass: scratch buffers of 256 KiB each stay in L2

_U = np.uint32
_MAG = _U(0x7FFFFFFF)


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


def _run(x, u, out, fmt, mode: Mode, ieee: bool, rare: list) -> None:
    n = u.size
    if _layout(fmt) == "bf16":
        ml = _bf16_dtype() if mode is Mode.RNE else None
        buf = np.empty(min(n, CHUNK), dtype=np.uint32)
        for i in range(0, n, CHUNK):
            xc, oc = x[i:i + CHUNK], out[i:i + CHUNK]
            if ml is not None:
                np.copyto(oc.view(ml), xc, casting="unsafe")
            else:
                _bf16_chunk(u[i:i + CHUNK], oc, buf[:xc.size], mode)
            if np.isnan(xc.min()) or (not ieee and int((oc & np.uint16(0x7FFF)).max()) >= 0x7F80):
                bad = np.isnan(xc) if ieee else (np.isnan(xc) | ((oc & np.uint16(0x7FFF)) >= np.uint16(0x7F80)))
                rare.append(np.flatnonzero(bad) + i)
    else:
        bufs = [np.empty(min(n, CHUNK), dtype=np.uint32) for _ in range(4)]
        for i in range(0, n, CHUNK):
            uc, oc = u[i:i + CHUNK], out[i:i + CHUNK]
            a, e, t, s = bufs if uc.size == bufs[0].size else [b[:uc.size] for b in bufs]
            _f16_chunk(uc, a, e, t, s, mode)
            if int(t.max()) > 0x7BFF:  # overflow, Inf or NaN somewhere in this chunk
                rare.append(np.flatnonzero(t > _U(0x7BFF)) + i)
            np.right_shift(uc, _U(16), out=s)
            s &= _U(0x8000)
            t |= s
            np.copyto(oc, t, casting="unsafe")


def _bf16_chunk(uc: np.ndarray, oc: np.ndarray, a: np.ndarray, mode: Mode) -> None:
    """Top half of ``u + add`` (see the module docstring) into ``oc``."""
    if mode is Mode.RTZ:
        np.right_shift(uc, _U(16), out=a)
    else:
        if mode is Mode.RNA:
            np.add(uc, _U(0x8000), out=a)
        elif mode is Mode.RNE:
            np.right_shift(uc, _U(16), out=a)
            a &= _U(1)
            a += _U(0x7FFF)
            a += uc
        elif mode is Mode.RTO:
            np.bitwise_and(uc, _U(0xFFFF), out=a)
            a += _U(0xFFFF)  # bit 16 = low half nonzero
            a |= uc
        else:  # RUP: add 0xFFFF to positive u, RDN: to negative u
            ai = a.view(np.int32)
            if mode is Mode.RUP:
                np.invert(uc, out=a)
                np.right_shift(ai, np.int32(31), out=ai)  # -1 where u is positive
            else:
                np.right_shift(uc.view(np.int32), np.int32(31), out=ai)  # -1 where u is negative
            a >>= _U(16)
            a += uc
        a >>= _U(16)
    np.copyto(oc, a, casting="unsafe")


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


__all__ = ["supports", "quantize_f32", "CHUNK"]
