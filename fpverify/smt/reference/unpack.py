"""UNPACK: classify a symbolic code of a float format and expose sign, significand and exponent.

For a finite code the value is ``(-1)^sign * sig * 2^exp`` with ``sig`` the integer significand
(hidden bit included for normal codes, P = M+1 bits) and ``exp`` the signed exponent of its LSB.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ...formats import FloatFormat, FormatError
from .. import classify
from .bv import FALSE, TRUE, all_of, any_of, bit, const, ite, lzc, zext


def exp_width(*fmts: FloatFormat) -> int:
    """Signed width that holds every exponent the reference forms (products, sums, shifts)."""
    # |exponents| stay below 2*(bias + M + 2^E) (products) + 2^E (exact alignment) + 4P + 16
    # (significand widths, lzc counts, frame bits); one more bit for the sign
    bound = 32
    for f in fmts:
        bound = max(bound, 2 * (abs(f.bias) + f.man_bits + (1 << f.exp_bits)) + (1 << f.exp_bits)
                    + 4 * f.precision + 16)
    return bound.bit_length() + 1


@dataclass
class Unpacked:
    fmt: FloatFormat
    code: z3.BitVecRef
    valid: z3.BoolRef  # the code is one of the format's codes (storage may be wider)
    sign: z3.BoolRef
    is_nan: z3.BoolRef
    is_inf: z3.BoolRef
    is_zero: z3.BoolRef
    is_subnormal: z3.BoolRef  # finite, nonzero, exponent field 0 (formats with subnormals)
    signaling: z3.BoolRef
    e_field: z3.BitVecRef
    trailing: z3.BitVecRef | None  # None when M = 0
    sig: z3.BitVecRef  # P bits
    exp: z3.BitVecRef  # signed, exp_width bits

    @property
    def is_finite(self) -> z3.BoolRef:
        """Nonzero finite."""
        return all_of(z3.Not(self.is_nan), z3.Not(self.is_inf), z3.Not(self.is_zero))


def unpack(fmt: FloatFormat, code: z3.BitVecRef, we: int | None = None) -> Unpacked:
    if not isinstance(fmt, FloatFormat):
        raise FormatError(f"the symbolic reference handles float formats only, not {fmt.name}")
    we = we or exp_width(fmt)
    if code.size() != fmt.width:
        raise ValueError(f"{fmt.name} codes are {fmt.width} bits, got a {code.size()}-bit term")
    m, e = fmt.man_bits, fmt.exp_bits
    nbits = fmt.bits
    valid = TRUE if fmt.width == nbits else z3.ULT(code, const(1 << nbits, fmt.width))
    c = z3.Extract(nbits - 1, 0, code)
    sign = bit(c, nbits - 1) if fmt.signed else FALSE
    e_field = z3.Extract(m + e - 1, m, c)
    t = z3.Extract(m - 1, 0, c) if m else None
    is_nan = classify.is_nan(fmt, code)
    is_inf = classify.is_inf(fmt, code)
    signaling = classify.is_signaling(fmt, code)
    hidden = const(1, 1)
    if fmt.subnormals:
        sub = e_field == 0
        hidden = ite(sub, const(0, 1), const(1, 1))
    else:
        sub = FALSE
    sig = z3.Concat(hidden, t) if m else hidden
    bias_lsb = fmt.bias + m
    ef = zext(e_field, we)
    exp = ite(sub, const(1 - bias_lsb, we), ef - const(bias_lsb, we))
    special = any_of(is_nan, is_inf)
    is_zero = all_of(z3.Not(special), sig == 0) if fmt.subnormals else FALSE
    is_subnormal = all_of(z3.Not(special), sub, z3.Not(is_zero)) if fmt.subnormals else FALSE
    return Unpacked(fmt, code, valid, sign, is_nan, is_inf, is_zero, is_subnormal, signaling,
                    e_field, t, sig, exp)



@dataclass
class Normalised:
    """A finite nonzero operand with its significand shifted so its MSB is set (SymFPU unpack):
    the value is ``nsig * 2^nexp``; zero stays zero (and ``shift`` is then P)."""

    u: Unpacked
    shift: z3.BitVecRef  # lzc(sig), exp width
    nsig: z3.BitVecRef  # P bits
    nexp: z3.BitVecRef  # exponent of the LSB of nsig

    @property
    def log2(self) -> z3.BitVecRef:
        """floor(log2 |x|)."""
        return self.nexp + const(self.u.fmt.precision - 1, self.nexp.size())


def normalise(u: Unpacked) -> Normalised:
    """Move a subnormal significand's leading one to the top (``sig << lzc(sig)``)."""
    p = u.fmt.precision
    we = u.exp.size()
    k = lzc(u.sig, p.bit_length())  # one leading-zero count, widened for the exponent
    nsig = u.sig << zext(k, p) if p >= k.size() else u.sig << z3.Extract(p - 1, 0, k)
    kw = zext(k, we)
    return Normalised(u, kw, nsig, u.exp - kw)
