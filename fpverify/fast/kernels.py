"""Specialised float32 -> small-float kernels (no flags): the hot path of `quantize`.

Same integer method as `convert._quantize_float`, restricted to cases where it can run on 32-bit
lanes with a handful of passes:

* target has subnormals, fewer than 23 trailing bits, a finite range inside float32's, and a
  smallest subnormal >= 2^-123 (so float32 subnormal inputs lie far below half of it and can be
  given any significand with the right sticky bit);
* deterministic modes on uint32 lanes; stochastic A/B/C on uint64 lanes with N (B: N + 1) <= 32.

Per element: ``d = max(0, ebase - te)`` (how far x lies below the target's lowest binade),
``sig = mag - rebias + (d << 23)`` (the rebiased pattern for normals, the full significand with
its hidden bit for values below the normal range), ``shift = 23 - m + d``; the rounded integer
``sig >> shift`` (+ carry) *is* the target magnitude code, carries into the exponent included.
"""

from __future__ import annotations

import numpy as np

from ..formats import FloatFormat
from ..rounding import Env, Mode, Rounding
from ..semantics import overflow as overflow_rules
from ..semantics.boolops import BoolOps
from ..semantics.rounding_rules import directed_away
from .specials import code_dtype, inf_result, nan_result

# the shared rules (`fpverify.semantics`) evaluated on numpy boolean arrays
NUMPY_OPS = BoolOps(np.logical_and, np.logical_or, np.logical_not, False, True)

_SIGN = np.uint32(0x80000000)
_MAG = np.uint32(0x7FFFFFFF)
_INF = np.uint32(0x7F800000)


def supports(fmt: FloatFormat, rnd: Rounding) -> bool:
    """Whether the 32-bit kernels cover this target and mode (flags are never produced here)."""
    m = fmt.man_bits
    if not (fmt.subnormals and m < 23 and fmt.emin - m >= -123 and fmt.bias <= 127 and fmt.bits <= 31):
        return False
    if not fmt.signed:
        return False  # negative values into unsigned formats take the general path
    if fmt.max_value >= 2 ** 128:
        return False
    if rnd.mode.stochastic:
        n = rnd.nbits + (1 if rnd.mode is Mode.SR_B else 0)
        return n <= 29 and 23 - m >= n
    return True


def _prepare(u: np.ndarray, fmt: FloatFormat):
    """(mag, sig, shift) as uint32 arrays; shift is capped at 31 with sig zeroed beyond it."""
    m = fmt.man_bits
    mag = u & _MAG
    # d = max(0, 1 - te) with te = expf - 127 + B  ->  d = max(0, (128 - B) - expf)
    d = (mag >> np.uint32(23)).view(np.int32)
    np.subtract(np.int32(128 - fmt.bias), d, out=d)
    np.maximum(d, 0, out=d)
    du = d.view(np.uint32)
    sig = mag - np.uint32(((127 - fmt.bias) << 23) & 0xFFFFFFFF)  # wraps for values below 2^emin ...
    sig += du << np.uint32(23)  # ... and this term restores the hidden bit exactly there
    shift = du
    shift += np.uint32(23 - m)
    return mag, sig, shift


def _round(mag: np.ndarray, sig: np.ndarray, shift: np.ndarray, u: np.ndarray, rnd: Rounding, r_bits) -> np.ndarray:
    mode = rnd.mode
    if mode.stochastic:
        return _round_stochastic(mag, sig, shift, rnd, r_bits)
    # far below the smallest subnormal (shift > 31), or a float32 zero/subnormal (whose `sig`
    # is not its significand): only the sticky bit matters. A sticky-only 1 at shift 31 lies
    # below every rounding threshold (also the stochastic ones: N <= 23 - m) but is inexact.
    big = shift > np.uint32(31)
    big |= mag < np.uint32(0x800000)
    if big.any():
        sig = np.where(big, (mag != 0).astype(np.uint32), sig)
        shift = np.where(big, np.uint32(31), shift)
    if mode is Mode.RNE:
        lsb = (sig >> shift) & np.uint32(1)
        half_m1 = (np.uint32(1) << (shift - np.uint32(1)))
        half_m1 -= np.uint32(1)
        sig = sig + half_m1
        sig += lsb
        return sig >> shift
    if mode is Mode.RNA:
        half = np.uint32(1) << (shift - np.uint32(1))
        half += sig
        return half >> shift
    # the directed modes (RTZ, RUP, RDN, RTO) read only whether anything was discarded
    trunc = sig >> shift
    rem_nz = (trunc << shift) != sig
    neg = (u >> np.uint32(31)).astype(bool)
    odd = (trunc & np.uint32(1)).astype(bool)
    return trunc + directed_away(mode, neg, odd, rem_nz, NUMPY_OPS)


def _round_stochastic(mag, sig: np.ndarray, shift: np.ndarray, rnd: Rounding, r_bits) -> np.ndarray:
    """A: (sig + R << (shift - N)) >> shift; B: the same with N + 1 bits and 2R + 1; C: RNITE.

    uint32 lanes: sig < 2^31 and R << (shift - N) < 2^shift <= 2^31, so the sum fits. Shifts
    beyond 31 are brought back to 31 by jamming (shift right, OR the lost bits into the LSB),
    which keeps floor(nu * 2^N) and RNITE(nu * 2^N) for N <= 29. float32 zeros and subnormals
    become a sticky-only 0/1 at shift 31 (their true nu * 2^N is < 1/2 here).
    """
    n = rnd.nbits
    r = np.asarray(r_bits).astype(np.uint32, copy=False)
    if rnd.mode is Mode.SR_B:
        n, r = n + 1, r * np.uint32(2) + np.uint32(1)
    rare = np.flatnonzero((shift > np.uint32(31)) | (mag < np.uint32(0x800000)))
    if rare.size:  # fixed up by index: these are few, and full-array passes dominate the cost
        s_r, m_r, sh_r = sig[rare], mag[rare], shift[rare]
        j = np.where(sh_r > np.uint32(31), sh_r - np.uint32(31), np.uint32(0))
        lost = (s_r & ((np.uint32(1) << j) - np.uint32(1))) != 0
        jammed = (s_r >> j) | lost
        tiny = m_r < np.uint32(0x800000)
        sig[rare] = np.where(tiny, (m_r != 0).astype(np.uint32), jammed)
        shift[rare] = np.uint32(31)
    k = shift - np.uint32(n)  # >= 0 by `supports`
    if rnd.mode is Mode.SR_C:
        # RNITE(nu*2^N) + R >= 2^N  <=>  the result is (RNE(sig / 2^k) + R) >> N: the integer part
        # trunc*2^N passes through RNE unchanged, and the tie parity is the same bit (N >= 1).
        zero_k = np.flatnonzero(k == 0)
        kk = np.maximum(k, np.uint32(1)) - np.uint32(1)
        q = sig >> k
        q &= np.uint32(1)  # the tie-breaking LSB
        q += sig
        half_m1 = np.uint32(1) << kk
        half_m1 -= np.uint32(1)
        q += half_m1  # < 2^32: sig < 2^31, k <= 31
        q >>= k
        if zero_k.size:  # k == 0: nothing below the N fraction bits, RNE is the identity
            q[zero_k] = sig[zero_k]
        q += r
        q >>= np.uint32(n)
        return q
    add = r << k
    add += sig
    add >>= shift
    return add


def quantize_f32_kernel(x: np.ndarray, fmt: FloatFormat, env: Env, r_bits=0) -> np.ndarray:
    """Codes of ``fmt`` for a float32 array (deterministic or stochastic ``env.rounding``)."""
    rnd = env.rounding
    u = np.ascontiguousarray(x).view(np.uint32).ravel()
    if np.ndim(r_bits):
        r_bits = np.ascontiguousarray(np.broadcast_to(r_bits, np.shape(x))).ravel()
    mag = u & _MAG
    low = mag < np.uint32(((128 - fmt.bias) << 23))  # below the target's normal range (or 0)
    if not low.any():
        # every element in the normal range: constant shift, no per-element shift arrays
        sig = mag - np.uint32(((127 - fmt.bias) << 23) & 0xFFFFFFFF)
        shift = np.uint32(23 - fmt.man_bits)
        code = _round_const(sig, shift, u, rnd, r_bits)
    else:
        _, sig, shiftv = _prepare(u, fmt)
        code = _round(mag, sig, shiftv, u, rnd, r_bits)
    return _finish(code, u, mag, fmt, env).reshape(np.shape(x))


def _round_const(sig, shift, u, rnd: Rounding, r_bits):
    mode = rnd.mode
    if mode.stochastic:
        n = rnd.nbits
        r = np.asarray(r_bits).astype(np.uint32, copy=False)
        if mode is Mode.SR_B:
            n, r = n + 1, r * np.uint32(2) + np.uint32(1)
        k = np.uint32(int(shift) - n)
        if mode is Mode.SR_C:
            trunc = sig >> shift
            rem = sig - (trunc << shift)
            if k == 0:
                frac = rem
            else:
                frac = (rem >> k) & np.uint32(1)
                frac += rem
                frac += np.uint32((1 << (int(k) - 1)) - 1)
                frac >>= k
            frac += r
            frac >>= np.uint32(n)
            trunc += frac
            return trunc
        add = r << k
        add += sig
        add >>= shift
        return add
    mag = u & _MAG
    return _round(mag, sig, np.full(sig.shape, shift, np.uint32), u, rnd, r_bits)


def _finish(code: np.ndarray, u: np.ndarray, mag: np.ndarray, fmt: FloatFormat, env: Env) -> np.ndarray:
    """Overflow policy, sign, specials; the rare cases are fixed up by index."""
    rnd = env.rounding
    policy = env.overflow_for(fmt)
    max_code = np.uint32(fmt.max_code)
    over = np.flatnonzero(code > max_code)
    special = np.flatnonzero(mag >= _INF)
    sign = (u >> np.uint32(32 - fmt.bits)) & np.uint32(fmt.sign_bit)
    if not fmt.has_neg_zero:
        sign[code == 0] = 0
    if over.size:
        code[over] = max_code
    code |= sign
    if over.size:
        neg = (u[over] >> np.uint32(31)).astype(bool)
        to_max = overflow_rules.rounds_to_max(rnd.mode, policy, neg, NUMPY_OPS)
        pos_code, pos_sat = overflow_rules.overflow_code(fmt, policy, 0, False)
        neg_code, neg_sat = overflow_rules.overflow_code(fmt, policy, 1, False)
        to_max = to_max | np.where(neg, neg_sat, pos_sat)  # no Inf/NaN for the policy: +-max
        unsat = np.where(neg, neg_code, pos_code).astype(np.uint32)
        code[over] = np.where(to_max, code[over], unsat)
    if special.size:
        us = u[special]
        neg = (us >> np.uint32(31)).astype(bool)
        nan = (us & np.uint32(0x7FFFFF)) != 0
        nan_code, _ = nan_result(fmt, env)
        inf_code, _ = inf_result(neg, fmt, env)
        code[special] = np.where(nan, np.uint32(nan_code), inf_code.astype(np.uint32))
    return code.astype(code_dtype(fmt))


# ---- exact lookup for targets with at most 7 trailing bits ---------------------------------
#
# Claim: for a deterministic mode and a target that always discards s >= 16 float32 significand
# bits (FloatFormat with m <= 7; IntFormat with <= 8 bits), the result (code and flags) of
# rounding a float32 x depends only on its top 17 bits and on whether its low 15 bits are
# nonzero; when s >= 17 (m <= 6; IntFormat <= 7 bits), on its top 16 bits and whether its low 16
# bits are nonzero.
# Proof: let L be the number of low bits summarised by a sticky bit (15 or 16), L < s. RNE/RNA
# compare the discarded part D with H = 2^(s-1), whose low L bits are zero (s - 1 >= L): so
# D > H iff D_hi > H_hi or (D_hi = H_hi and D_lo != 0); D = H iff D_hi = H_hi and D_lo = 0;
# D >= H iff D_hi >= H_hi. RTZ/RUP/RDN/RTO and the inexact flag need only D != 0. The binade
# (hence tininess, and the full-precision rounding behind after-rounding tininess, which also
# discards >= s bits), the sign, the overflow decision and the NaN/Inf/sNaN classification (the
# quiet bit is bit 22) are in the kept bits or need only "low bits nonzero". Integer targets
# with b bits: every value that can round into range has |x| < 2^(b-1+scale+1), i.e. at least
# 23 - (b - 1) discarded bits; larger ones overflow whatever their low bits. So a table indexed
# by (high bits << 1) | sticky is exact. It is built with the general integer path
# (`convert.f32_lut`) and tested against the golden model.


def _min_discarded(fmt) -> int:
    return 23 - fmt.man_bits if isinstance(fmt, FloatFormat) else 23 - (fmt.bits - 1)


def lut_exact(fmt, rnd: Rounding, flags: bool = False) -> bool:
    """Whether the lookup table is exact for this target (``flags``: the flags are needed too).

    Exception to the claim above: a float32 *subnormal* input whose top bit is set lies in the
    binade just below 2^-126; for a target with emin = -126 (bf16) after-rounding tininess rounds
    its normalised significand, which discards one bit fewer than s. With s = 16 that is 15 bits,
    all summarised by the sticky bit, so the underflow flag is not a function of the index there.
    """
    if rnd.mode.stochastic:
        return False
    if isinstance(fmt, FloatFormat) and fmt.width > 16:
        return False
    if flags and isinstance(fmt, FloatFormat) and fmt.emin <= -126 and _min_discarded(fmt) < 18:
        return False
    return _min_discarded(fmt) >= 16


def lut_low_bits(fmt) -> int:
    """How many low bits the table summarises by one sticky bit (16 or 15)."""
    return 16 if _min_discarded(fmt) >= 17 else 15


def lut_index(u: np.ndarray, low: int = 16) -> np.ndarray:
    """(u >> low) << 1 | (u & (2^low - 1) != 0) in a few in-place uint32 passes."""
    if low == 16:
        i = u & np.uint32(0x7FFF)
        i += np.uint32(0x7FFF)  # bit 15 set iff the low 15 bits are nonzero
        i |= u  # ... so bit 15 is now "low 16 bits nonzero"
        i >>= np.uint32(15)
        return i
    i = u & np.uint32(0x7FFF)
    i += np.uint32(0x7FFF)
    i >>= np.uint32(15)  # low 15 bits nonzero
    hi = u >> np.uint32(15)
    hi <<= np.uint32(1)
    hi |= i
    return hi


__all__ = ["supports", "quantize_f32_kernel", "lut_exact", "lut_index", "lut_low_bits", "NUMPY_OPS"]
