"""bf16 add/sub/mul/div in RNA, RTZ, RUP, RDN and RTO by one float32 operation and bit rounding.

A bf16 code shifted left by 16 is the bit pattern of its float32 value (exact). Per element:

1. ``s = RN24(a op b)``: the float32 operation (IEEE binary32, RNE, gradual underflow);
2. the mode's rounding applied to the bit pattern ``u`` of ``s`` at bit 16 (magnitude order =
   pattern order, Inf one above the largest finite): RTZ ``u >> 16``; RUP/RDN
   ``(u + inc) >> 16`` with ``inc = 0xFFFF`` where the sign rounds away from zero, else 0; RNA
   ``(u + 0x8000) >> 16``; RTO ``(u >> 16) | (u & 0xFFFF != 0)``.

This equals the mode's rounding of the exact result ``x`` unless ``s != x`` and ``s`` is a
decision point of the mode (a bf16 value; for RNA also a bf16 midpoint): no float32 value lies
strictly between ``x`` and ``s = RN24(x)``, and bf16 values and midpoints are float32 values.
That *rare set* is contained in a set one cheap test finds (proofs in ``docs/fast.md``):

* add/sub: ``s`` bit-equal to an operand (a negligible other operand: exponent gap >= 16), or
  ``s`` not finite (overflow, Inf/NaN operands);
* mul/div: ``|s| <= 2^-126`` (products and quotients are exact or, for a quotient, at least
  2^-16 relative away from every 9-bit value, whenever they are float32-normal) or ``s`` not finite.

The elements of that set are recomputed by the float64 path (`float64_path.apply`) on their index
list; so are NaN results (canonical NaN). Elements with a ±0 operand and a non-NaN ``s`` are
dropped from it first: ``s`` is then exact (``x ± 0``, ``0·y``, ``0/y``, ``y/0 = ±Inf``), and the
bit rounding of an exact ``s`` (±0, ±Inf included) is right.
Under RDN an exact zero sum (``s = +0``; sums of bf16 values never underflow) is -0 unless both
operands are +0 (golden's rule; the float32 sum gives +0 for ``x + (-x)``): set in place.
Chunks of `CHUNK` elements keep the scratch buffers in L2. RNE is not handled here (the float32
operation and ml_dtypes' RNE cast in `float64_path` are already at ml_dtypes' speed).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..formats import FloatFormat, Format, Overflow, Specials
from ..rounding import Env, Mode
from . import float64_path
from .operands import codes16
from .scratch import Scratch

OPS = ("add", "sub", "mul", "div")
MODES = (Mode.RNA, Mode.RTZ, Mode.RUP, Mode.RDN, Mode.RTO)
CHUNK = 1 << 16  # elements per block: four 32-bit scratch arrays and two masks (~1.1 MB) stay near L2
_SIGN32 = np.uint32(0x80000000)
_LOW16 = np.uint32(0xFFFF)
_HALF16 = np.uint32(0x8000)
_SIXTEEN = np.uint32(16)
_TINY_LO = np.uint32(0x01000001)  # (u << 1) of 2^-126, plus one: |s| <= 2^-126 <=> (u << 1) < this
_NONFINITE = np.uint32(0xFF000000)  # (u << 1) >= this: Inf or NaN
_TINY_SHIFT = np.uint32(0x01000000)  # (u << 1) + this (mod 2^32) <= _TINY_TOP: |s| <= 2^-126, Inf, NaN
_TINY_TOP = np.uint32(0x02000000)
_FEW = 32  # rare candidates per chunk pruned on their index list; more: on the whole chunk


def _is_bf16(fmt: Format) -> bool:
    return isinstance(fmt, FloatFormat) and (fmt.exp_bits, fmt.man_bits, fmt.bias, fmt.specials, fmt.signed,
                                             fmt.subnormals, fmt.width) == (8, 7, 127, Specials.IEEE, True, True, 16)


@lru_cache(maxsize=1024)
def applies(op: str, fmt: Format, env: Env, out: Format | None = None, with_flags: bool = False) -> bool:
    """Whether `apply` covers ``op`` on bf16 codes rounded into bf16 under ``env`` (no flags,
    IEEE overflow, modes RNA RTZ RUP RDN RTO)."""
    out = fmt if out is None else out
    return (op in OPS and not with_flags and fmt == out and _is_bf16(fmt)
            and env.rounding.mode in MODES and env.overflow_for(out) is Overflow.IEEE)


def _scratch(n: int) -> Scratch:
    u32, f32 = np.uint32, np.float32
    return Scratch(n, a=u32, b=u32, s=f32, t=u32, h1=np.uint16, h2=np.uint16, m1=bool, m2=bool, m3=bool)


_OPS = {"add": np.add, "sub": np.add, "mul": np.multiply, "div": np.divide}


def _round_bits(u: np.ndarray, t: np.ndarray, mode: Mode, code: np.ndarray) -> None:
    """``code`` (uint16) = the float32 patterns ``u`` rounded at bit 16 in ``mode`` (``t`` scratch)."""
    if mode is Mode.RTZ:
        np.right_shift(u, _SIXTEEN, out=code, casting="unsafe")
        return
    if mode is Mode.RNA:
        np.add(u, _HALF16, out=t)
    elif mode is Mode.RTO:
        np.bitwise_and(u, _LOW16, out=t)
        np.add(t, _LOW16, out=t)  # bit 16 = (low half != 0), nothing above
        np.bitwise_or(t, u, out=t)  # bit 16 of the result is the sticky OR-ed into the truncation
    else:
        i = t.view(np.int32)
        np.right_shift(u.view(np.int32), 31, out=i)  # -1 for negative patterns, else 0
        if mode is Mode.RUP:
            np.invert(i, out=i)  # -1 for positive patterns
        np.right_shift(t, _SIXTEEN, out=t)  # 0xFFFF where the mode rounds the magnitude up
        np.add(t, u, out=t)
    np.right_shift(t, _SIXTEEN, out=code, casting="unsafe")


def _sum_rare(u: np.ndarray, sc: Scratch, a16: np.ndarray, b16: np.ndarray) -> np.ndarray | None:
    """Local indices of sums bit-equal to an operand (a zero operand aside) or not finite."""
    rare = sc.m1
    np.equal(u, sc.a, out=rare)
    np.equal(u, sc.b, out=sc.m2)
    np.bitwise_or(rare, sc.m2, out=rare)
    idx = _rare_indices(rare, sc, a16, b16, False) if rare.any() else None
    with np.errstate(all="ignore"):
        total = np.add.reduce(sc.s)  # not finite: overflow, Inf/NaN operands (or a large total)
    if not np.isfinite(total):
        np.isfinite(sc.s, out=sc.m2)
        bad = np.flatnonzero(~sc.m2)
        idx = bad if idx is None else np.union1d(idx, bad)
    return idx


def _tiny_rare(u: np.ndarray, sc: Scratch) -> np.ndarray | None:
    """Mask (``sc.m1``) of results with ``|s| <= 2^-126`` or not finite; None: no such element."""
    t = sc.t
    np.left_shift(u, np.uint32(1), out=t)  # magnitude bits
    if t.min() >= _TINY_LO and t.max() < _NONFINITE:
        return None
    np.add(t, _TINY_SHIFT, out=t)  # 0 .. 2^-126 -> [2^24, 2^25], Inf/NaN -> [0, 2^24): both <= 2^25
    np.less_equal(t, _TINY_TOP, out=sc.m1)
    return sc.m1


def _rare_indices(mask: np.ndarray, sc: Scratch, a16: np.ndarray, b16: np.ndarray,
                  keep_nan: bool = True) -> np.ndarray:
    """Indices of ``mask`` without the elements whose ``s`` is exact because an operand is +-0
    (``x + 0``, ``0 * y``, ``0 / y``, ``y / 0 = Inf``), except (``keep_nan``) NaN ``s`` (golden's
    NaN code). Many candidates (sparse data) are pruned on the whole chunk, a few on their
    index list."""
    if np.count_nonzero(mask) > _FEW:
        np.left_shift(a16, 1, out=sc.h1)  # uint16: the sign drops out, 0 iff +-0
        np.left_shift(b16, 1, out=sc.h2)
        np.minimum(sc.h1, sc.h2, out=sc.h1)
        np.equal(sc.h1, 0, out=sc.m2)  # a zero operand
        if keep_nan:
            np.not_equal(sc.s, sc.s, out=sc.m3)  # NaN
            np.greater(sc.m2, sc.m3, out=sc.m2)  # a zero operand and s not NaN: exact
        np.greater(mask, sc.m2, out=mask)
        return np.flatnonzero(mask)
    idx = np.flatnonzero(mask)
    keep = (np.left_shift(sc.a[idx], 1) != 0) & (np.left_shift(sc.b[idx], 1) != 0)
    if keep_nan:
        keep |= np.isnan(sc.s[idx])
    return idx[keep]


def _chunk(op: str, a16: np.ndarray, b16: np.ndarray, mode: Mode, sc: Scratch, code: np.ndarray,
           zero: np.ndarray | None):
    """Codes of one chunk into ``code`` (and ``zero``: where a sum is +0); returns the local indices
    of the rare set (or None)."""
    np.left_shift(a16, _SIXTEEN, out=sc.a)
    np.left_shift(b16, _SIXTEEN, out=sc.b)
    if op == "sub":
        np.bitwise_xor(sc.b, _SIGN32, out=sc.b)
    u = sc.s.view(np.uint32)
    with np.errstate(all="ignore"):
        _OPS[op](sc.a.view(np.float32), sc.b.view(np.float32), out=sc.s)
    if op in ("add", "sub"):
        idx = _sum_rare(u, sc, a16, b16)
        if zero is not None:  # RDN: x + (-x) is -0; the float32 sum gives +0 (fixed by the caller)
            np.equal(u, 0, out=zero)
    else:
        mask = _tiny_rare(u, sc)
        idx = None if mask is None else _rare_indices(mask, sc, a16, b16)
    _round_bits(u, sc.t, mode, code)
    return idx


def bit_rounded(op: str, a: np.ndarray, b: np.ndarray, mode: Mode) -> tuple[np.ndarray, np.ndarray]:
    """(codes, rare): uint16 codes of ``op`` on flat uint16 bf16 code arrays by the float32 operation
    and bit rounding alone, and the sorted indices of the elements that test positive for the rare
    set; outside them the codes are the mode's rounding of the exact result."""
    size = a.size
    code = np.empty(size, np.uint16)
    scratch = _scratch(min(size, CHUNK))
    rare = []
    zero = np.empty(size, bool) if op in ("add", "sub") and mode is Mode.RDN else None
    for lo in range(0, size, CHUNK):
        hi = min(lo + CHUNK, size)
        idx = _chunk(op, a[lo:hi], b[lo:hi], mode, scratch.cut(hi - lo), code[lo:hi],
                     None if zero is None else zero[lo:hi])
        if idx is not None and idx.size:
            rare.append(idx + lo)
    if zero is not None and zero.any():  # exact zero sums (no underflow): +0 only for +0 + +0 (golden)
        z = np.flatnonzero(zero)
        both_pos = (a[z] == 0) & (b[z] == (0x8000 if op == "sub" else 0))
        code[z] = np.where(both_pos, 0, 0x8000)
    return code, (np.concatenate(rare) if rare else np.empty(0, np.intp))


def apply(op: str, arrays: list[np.ndarray], fmt: FloatFormat, env: Env, out: FloatFormat) -> np.ndarray:
    """uint16 codes of ``op`` on broadcast bf16 code arrays (`applies` must hold): `bit_rounded`,
    then the rare set recomputed by the float64 path."""
    shape = arrays[0].shape
    a, b = (codes16(x, fmt) for x in arrays)
    code, rare = bit_rounded(op, a, b, env.rounding.mode)
    if rare.size:
        code[rare] = float64_path.apply(op, [a[rare], b[rare]], fmt, env, out)
    return code.reshape(shape)


__all__ = ["applies", "apply", "bit_rounded", "OPS", "MODES", "CHUNK"]
