"""bf16 add/sub/mul/div in stochastic rounding (SR-A/B/C, any N) by one float32 operation and
integer arithmetic on its bit pattern.

A bf16 code shifted left by 16 is the bit pattern of its float32 value (exact). Per element, with
``s = RN24(a op b)`` (numpy float32) and ``u`` its bit pattern:

* the exact result is ``|x| = |s| + E``; for a product ``E = 0`` (8-bit significands give <= 16
  bits), for a sum ``E`` is the float32 TwoSum error (exact), for a quotient ``E = r*sign(a)/|b|`` with the
  remainder ``r = a - s*b`` exact in float64. Where ``E < 0`` the pattern steps one code down
  (``u' = u - 1``), so that ``|x| = |s'| + phi*ulp32(s')`` with ``0 <= phi < 1`` (phi = 0 iff exact);
* bf16's quantum is ``2^16 ulp32`` (bf16 values are float32 patterns with a zero low half,
  subnormals included), so ``nu * 2^16 = L + phi`` with ``L = u' & 0xFFFF``, and the mode's
  decision is ``L + bias(R) + carry >= 2^16``: the code is ``(u' + bias + carry) >> 16``.
  ``bias`` depends on R alone (`sr_bias`). ``carry`` is 0 where ``phi = 0``; where ``phi > 0`` it
  is ``R & 1`` for SR-C with N <= 15 (the sticky bit undoes the tie term), 0 for the other modes
  with N <= 15 (and SR-A N = 16), and for larger N one exact float64 comparison of the low
  ``N - 16`` bits of R with phi (`carry`).

The derivation is in ``docs/fast.md`` ("bf16 add/sub/mul/div in stochastic rounding"). The *rare
set* is redone by the caller (`arith`, the int64 datapath): non-finite ``s`` or TwoSum error (overflow,
Inf/NaN operands) and, for products and quotients, ``|s| <= 2^-126`` (float32 may have rounded
below its normal range) except where an operand is +-0 and ``s`` is not NaN (exact).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..formats import FloatFormat, Format, Overflow, Specials
from ..rounding import Env, Mode, Rounding
from .operands import codes16
from .scratch import Scratch

OPS = ("add", "sub", "mul", "div")
MODES = (Mode.SR_A, Mode.SR_B, Mode.SR_C)
MAX_NBITS = 64  # every N the modes allow
MAX_DIV_NBITS = 60  # div: (2P+1)*|b| must be exact in float64 (j + 1 + 8 <= 53, j = N - 16)
CHUNK = 1 << 16
BLOCK = 1 << 13  # inexact elements per `carry` call: its temporaries (<= 64 kB) stay off fresh mmap pages
_SIXTEEN = np.uint32(16)
_SIGN32 = np.uint32(0x80000000)
_TINY_LO = np.uint32(0x01000001)  # (u << 1) < this: |s| <= 2^-126
_NONFINITE = np.uint32(0xFF000000)  # (u << 1) >= this: Inf or NaN
_TINY_SHIFT = np.uint32(0x01000000)
_TINY_TOP = np.uint32(0x02000000)
_FEW = 32  # rare candidates per chunk pruned on their index list; more: on the whole chunk
_OPS = {"add": np.add, "sub": np.add, "mul": np.multiply, "div": np.divide}


def _is_bf16(fmt: Format) -> bool:
    return isinstance(fmt, FloatFormat) and (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials, fmt.signed,
                                             fmt.subnormals, fmt.width) == (8, 7, 127, Specials.IEEE, True, True, 16)


@lru_cache(maxsize=1024)
def applies(op: str, fmt: Format, env: Env, out: Format | None = None, with_flags: bool = False) -> bool:
    """Whether `rounded` covers ``op`` on bf16 codes into bf16 under ``env`` (SR-A/B/C, IEEE
    overflow, no flags; div N <= 60)."""
    out = fmt if out is None else out
    rnd = env.rounding
    return (op in OPS and not with_flags and fmt == out and _is_bf16(fmt) and rnd.mode in MODES
            and rnd.nbits <= (MAX_DIV_NBITS if op == "div" else MAX_NBITS)
            and env.overflow_for(out) is Overflow.IEEE)


def needs_carry(rnd: Rounding) -> bool:
    """Whether an inexact element's decision reads phi beyond its sign and sticky: SR-A with
    N > 16, SR-B/SR-C with N >= 16."""
    return rnd.nbits > 16 if rnd.mode is Mode.SR_A else rnd.nbits >= 16


def sr_bias(r: np.ndarray, rnd: Rounding, out: np.ndarray | None = None,
            scratch: np.ndarray | None = None) -> np.ndarray:
    """uint32 ``bias(R) < 2^16``: an exact residual ``nu = L/2^16`` rounds up iff ``L + bias >= 2^16``.

    SR-A ``R << (16-N)``; SR-B ``(2R+1) << (15-N)``; SR-C the same minus ``R & 1`` (a tie of
    RNITE goes up iff ``2^N - R`` is even); for N >= 16 (SR-B/C) or N > 16 (SR-A) ``R >> (N-16)``
    (an exact nu has 16 bits: only R's top 16 bits count). ``r`` holds R as int64 (or uint64);
    ``scratch`` (uint32, like ``out``) avoids a temporary for SR-C."""
    n = rnd.nbits
    if out is None:
        out = np.empty(r.shape, np.uint32)
    if n >= 16 and (n > 16 or rnd.mode is not Mode.SR_A):
        np.right_shift(r.view(np.uint64), np.uint64(n - 16), out=out, casting="unsafe")
        return out
    np.copyto(out, r, casting="unsafe")  # R < 2^N <= 2^16
    if rnd.mode is Mode.SR_A:
        np.left_shift(out, np.uint32(16 - n), out=out)
        return out
    odd = None
    if rnd.mode is Mode.SR_C:
        odd = np.bitwise_and(out, np.uint32(1), out=scratch)
    np.left_shift(out, np.uint32(1), out=out)
    np.bitwise_or(out, np.uint32(1), out=out)
    np.left_shift(out, np.uint32(15 - n), out=out)
    if odd is not None:
        np.subtract(out, odd, out=out)
    return out


def carry(rnd: Rounding, r: np.ndarray, below: np.ndarray, g: np.ndarray, scale: np.ndarray | None = None):
    """0/1 per inexact element: the mode's decision on ``phi`` with the low ``j = N - 16`` bits of R
    (needed where ``L + (R >> j) = 2^16 - 1``; elsewhere any 0/1 is right).

    ``g`` (float64) is ``E * 2^j / ulp32(s')`` for sums (exact: a power-of-two scaling); for quotients
    ``scale = |b|`` and ``g = r' * 2^j / ulp32(s')`` with ``E = r'/|b|``. With ``P = Rl - 2^j [E >= 0]``
    (|P| < 2^j, exact in float64): SR-A ``P + G >= 0``, SR-B ``2P + 1 + 2G >= 0``, SR-C ``> 0`` or
    ``= 0`` and R even (G = g / scale; compared as ``P*scale >= -g``, products exact)."""
    j = rnd.nbits - 16
    ru = r.view(np.uint64)
    rl = (ru & np.uint64((1 << j) - 1)).astype(np.int64)
    p = rl - (np.logical_not(below).astype(np.int64) << j)
    if rnd.mode is Mode.SR_A:
        lhs, rhs = p.astype(np.float64), -g
    else:
        lhs, rhs = (2 * p + 1).astype(np.float64), -2 * g
    if scale is not None:
        lhs = lhs * scale
    up = lhs >= rhs
    if rnd.mode is Mode.SR_C:
        up = (lhs > rhs) | ((lhs == rhs) & ((ru & np.uint64(1)) == 0))
    return up.view(np.uint8).astype(np.uint32)


def _scratch(n: int) -> Scratch:
    u32, f32, f64 = np.uint32, np.float32, np.float64
    return Scratch(n, a=u32, b=u32, s=f32, e=f32, f=f32, t=u32, bias=u32, w=u32, d1=f64, d2=f64,
                   m1=bool, m2=bool, m3=bool, m4=bool, h1=np.uint16, h2=np.uint16)


def _tiny_candidates(u: np.ndarray, sc: Scratch, a16: np.ndarray, b16: np.ndarray) -> np.ndarray | None:
    """Local indices with ``|s| <= 2^-126`` or non-finite ``s``, without those whose ``s`` is exact
    because an operand is +-0 (``0*y``, ``0/y``, ``y/0``) unless ``s`` is NaN. Many candidates
    (sparse data: ReLU outputs, masks) are pruned on the whole chunk, a few on their index list."""
    t = sc.t
    np.left_shift(u, np.uint32(1), out=t)
    if t.min() >= _TINY_LO and t.max() < _NONFINITE:
        return None
    np.add(t, _TINY_SHIFT, out=t)
    np.less_equal(t, _TINY_TOP, out=sc.m1)
    if np.count_nonzero(sc.m1) > _FEW:
        np.left_shift(a16, 1, out=sc.h1)  # uint16: the sign drops out, 0 iff +-0
        np.left_shift(b16, 1, out=sc.h2)
        np.minimum(sc.h1, sc.h2, out=sc.h1)
        np.equal(sc.h1, 0, out=sc.m2)  # a zero operand
        np.not_equal(sc.s, sc.s, out=sc.m3)  # NaN
        np.greater(sc.m2, sc.m3, out=sc.m2)  # a zero operand and s not NaN: exact
        np.greater(sc.m1, sc.m2, out=sc.m1)
        return np.flatnonzero(sc.m1)
    idx = np.flatnonzero(sc.m1)
    keep = (np.left_shift(sc.a[idx], 1) != 0) & (np.left_shift(sc.b[idx], 1) != 0)
    keep |= np.isnan(sc.s[idx])
    return idx[keep]


def _fix_inexact(u: np.ndarray, sc: Scratch, rnd: Rounding, r: np.ndarray, sticky: np.ndarray,
                 below: np.ndarray, g_of) -> np.ndarray:
    """``u'`` (in ``sc.t``) and ``sc.bias`` adjusted for the inexact elements (``sticky``), given
    ``below`` (E < 0, a subset). ``g_of(idx, ef)`` gives (g, scale) for `carry` on index list."""
    up = sc.t
    np.subtract(u, below.view(np.uint8), out=up, casting="unsafe")
    if rnd.mode is Mode.SR_C and rnd.nbits <= 15:  # the sticky bit undoes the tie rule's - (R & 1)
        np.bitwise_and(r, 1, out=sc.w, casting="unsafe")
        np.bitwise_and(sc.w, sticky.view(np.uint8), out=sc.w, casting="unsafe")
        np.add(sc.bias, sc.w, out=sc.bias)
    elif needs_carry(rnd):
        if 4 * np.count_nonzero(sticky) > sticky.size:  # dense (quotients): blocks of the chunk
            sels = [slice(lo, lo + BLOCK) for lo in range(0, sticky.size, BLOCK)]
        else:  # sparse (sums): blocks of the index list
            every = np.flatnonzero(sticky)
            sels = [every[lo:lo + BLOCK] for lo in range(0, every.size, BLOCK)]
        for sel in sels:
            ef = ((up[sel] >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int32)
            g, scale = g_of(sel, ef)
            c = carry(rnd, r[sel], below[sel], g, scale)
            if isinstance(sel, slice):
                c &= sticky[sel]
            sc.bias[sel] += c
    return up


def _g_sum(eb: np.ndarray, u: np.ndarray, j: int):
    """`carry`'s (g, scale) for sums: ``E * 2^j / ulp32(s')`` with ``E = e * sign(s)`` (exact)."""
    def g_of(sel, ef):
        ev = (eb[sel] ^ (u[sel] & _SIGN32)).view(np.float32)
        return np.ldexp(ev.astype(np.float64), np.int32(j + 150) - ef), None
    return g_of


def _chunk(op: str, a16, b16, rnd: Rounding, r: np.ndarray, sc: Scratch, code: np.ndarray):
    """Codes of one chunk into ``code``; returns the local indices of the rare set (or None)."""
    np.left_shift(a16, _SIXTEEN, out=sc.a, casting="unsafe")
    np.left_shift(b16, _SIXTEEN, out=sc.b, casting="unsafe")
    if op == "sub":
        np.bitwise_xor(sc.b, _SIGN32, out=sc.b)
    fa, fb = sc.a.view(np.float32), sc.b.view(np.float32)
    u = sc.s.view(np.uint32)
    with np.errstate(all="ignore"):
        _OPS[op](fa, fb, out=sc.s)
    sr_bias(r, rnd, out=sc.bias, scratch=sc.w)
    j = rnd.nbits - 16
    rare = few = None
    base = u
    if op in ("add", "sub"):
        e, f = sc.e, sc.f
        with np.errstate(all="ignore"):  # TwoSum (Knuth): e = x - s exactly unless something overflows
            np.subtract(sc.s, fa, out=f)  # bb
            np.subtract(sc.s, f, out=e)  # s - bb
            np.subtract(fa, e, out=e)  # a - (s - bb)
            np.subtract(fb, f, out=f)  # b - bb
            np.add(e, f, out=e)
            total = np.add.reduce(e)
        if not np.isfinite(total):
            np.isfinite(e, out=sc.m1)
            rare = np.flatnonzero(~sc.m1)
            e[rare] = 0
        np.not_equal(e, 0, out=sc.m1)  # inexact
        count = np.count_nonzero(sc.m1)
        if count > _FEW:  # many (weight updates): on the whole chunk
            eb = e.view(np.uint32)
            np.bitwise_xor(eb, u, out=sc.t)
            np.right_shift(sc.t, np.uint32(31), out=sc.t)
            np.logical_and(sc.t, sc.m1, out=sc.m2)  # E < 0: e's sign differs from s's
            base = _fix_inexact(u, sc, rnd, r, sc.m1, sc.m2, _g_sum(eb, u, j))
        elif count:  # a few: the same steps on their index list, after the exact ones
            few = np.flatnonzero(sc.m1)
    else:
        rare = _tiny_candidates(u, sc, a16, b16)
        if op == "div":
            rem = sc.d2
            np.copyto(sc.d1, fa)
            np.copyto(rem, sc.s)
            with np.errstate(all="ignore"):
                np.multiply(rem, fb, out=rem)
                np.subtract(sc.d1, rem, out=rem)  # r = a - s*b: exact for normal quotients
            np.greater(rem, 0, out=sc.m1)  # NaN (x/0, Inf operands): neither > 0 nor < 0
            np.less(rem, 0, out=sc.m4)
            np.signbit(fa, out=sc.m3)
            np.logical_and(sc.m3, sc.m1, out=sc.m2)  # E < 0: a < 0 and r > 0, or a > 0 and r < 0
            np.greater(sc.m4, sc.m3, out=sc.m4)
            np.logical_or(sc.m2, sc.m4, out=sc.m2)
            np.less(rem, 0, out=sc.m4)
            np.logical_or(sc.m1, sc.m4, out=sc.m1)  # inexact

            def g_div(sel, ef):
                sa = (sc.a[sel] & _SIGN32).astype(np.uint64) << np.uint64(32)
                rv = (rem[sel].view(np.uint64) ^ sa).view(np.float64)  # r' = r * sign(a) = |b| * E
                return np.ldexp(rv, np.int32(j + 150) - ef), np.abs(fb[sel]).astype(np.float64)

            if sc.m1.any():
                base = _fix_inexact(u, sc, rnd, r, sc.m1, sc.m2, g_div)
    np.add(base, sc.bias, out=sc.t)
    np.right_shift(sc.t, _SIXTEEN, out=code, casting="unsafe")
    if few is not None:
        sub = _scratch(few.size)
        eb, us = sc.e.view(np.uint32)[few], u[few]
        np.copyto(sub.bias, sc.bias[few])
        sticky = np.ones(few.size, bool)
        below = ((eb ^ us) >> np.uint32(31)).astype(bool)
        up = _fix_inexact(us, sub, rnd, r[few], sticky, below, _g_sum(eb, us, j))
        code[few] = (up + sub.bias) >> _SIXTEEN
    return rare


def rounded(op: str, a: np.ndarray, b: np.ndarray, fmt: FloatFormat, rnd: Rounding,
            r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, rare): uint16 codes of ``op`` on bf16 code arrays (flat, one size) rounded with
    the random bits ``r`` (flat int64, `arith.random_bits_for`), and the sorted indices of the
    rare set, which the caller recomputes exactly; outside it the codes are golden's."""
    a, b = codes16(a, fmt), codes16(b, fmt)
    r = np.ascontiguousarray(np.broadcast_to(r, a.shape)).reshape(-1)
    size = a.size
    code = np.empty(size, np.uint16)
    sc = _scratch(min(size, CHUNK))
    rare = []
    with np.errstate(all="ignore"):  # NaN/Inf operands and overflows: in the rare set
        for lo in range(0, size, CHUNK):
            hi = min(lo + CHUNK, size)
            idx = _chunk(op, a[lo:hi], b[lo:hi], rnd, r[lo:hi], sc.cut(hi - lo), code[lo:hi])
            if idx is not None and idx.size:
                rare.append(idx + lo)
    return code, (np.concatenate(rare) if rare else np.empty(0, np.intp))


__all__ = ["applies", "rounded", "sr_bias", "carry", "needs_carry", "OPS", "MODES", "MAX_NBITS",
           "MAX_DIV_NBITS", "CHUNK"]
