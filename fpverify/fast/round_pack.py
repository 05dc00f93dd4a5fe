"""The fast engine's one vectorised round-and-pack, from an exact or round-to-odd integer result.

Every operation hands over ``(neg, X, E)``: int64 arrays with ``0 < X < 2^62`` and a *sticky
contract*: either the magnitude is exactly ``X * 2^E``, or ``X`` is odd and the magnitude lies
strictly between ``(X - 1) * 2^E`` and ``(X + 1) * 2^E`` (``X`` is the exact value rounded to
odd at quantum ``2^E``). Rounding such an ``X`` at a quantum ``2^q`` with ``q - E >= G + 1`` gives
the same result, for every mode, as rounding the exact value: every decision threshold (the half
point, the ``2^-G`` grid of the stochastic comparisons) and every multiple of the quantum is an
even multiple of ``2^E``, so none lies strictly inside ``(X - 1, X + 1)``, and the odd ``X`` is
inexact exactly when the value is. Operations guarantee ``q - E >= G + 1`` by producing at least
``p + G + 2`` significant bits whenever they produce an odd (inexact) ``X``.

The decision per mode is the shared rule (`fpverify.semantics.rounding_rules`) through
`convert.round_shifted`; overflow and special codes come from `fpverify.semantics`.
"""

from __future__ import annotations

import numpy as np

from ..formats import FloatFormat
from ..rounding import Env, Flags, Tininess
from ..semantics import overflow as overflow_rules
from .convert import round_shifted
from .kernels import NUMPY_OPS
from .specials import code_dtype, inf_result, nan_result

INEXACT, UNDERFLOW, OVERFLOW = int(Flags.INEXACT), int(Flags.UNDERFLOW), int(Flags.OVERFLOW)
INFINITE, INVALID, SATURATED = int(Flags.INFINITE), int(Flags.INVALID), int(Flags.SATURATED)
MAX_SHIFT = 60  # shifts beyond this are jammed first (X < 2^62 keeps round_shifted's int64 exact)


def bit_length(x: np.ndarray) -> np.ndarray:
    """Bit length of non-negative int64 values below 2^62 (0 for 0)."""
    _, e = np.frexp(x.astype(np.float64))
    e = e.astype(np.int64)
    # the conversion to float64 may have rounded x up to the next power of two
    return e - ((e > 0) & ((x >> np.maximum(e - 1, 0)) == 0))


def jam(x: np.ndarray, k) -> np.ndarray:
    """Shift right by k >= 0 rounding to odd: ``floor(x / 2^k)`` with the lost bits ORed into bit 0."""
    kc = np.minimum(k, 62)
    t = x >> kc
    return t | ((t << kc) != x)


def _even_override(fmt: FloatFormat, q: np.ndarray):
    """Precision-1 formats: a code counts as even when its exponent field is even (golden's rule)."""
    if fmt.precision > 1:
        return None
    return ((q + fmt.bias) & 1) == 0


def _round_at(x, e_x, q, neg, fmt, rnd, r_bits):
    """Round ``x * 2^e_x`` to a multiple of ``2^q``: (S, inexact)."""
    sh = q - e_x
    sig = np.where(sh < 0, x << np.clip(-sh, 0, 62), x)  # exact: S < 2^p there
    sh = np.maximum(sh, 0)
    far = sh > MAX_SHIFT
    if far.any():
        sig = np.where(far, jam(sig, sh - MAX_SHIFT), sig)
        sh = np.minimum(sh, MAX_SHIFT)
    return round_shifted(sig, sh, neg, rnd, r_bits, _even_override(fmt, q))


def _subset(r_bits, idx):
    return r_bits[idx] if isinstance(r_bits, np.ndarray) and r_bits.ndim else r_bits


def round_pack(neg: np.ndarray, x: np.ndarray, e_x: np.ndarray, fmt: FloatFormat, env: Env, r_bits=0,
               want_flags: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Codes (int64) and flags (int64 or None) of the nonzero values ``(neg, x, e_x)`` in ``fmt``."""
    rnd = env.rounding
    p, m, emin = fmt.precision, fmt.man_bits, fmt.emin
    bl = bit_length(x)
    e = e_x + bl - 1  # floor(log2 |value|) (exact also for an odd X >= 3)
    q = np.maximum(e, emin) - m
    s, inexact = _round_at(x, e_x, q, neg, fmt, rnd, r_bits)
    carry = (s >> p) != 0
    s = np.where(carry, s >> 1, s)
    q = q + carry
    flags = np.where(inexact, INEXACT, 0) if want_flags else None
    if want_flags:
        tiny = (e < emin) & inexact
        if env.tininess is Tininess.AFTER:
            # tiny unless rounding at precision p with unbounded exponent reaches 2^emin
            cand = np.flatnonzero(tiny & (e == emin - 1))
            if cand.size:
                qu = e[cand] - m
                su, _ = _round_at(x[cand], e_x[cand], qu, neg[cand], fmt, rnd, _subset(r_bits, cand))
                tiny[cand] = (su >> p) == 0
        flags = flags | np.where(tiny, UNDERFLOW, 0)
    # pack the finite result
    sign_bits = np.where(neg, fmt.sign_bit, 0) if fmt.signed else 0
    normal = s >= (1 << m)
    code = np.where(normal, ((q + (m + fmt.bias)) << m) | (s - (1 << m)), s) | sign_bits
    # overflow: the rounded magnitude beyond the largest finite value
    _, msig, mexp = fmt.finite_parts(fmt.max_code)
    over = (q > mexp) | ((q == mexp) & (s > msig))
    pre_flags = flags
    if over.any():
        policy = env.overflow_for(fmt)
        to_max = np.broadcast_to(overflow_rules.rounds_to_max(rnd.mode, policy, neg, NUMPY_OPS), neg.shape)
        pos_code, pos_sat = overflow_rules.overflow_code(fmt, policy, 0, False)
        neg_code, neg_sat = overflow_rules.overflow_code(fmt, policy, 1, False) if fmt.signed else (pos_code, pos_sat)
        to_max = to_max | np.where(neg, neg_sat, pos_sat)
        ov_code = np.where(to_max, fmt.max_code | sign_bits, np.where(neg, neg_code, pos_code))
        code = np.where(over, ov_code, code)
        if want_flags:
            flags = flags | np.where(over, OVERFLOW | INEXACT, 0) | np.where(over & to_max, SATURATED, 0)
    # rounded to zero
    zero = s == 0
    if zero.any():
        code = np.where(zero, zero_codes(neg, fmt), code)
        if want_flags and not fmt.has_zero:
            flags = np.where(zero, INVALID, flags)  # no zero to round to (E8M0): NaN, invalid
    if not fmt.signed and neg.any():
        code, flags = _negative_into_unsigned(neg, s, code, flags, pre_flags, fmt, env)
    return code, flags


def zero_codes(neg: np.ndarray, fmt: FloatFormat):
    """Codes of zeros of sign ``neg`` (+0 where the format has no -0; NaN where it has no zero)."""
    if not fmt.has_zero:
        return np.full(np.shape(neg), fmt.nan_code(), np.int64)
    if fmt.has_neg_zero:
        return np.where(neg, fmt.sign_bit, 0)
    return np.zeros(np.shape(neg), np.int64)


def _negative_into_unsigned(neg, s, code, flags, pre_flags, fmt: FloatFormat, env: Env):
    """P3109 SatNone rules 5-6: a negative value into an unsigned format is 0 (saturated) or NaN."""
    keep = overflow_rules.negative_to_zero(env.rounding.mode, env.overflow_for(fmt))
    to_zero = neg & ((s == 0) | keep) & fmt.has_zero
    to_nan = neg & ~to_zero
    code = np.where(to_zero, 0, np.where(to_nan, fmt.nan_code(), code))
    if flags is not None:
        base = pre_flags  # the flags before the overflow step (never reached for these)
        flags = np.where(to_zero, base | np.where(s == 0, 0, SATURATED), flags)
        flags = np.where(to_nan, (base & ~INEXACT) | INVALID, flags)
    return code, flags


def finish(code, flags, fmt: FloatFormat, env: Env, *, nan=None, invalid=None, inf=None, inf_neg=None,
           infinite=None, zero=None, zero_neg=None):
    """Overwrite the special results (masks; precedence NaN > Inf > exact zero) into ``code``/``flags``."""
    if zero is not None and zero.any():
        code = np.where(zero, zero_codes(zero_neg, fmt), code)
        if flags is not None:
            flags = np.where(zero, 0 if fmt.has_zero else INVALID, flags)
    if inf is not None and inf.any():
        inf_code, inf_flags = inf_result(inf_neg, fmt, env)
        code = np.where(inf, inf_code, code)
        if flags is not None:
            extra = np.where(infinite, INFINITE, 0) if infinite is not None else 0
            flags = np.where(inf, inf_flags | extra, flags)
    if nan is not None and nan.any():
        nan_code, nan_flags = nan_result(fmt, env)
        code = np.where(nan, nan_code, code)
        if flags is not None:
            flags = np.where(nan, nan_flags | np.where(invalid, INVALID, 0), flags)
    return code, flags


def as_outputs(code, flags, fmt: FloatFormat, shape, with_flags: bool):
    code = np.asarray(code).astype(code_dtype(fmt)).reshape(shape)
    if not with_flags:
        return code
    return code, np.asarray(flags).astype(np.uint8).reshape(shape)


__all__ = ["round_pack", "finish", "zero_codes", "bit_length", "jam", "as_outputs", "MAX_SHIFT"]
