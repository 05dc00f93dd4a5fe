"""Wide float formats (precision > 24, e.g. f64): the same datapaths on Python integers, per element.

Used by `fpverify.fast.arith` where the int64 datapaths do not reach. Every operation computes an
exact integer result (add, sub, mul, fma: exact sums and products of unbounded integers; div
and sqrt: a quotient or root with at least p + G + 3 bits, remainder jammed into bit 0, the
same sticky contract as `fast.round_pack`), then one scalar round-and-pack that reads the
shared per-mode decision (`fpverify.semantics.rounding_rules.round_away`). No Fraction, no
golden code: a few microseconds per element instead of ~40.
"""

from __future__ import annotations

from math import isqrt

import numpy as np

from ..formats import FloatFormat, Specials
from ..rounding import Env, Flags, Mode, Rounding, Tininess
from ..semantics import overflow as overflow_rules
from ..semantics.modes import STOCHASTIC_MODES
from ..semantics.rounding_rules import decision_bits, round_away
from ..semantics.specials import inf_into, nan_into
from .specials import code_dtype

INEXACT, UNDERFLOW, OVERFLOW = int(Flags.INEXACT), int(Flags.UNDERFLOW), int(Flags.OVERFLOW)
INFINITE, INVALID, SATURATED = int(Flags.INFINITE), int(Flags.INVALID), int(Flags.SATURATED)
FINITE, INF, NAN = 0, 1, 2


def supports(fmt, out) -> bool:
    """Float operands, and a float result format with subnormals (or precision 1)."""
    return (isinstance(fmt, FloatFormat) and isinstance(out, FloatFormat)
            and (out.subnormals or out.man_bits == 0))


class _Layout:
    """Per-format constants, read once."""

    def __init__(self, fmt: FloatFormat) -> None:
        self.fmt = fmt
        self.m, self.bias, self.p, self.emin = fmt.man_bits, fmt.bias, fmt.precision, fmt.emin
        self.signed, self.sign_bit, self.mag_mask = fmt.signed, fmt.sign_bit, fmt.mag_mask
        self.exp_mask, self.specials, self.subnormals = fmt.exp_mask, fmt.specials, fmt.subnormals
        self.nan_code = fmt.nan_code() if fmt.has_nan else None
        self.inf_codes = set()
        if fmt.specials is Specials.P3109_E:
            self.inf_codes = {fmt.inf_code(0)} | ({fmt.inf_code(1)} if fmt.signed else set())
        _, self.msig, self.mexp = fmt.finite_parts(fmt.max_code)
        self.max_code = fmt.max_code
        self.bits = fmt.bits

    def unpack(self, c: int):
        """(class, neg, sig, exp, signalling)."""
        if c < 0 or c >> self.bits:
            raise ValueError(f"code {c:#x} out of range for {self.fmt.name}")
        neg = bool(self.signed and c & self.sign_bit)
        mag = c & self.mag_mask
        ef, t = mag >> self.m, mag & ((1 << self.m) - 1)
        sp = self.specials
        if sp is Specials.IEEE:
            if ef == self.exp_mask:
                return (NAN, neg, 0, 0, not (t >> (self.m - 1)) & 1) if t else (INF, neg, 0, 0, False)
        elif sp is Specials.FN:
            if mag == self.mag_mask:
                return NAN, neg, 0, 0, False
        elif sp is not Specials.NONE:
            if c == self.nan_code:
                return NAN, neg, 0, 0, False
            if c in self.inf_codes:
                return INF, neg, 0, 0, False
        if self.subnormals and ef == 0:
            return FINITE, neg, t, 1 - self.bias - self.m, False
        return FINITE, neg, t | (1 << self.m), ef - self.bias - self.m, False


def _round_at(x: int, e_x: int, q: int, neg: bool, lay: _Layout, rnd: Rounding, r: int):
    """Round x·2^e_x to a multiple of 2^q: (S, inexact)."""
    sh = q - e_x
    if sh <= 0:
        return x << -sh, False
    s0 = x >> sh
    rem = x - (s0 << sh)
    if not rem:
        return s0, False
    odd = bool(s0 & 1) if lay.p > 1 else bool(s0 & 1) and (q + lay.bias) & 1 == 1
    mode = rnd.mode
    if mode in STOCHASTIC_MODES:
        return s0 + _stochastic(rem, sh, rnd, r), True
    half = rem >> (sh - 1)
    below = rem & ((1 << (sh - 1)) - 1) != 0
    return s0 + round_away(mode, neg, odd, bool(half), below), True


def _stochastic(rem: int, sh: int, rnd: Rounding, r: int) -> bool:
    """The SR-A/B/C comparison on the residual rem / 2^sh."""
    n = rnd.nbits
    if rnd.mode is Mode.SR_B:
        n, r = n + 1, 2 * r + 1
    if rnd.mode is Mode.SR_C:
        t = rem >> (sh - n - 1) if sh > n + 1 else rem << (n + 1 - sh)
        exact_t = sh <= n + 1 or rem & ((1 << (sh - n - 1)) - 1) == 0
        v = t >> 1
        if t & 1 and (not exact_t or v & 1):
            v += 1
        return v + r >= (1 << n)
    frac = rem >> (sh - n) if sh >= n else rem << (n - sh)
    return frac + r >= (1 << n)


def round_pack(neg: bool, x: int, e_x: int, lay: _Layout, env: Env, r: int) -> tuple[int, int]:
    """(code, flags) of the nonzero value (neg, x, e_x) under the sticky contract."""
    rnd = env.rounding
    fmt = lay.fmt
    p, m, emin = lay.p, lay.m, lay.emin
    e = e_x + x.bit_length() - 1
    q = max(e, emin) - m
    s, inexact = _round_at(x, e_x, q, neg, lay, rnd, r)
    if s >> p:
        s >>= 1
        q += 1
    flags = INEXACT if inexact else 0
    if e < emin and inexact:
        tiny = True
        if env.tininess is Tininess.AFTER and e == emin - 1:
            su, _ = _round_at(x, e_x, e - m, neg, lay, rnd, r)
            tiny = not su >> p
        if tiny:
            flags |= UNDERFLOW
    if neg and not lay.signed:
        if s == 0 or overflow_rules.negative_to_zero(rnd.mode, env.overflow_for(fmt)):
            if fmt.has_zero:
                return 0, flags | (SATURATED if s else 0)
        return lay.nan_code, (flags & ~INEXACT) | INVALID
    if s == 0:
        return zero(neg, lay), flags if fmt.has_zero else INVALID
    if q > lay.mexp or (q == lay.mexp and s > lay.msig):
        policy = env.overflow_for(fmt)
        to_max = overflow_rules.rounds_to_max(rnd.mode, policy, neg)
        code, saturated = overflow_rules.overflow_code(fmt, policy, int(neg), to_max)
        return code, flags | OVERFLOW | INEXACT | (SATURATED if saturated else 0)
    sign = lay.sign_bit if neg else 0
    if s >> m:
        return sign | ((q + m + lay.bias) << m) | (s - (1 << m)), flags
    return sign | s, flags


def zero(neg: bool, lay: _Layout) -> int:
    fmt = lay.fmt
    if not fmt.has_zero:
        return lay.nan_code
    return lay.sign_bit if (neg and fmt.has_neg_zero) else 0


def _nan(lay: _Layout, env: Env, invalid: bool) -> tuple[int, int]:
    got = nan_into(lay.fmt, env.nan_for(lay.fmt))
    if got is None:
        from ..rounding import FPValueError

        raise FPValueError(f"NaN has no encoding in {lay.fmt.name} (nan policy 'error')")
    return got[0], int(got[1]) | (INVALID if invalid else 0)


def _inf(neg: bool, lay: _Layout, env: Env, extra: int = 0) -> tuple[int, int]:
    code, fl = inf_into(lay.fmt, int(neg), env.overflow_for(lay.fmt))
    return code, int(fl) | extra


def _zero_result(neg: bool, lay: _Layout) -> tuple[int, int]:
    return zero(neg, lay), 0 if lay.fmt.has_zero else INVALID


def _sum(n1, x1, e1, n2, x2, e2):
    e = min(e1, e2)
    t = ((-x1 if n1 else x1) << (e1 - e)) + ((-x2 if n2 else x2) << (e2 - e))
    return t < 0, abs(t), e


def _one(op: str, a, b, c, src: _Layout, lay: _Layout, env: Env, r: int, g: int) -> tuple[int, int]:
    rdn = env.rounding.mode is Mode.RDN
    ka, na, xa, ea, sa = src.unpack(a)
    if op == "sqrt":
        if ka == NAN:
            return _nan(lay, env, sa)
        if ka == FINITE and xa == 0:
            return _zero_result(na, lay)
        if na:
            return _nan(lay, env, True)
        if ka == INF:
            return _inf(False, lay, env)
        bits = 2 * (lay.p + g + 3)
        k = max(0, bits - xa.bit_length())
        k += (ea - k) & 1
        mm = xa << k
        root = isqrt(mm)
        return round_pack(False, root | (root * root != mm), (ea - k) >> 1, lay, env, r)
    kb, nb, xb, eb, sb = src.unpack(b)
    if op == "sub":
        nb = not nb
    if op in ("add", "sub"):
        if ka == NAN or kb == NAN:
            return _nan(lay, env, sa or sb)
        if ka == INF or kb == INF:
            if ka == INF and kb == INF and na != nb:
                return _nan(lay, env, True)
            return _inf(na if ka == INF else nb, lay, env)
        neg, x, e = _sum(na, xa, ea, nb, xb, eb)
        if x == 0:
            return _zero_result(na if (xa == 0 and xb == 0 and na == nb) else rdn, lay)
        return round_pack(neg, x, e, lay, env, r)
    neg = na != nb
    if op == "mul":
        if ka == NAN or kb == NAN:
            return _nan(lay, env, sa or sb)
        if ka == INF or kb == INF:
            if (ka == FINITE and xa == 0) or (kb == FINITE and xb == 0):
                return _nan(lay, env, True)
            return _inf(neg, lay, env)
        if xa == 0 or xb == 0:
            return _zero_result(neg, lay)
        return round_pack(neg, xa * xb, ea + eb, lay, env, r)
    if op == "div":
        if ka == NAN or kb == NAN:
            return _nan(lay, env, sa or sb)
        if ka == INF:
            return _nan(lay, env, True) if kb == INF else _inf(neg, lay, env)
        if kb == INF:
            return _zero_result(neg, lay)
        if xb == 0:
            return _nan(lay, env, True) if xa == 0 else _inf(neg, lay, env, INFINITE)
        if xa == 0:
            return _zero_result(neg, lay)
        k = max(0, lay.p + g + 3 + xb.bit_length() - xa.bit_length())
        qt, rm = divmod(xa << k, xb)
        return round_pack(neg, qt | (rm != 0), ea - eb - k, lay, env, r)
    # fma
    kc, nc, xc, ec, sc = src.unpack(c)
    zero_inf = (ka == INF and kb == FINITE and xb == 0) or (kb == INF and ka == FINITE and xa == 0)
    if zero_inf and not (ka == NAN or kb == NAN):
        return _nan(lay, env, True)
    if NAN in (ka, kb, kc):
        return _nan(lay, env, sa or sb or sc)
    if ka == INF or kb == INF:
        if kc == INF and nc != neg:
            return _nan(lay, env, True)
        return _inf(neg, lay, env)
    if kc == INF:
        return _inf(nc, lay, env)
    p = xa * xb
    s_neg, x, e = _sum(neg, p, ea + eb, nc, xc, ec)
    if x == 0:
        return _zero_result(neg if (p == 0 and xc == 0 and neg == nc) else rdn, lay)
    return round_pack(s_neg, x, e, lay, env, r)


def apply(op: str, arrays, fmt: FloatFormat, env: Env, out: FloatFormat, r_bits=0):
    """(codes, flags) arrays of ``op`` on broadcast code arrays, element by element."""
    src, lay = _Layout(fmt), _Layout(out)
    shape = arrays[0].shape
    cols = [np.asarray(a).reshape(-1).tolist() for a in arrays]
    while len(cols) < 3:
        cols.append([0] * len(cols[0]))
    rb = np.broadcast_to(r_bits, shape).reshape(-1).tolist() if np.ndim(r_bits) else [int(r_bits)] * len(cols[0])
    g = decision_bits(env.rounding.mode, env.rounding.nbits)
    res = [_one(op, a, b, c, src, lay, env, r, g) for a, b, c, r in zip(*cols, rb)]
    codes = np.array([x[0] for x in res], dtype=code_dtype(out)).reshape(shape)
    flags = np.array([x[1] for x in res], dtype=np.uint8).reshape(shape)
    return codes, flags


__all__ = ["apply", "supports", "round_pack"]
