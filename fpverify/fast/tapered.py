"""Vectorised quantisation into a tapered format (HiF8): a neighbour search on the value grid.

This datapath shares nothing with the golden kernel but the per-mode decision rule
(`semantics.rounding_rules`) and the overflow/special tables. For each |x| it finds the two
neighbours ``lo <= |x| < hi`` on the sorted grid of the format's non-negative finite values,
continued by the Inf code's place (the would-be 1.5·2^15), and reads the residual
``nu = (|x| - lo) / (hi - lo)``. The float64 arithmetic is exact: ``lo`` lies in |x|'s binade
or is 0 (Sterbenz: the difference is exact), ``hi - lo`` is a power of two, and scaling by
powers of two cannot round at these magnitudes (|x| >= 2^-1074, hi - lo in [2^-22, 2^14]).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..rounding import Env, Flags, Tininess
from ..semantics import overflow as overflow_rules
from ..semantics.rounding_rules import round_away
from ..tapered import TaperedFormat
from .kernels import NUMPY_OPS
from .specials import inf_result, nan_result

INEXACT, UNDERFLOW, OVERFLOW = int(Flags.INEXACT), int(Flags.UNDERFLOW), int(Flags.OVERFLOW)
SATURATED = int(Flags.SATURATED)


@lru_cache(maxsize=None)
def grid(fmt: TaperedFormat) -> tuple[np.ndarray, np.ndarray]:
    """(values, codes): the non-negative finite values ascending, then the Inf place (code -1)."""
    pairs = sorted((float(fmt.value(c)), c) for c in range(fmt.sign_bit)
                   if not fmt.is_special(c))
    _, sig, exp = fmt.finite_parts(fmt.inf_code(0))
    vals = np.array([v for v, _ in pairs] + [float(sig * 2.0 ** exp)], dtype=np.float64)
    codes = np.array([c for _, c in pairs] + [-1], dtype=np.int64)
    vals.setflags(write=False)
    codes.setflags(write=False)
    return vals, codes


def _decide(a, lo, hi, odd, neg, rnd, r_bits):
    """Round away from ``lo`` toward ``hi``? (the inexact elements matter; exact ones give False)."""
    with np.errstate(over="ignore", invalid="ignore"):
        nu = (a - lo) / (hi - lo)
    nu = np.where(nu < 1.0, nu, 0.0)  # elements beyond the grid overflow whatever is decided here
    twice = nu * 2.0
    half = twice >= 1.0
    below = twice != np.floor(twice)
    stochastic = None
    if rnd.mode.stochastic:
        n = rnd.nbits
        r = np.asarray(r_bits, dtype=np.int64)
        if rnd.mode.value == "sra":
            stochastic = np.floor(np.ldexp(nu, n)).astype(np.int64) + r >= (np.int64(1) << n)
        elif rnd.mode.value == "srb":
            f = np.floor(np.ldexp(nu, n + 1)).astype(np.int64)
            stochastic = f + 2 * r + 1 >= (np.int64(1) << (n + 1))
        else:  # SR-C: round nu 2^N to nearest, ties to even
            t = np.ldexp(nu, n)
            v = np.floor(t)
            frac = t - v
            v = v + ((frac > 0.5) | ((frac == 0.5) & (np.fmod(v, 2.0) == 1.0)))
            stochastic = v.astype(np.int64) + r >= (np.int64(1) << n)
        stochastic = stochastic & (nu > 0)
    return round_away(rnd.mode, neg, odd, half, below, stochastic, NUMPY_OPS)


def quantize_tapered(x: np.ndarray, fmt: TaperedFormat, env: Env, r_bits, with_flags: bool):
    """Codes (and flags) of a float64 array rounded into ``fmt``; bit-exact with golden.convert."""
    vals, codes = grid(fmt)
    rnd = env.rounding
    with np.errstate(invalid="ignore"):  # widening a signalling NaN quiets it (flagged by the caller)
        x = np.asarray(x, dtype=np.float64)
    neg = np.signbit(x)
    a = np.abs(x)
    nan = np.isnan(x)
    inf = np.isinf(x)
    top = len(vals) - 1  # the Inf place: reaching it is an overflow
    finite = ~(nan | inf)
    a_f = np.where(finite, a, 0.0)
    i = np.clip(np.searchsorted(vals, a_f, side="right") - 1, 0, top - 1)
    lo, hi = vals[i], vals[i + 1]
    beyond = a_f >= vals[top]
    exact = (a_f == lo) | beyond & (a_f == vals[top])
    odd = (codes[i] & 1) == 1
    away = _decide(a_f, lo, hi, odd, neg, rnd, r_bits) & ~exact
    j = i + away.astype(np.int64)
    over = finite & (beyond | (j == top))
    code = np.where(codes[j] < 0, 0, codes[j])
    code = np.where((code != 0) & neg, code | fmt.sign_bit, code)
    inexact = finite & ~((a_f == lo) & ~beyond)
    flags = np.where(inexact, INEXACT, 0).astype(np.int64)
    # tininess: below 2^emin, unless rounding at the smallest normal binade's precision reaches it
    emin = 2.0 ** fmt.emin
    tiny = finite & (a_f < emin) & (a_f > 0)
    if env.tininess is Tininess.AFTER:
        pn = fmt.binade_precision(fmt.emin)
        below_top = emin - 2.0 ** (fmt.emin - pn)  # the largest value of that precision below 2^emin
        cand = tiny & (a_f > below_top)
        up = _decide(a_f, below_top, emin, np.ones_like(cand), neg, rnd, r_bits)  # its significand is odd
        tiny &= ~(cand & up)
    flags |= np.where(tiny & inexact, UNDERFLOW, 0)
    if over.any():
        policy = env.overflow_for(fmt)
        to_max = np.broadcast_to(overflow_rules.rounds_to_max(rnd.mode, policy, neg, NUMPY_OPS), x.shape)
        pos_code, pos_sat = overflow_rules.overflow_code(fmt, policy, 0, False)
        neg_code, neg_sat = overflow_rules.overflow_code(fmt, policy, 1, False)
        to_max = to_max | np.where(neg, neg_sat, pos_sat)
        max_codes = np.where(neg, overflow_rules.max_code(fmt, 1), overflow_rules.max_code(fmt, 0))
        code = np.where(over, np.where(to_max, max_codes, np.where(neg, neg_code, pos_code)), code)
        flags |= np.where(over, OVERFLOW | INEXACT, 0) | np.where(over & to_max, SATURATED, 0)
    if nan.any():
        nan_code, nan_flags = nan_result(fmt, env)
        code = np.where(nan, nan_code, code)
        flags = np.where(nan, nan_flags, flags)
    if inf.any():
        inf_code, inf_flags = inf_result(neg, fmt, env)
        code = np.where(inf, inf_code, code)
        flags = np.where(inf, inf_flags, flags)
    code = code.astype(np.uint8)
    return (code, flags.astype(np.uint8)) if with_flags else code


__all__ = ["quantize_tapered", "grid"]
