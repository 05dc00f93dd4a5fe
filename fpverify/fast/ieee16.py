"""float32 -> f16 / bf16 codes through the libraries' own round-to-nearest-even casts, then a
one-code correction per deterministic mode (no flags; IEEE overflow policy only).

Why the library casts are exact here:

* numpy's ``float32 -> float16`` cast is IEEE 754 roundTiesToEven with gradual underflow and
  overflow to ±Inf (``npy_floatbits_to_halfbits``); ml_dtypes' ``float32 -> bfloat16`` is Eigen's
  round-to-nearest-even on the bit pattern (``x + 0x7FFF + lsb``), subnormals included. Both
  equal the golden RNE result for every non-NaN input with the IEEE overflow policy. NaNs keep
  their sign and payload there, while the golden model returns its canonical quiet NaN: NaN
  inputs are rewritten afterwards. The tests cross-check both casts against the integer path.
* Every other mode differs from RNE by at most one code: RNE returns one of the two
  representable neighbours of x (or x itself), and the directed result is the neighbour in the
  mode's direction. Codes of a sign-magnitude IEEE format are ordered by magnitude, Inf one
  above the largest finite, so "one code away from zero" is ``code + 1`` and "toward zero"
  ``code - 1`` for either sign. Which way RNE went is read exactly by comparing the float32 bit
  patterns of x and of the decoded RNE result (same sign, so the unsigned comparison orders the
  magnitudes). RNA differs from RNE only on exact ties that RNE sent toward zero: there
  ``|x| - |y|`` (exact by Sterbenz's lemma, or ``|x|`` itself when ``y = 0``) equals half the
  spacing of the format at ``|y|``. RTO is RTZ with the last bit set when inexact.
"""

from __future__ import annotations

import sys

import numpy as np

from ..formats import FloatFormat, Overflow
from ..rounding import Env, Mode

_LITTLE = sys.byteorder == "little"


def _target(fmt: FloatFormat):
    """The numpy dtype whose float32 cast is RNE for ``fmt`` (f16, bf16), or None."""
    key = (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials.value, fmt.signed, fmt.width)
    if key == (5, 10, 15, "ieee", True, 16):
        return np.dtype(np.float16)
    if key == (8, 7, 127, "ieee", True, 16):
        try:
            import ml_dtypes
        except ImportError:
            return None
        return np.dtype(ml_dtypes.bfloat16)
    return None


def supports(fmt, env: Env) -> bool:
    return (isinstance(fmt, FloatFormat) and not env.rounding.mode.stochastic
            and env.overflow_for(fmt) is Overflow.IEEE and _target(fmt) is not None)


def quantize_f32(x: np.ndarray, fmt: FloatFormat, env: Env) -> np.ndarray:
    """uint16 codes of ``fmt`` for a float32 array (``supports`` must hold)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    with np.errstate(all="ignore"):
        return _quantize(x, fmt, env.rounding.mode)


def _quantize(x: np.ndarray, fmt: FloatFormat, mode: Mode) -> np.ndarray:
    is_bf16 = fmt.exp_bits == 8
    ux = x.view(np.uint32)
    if is_bf16 and _LITTLE and mode is not Mode.RNE:
        code = _bf16_slices(ux, mode)
    else:
        code = x.astype(_target(fmt)).view(np.uint16)
        if mode is Mode.RNA and not is_bf16:
            _decoder(fmt)  # builds the f16 value table
            code = _f16_ties_away(code, x)
        elif mode is not Mode.RNE:
            code = _correct(code, x, ux, mode, _decoder(fmt))
    if np.isnan(x).any():
        code[np.isnan(x)] = fmt.nan_code()
    return code


def _bf16_slices(ux: np.ndarray, mode: Mode) -> np.ndarray:
    """bf16 is the top half of float32: truncation is a strided copy, the other directed modes
    add one code where the low half is nonzero (on the magnitude: sign-dependent for RUP/RDN)."""
    if mode is Mode.RNA:
        return (ux + np.uint32(0x8000)).view(np.uint16)[1::2].copy()  # half of the low half, carried
    halves = ux.view(np.uint16)
    code = halves[1::2].copy()
    if mode is Mode.RTZ:
        return code
    inexact = halves[0::2] != 0
    if mode is Mode.RTO:
        np.bitwise_or(code, inexact, out=code, casting="unsafe")
        return code
    # RUP adds one on positive codes, RDN on negative ones (sign = bit 15)
    side = code < np.uint16(0x8000) if mode is Mode.RUP else code >= np.uint16(0x8000)
    np.logical_and(inexact, side, out=inexact)
    np.add(code, inexact, out=code, casting="unsafe")
    return code


_F16_BITS: np.ndarray | None = None


def _decoder(fmt: FloatFormat):
    """codes -> float32 bit patterns of their (exact) values."""
    if fmt.exp_bits == 8:
        return lambda c: c.astype(np.uint32) << np.uint32(16)
    global _F16_BITS
    if _F16_BITS is None:
        _F16_BITS = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32).view(
            np.uint32)
    return lambda c: _F16_BITS[c]


def _f16_ties_away(code: np.ndarray, x: np.ndarray) -> np.ndarray:
    """RNA from RNE's f16 codes: RNE sent a tie toward zero exactly where |x| - |y| (exact by
    Sterbenz: |y| <= |x| <= 2|y|, or y = 0) is half the quantum of y, 2^(max(E, 1) - 26) for the
    biased exponent field E of y's code (a power of two built as float32 bits)."""
    mag = code & np.uint16(0x7FFF)
    e = np.maximum(mag >> np.uint16(10), np.uint16(1)).astype(np.uint32)
    half = ((e + np.uint32(127 - 26)) << np.uint32(23)).view(np.float32)
    ay = _F16_BITS[mag].view(np.float32)
    tie = (np.abs(x) - ay) == half  # False for NaN, and for y = inf (inf - inf is NaN or x < y)
    return code + tie.view(np.uint8)


def _correct(code: np.ndarray, x: np.ndarray, ux: np.ndarray, mode: Mode, decode) -> np.ndarray:
    uy = decode(code)
    if mode is Mode.RNA:
        # ties that RNE sent toward zero go away: x is then the exact midpoint of y and the next
        # code (the sum of the two has one bit more than the format: exact in float32)
        vy = uy.view(np.float32)
        vn = decode(code + np.uint16(1)).view(np.float32)
        tie = (uy < ux) & ((x + x) == (vy + vn))
        return code + tie.view(np.uint8)
    if mode is Mode.RTZ or mode is Mode.RTO:
        out = code - (uy > ux).view(np.uint8).astype(np.uint16)
        if mode is Mode.RTO:
            out |= (uy != ux).view(np.uint8).astype(np.uint16)
        return out
    # RUP / RDN: one code in the value direction where RNE went the other way; for a negative
    # code "up" is toward zero (-1), for a positive one away (+1): step = (w ^ s) - s, s = 0 / -1
    wrong = (uy.view(np.float32) < x) if mode is Mode.RUP else (uy.view(np.float32) > x)
    w = wrong.view(np.int8).astype(np.int16)
    sgn = code.view(np.int16) >> np.int16(15)
    step = (w ^ sgn) - sgn
    if mode is Mode.RDN:
        step = -step
    return (code.view(np.int16) + step).view(np.uint16)


__all__ = ["supports", "quantize_f32"]
