"""Code arrays of a float format unpacked into int64 fields: sign, significand, exponent, class.

A finite operand is ``(-1)^neg * sig * 2^exp`` with ``sig`` an int64 (zero for zeros); the
class masks say NaN (and signalling NaN), Inf and zero. Classification is done on the fields
with the format's special-value layout (`fpverify.formats.Specials`), vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formats import FloatFormat, Specials


@dataclass
class Operands:
    """One operand array, unpacked (every field has the shape of the codes)."""

    neg: np.ndarray  # bool
    sig: np.ndarray  # int64, 0 for zeros and specials
    exp: np.ndarray  # int64
    nan: np.ndarray  # bool
    snan: np.ndarray  # bool (IEEE formats: quiet bit clear)
    inf: np.ndarray  # bool
    zero: np.ndarray  # bool

    @property
    def finite_nonzero(self) -> np.ndarray:
        return ~(self.nan | self.inf | self.zero)


def check_codes(c: np.ndarray, fmt: FloatFormat) -> None:
    """Raise ValueError if any element is not a code of ``fmt``."""
    if c.size and (int(c.min()) < 0 or int(c.max()) >> fmt.bits):
        raise ValueError(f"codes out of range for {fmt.name} ({fmt.bits} bits)")


TABLE_MAX_WIDTH = 16  # formats up to this many bits unpack by table lookup
_tables: dict = {}


def unpack(codes, fmt: FloatFormat) -> Operands:
    """Unpack an integer code array of ``fmt``."""
    c = np.asarray(codes)
    if c.dtype.kind not in "iu":
        raise TypeError(f"{fmt.name} codes must be an integer array, got {c.dtype}")
    check_codes(c, fmt)
    if fmt.bits <= TABLE_MAX_WIDTH:
        t = _tables.get(fmt)
        if t is None:
            t = _tables[fmt] = _unpack_fields(np.arange(1 << fmt.bits, dtype=np.int64), fmt)
        idx = c.astype(np.intp, copy=False)
        return Operands(*(f[idx] for f in (t.neg, t.sig, t.exp, t.nan, t.snan, t.inf, t.zero)))
    return _unpack_fields(c.astype(np.int64), fmt)


def _unpack_fields(c: np.ndarray, fmt: FloatFormat) -> Operands:
    m = fmt.man_bits
    neg = (c & fmt.sign_bit) != 0 if fmt.signed else np.zeros(c.shape, bool)
    mag = c & fmt.mag_mask
    ef = mag >> m
    t = mag & ((1 << m) - 1)
    if fmt.subnormals:
        sig = np.where(ef == 0, t, t | (1 << m))
        exp = np.maximum(ef, 1) - (fmt.bias + m)
    else:
        sig = t | (1 << m)
        exp = ef - (fmt.bias + m)
    nan, inf = _classify(c, mag, ef, t, fmt)
    snan = nan & ((t >> (m - 1)) & 1 == 0) if fmt.specials is Specials.IEEE else np.zeros(c.shape, bool)
    special = nan | inf
    sig = np.where(special, 0, sig)
    return Operands(neg, sig, exp, nan, snan, inf, (sig == 0) & ~special)


def _classify(c, mag, ef, t, fmt: FloatFormat) -> tuple[np.ndarray, np.ndarray]:
    sp = fmt.specials
    none = np.zeros(c.shape, bool)
    if sp is Specials.IEEE:
        top = ef == fmt.exp_mask
        return top & (t != 0), top & (t == 0)
    if sp is Specials.FN:
        return mag == fmt.mag_mask, none
    if sp is Specials.NONE:
        return none, none
    nan = c == fmt.nan_code()  # FNUZ and P3109: one NaN code
    if sp is Specials.P3109_E:
        inf = c == fmt.inf_code(0)
        if fmt.signed:
            inf |= c == fmt.inf_code(1)
        return nan, inf
    return nan, none


def codes16(c, fmt: FloatFormat) -> np.ndarray:
    """A flat uint16 array of valid ``fmt`` codes (a uint16 array is taken as it is, without a copy)."""
    c = np.ascontiguousarray(c).reshape(-1)
    if c.dtype == np.uint16:
        return c
    if c.dtype.kind not in "iu":
        raise TypeError(f"{fmt.name} codes must be an integer array, got {c.dtype}")
    check_codes(c, fmt)
    return c.astype(np.uint16)


__all__ = ["Operands", "unpack", "check_codes", "codes16"]
