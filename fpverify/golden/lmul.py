"""L-Mul (Luo & Sun, arXiv 2410.00907): multiplication by adding bit fields (formats.md §6).

Three published semantics, named explicitly:

* ``B`` (default) bit-add: ``r = |a| + |b| - C`` on the magnitude fields with
  ``C = (bias << M) - ((1 << M) >> l(M))``; the mantissa carry runs into the exponent; no rounding.
* ``A`` real formula: ``(1 + x_m + y_m + 2^-l) * 2^(x_e + y_e)`` evaluated exactly, rounded once.
* ``C`` normalise and truncate: ``S = 2^M + m_x + m_y + 2^(M-l)``; if ``S >= 2^(M+1)`` then
  ``S >>= 1`` and the exponent grows by one.

The specials policy is explicit: ``wrap`` is the paper's raw integer behaviour (masked to the
magnitude field); ``ieee_like`` flushes zero/subnormal inputs and underflow to +-0, sends overflow
to the overflow policy (satfinite, satpropagate: +-max; ieee: +-Inf where the format has Inf; nan:
NaN where it has NaN; otherwise +-max), and
propagates NaN/Inf as IEEE multiplication does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..formats import FloatFormat, FormatError, Overflow
from ..rounding import Env, Flags, Rounded, round_to_format
from .operand import Kind, inf_result, nan_result, unpack, zero_result
from .real import Dyadic


class LMulVariant(enum.Enum):
    BIT_ADD = "B"
    REAL = "A"
    NORMALIZE_TRUNCATE = "C"


class LMulSpecials(enum.Enum):
    WRAP = "wrap"
    IEEE_LIKE = "ieee_like"


@dataclass(frozen=True)
class LMulPolicy:
    variant: LMulVariant = LMulVariant.BIT_ADD
    specials: LMulSpecials = LMulSpecials.IEEE_LIKE
    overflow: Overflow = Overflow.SATFINITE

    def __str__(self) -> str:
        return f"variant={self.variant.value} specials={self.specials.value} overflow={self.overflow.value}"


DEFAULT_POLICY = LMulPolicy()


def offset_exponent(m: int) -> int:
    """l(m): the offset is 2^-l(m)."""
    return m if m <= 3 else 3 if m == 4 else 4


def overflow_to_special(fmt: FloatFormat, overflow: Overflow) -> bool:
    """Does a finite L-Mul overflow leave the finite range (NaN or Inf) rather than saturate?

    As the rounding kernel's overflow rule for a round-away direction: satfinite and satpropagate
    saturate finite overflow; ``nan`` gives NaN where the format has one; ``ieee`` gives Inf where
    the format has one; a format with neither saturates."""
    if overflow in (Overflow.SATFINITE, Overflow.SATPROPAGATE):
        return False
    return fmt.has_nan if overflow is Overflow.NAN else fmt.has_inf


def lmul_constant(fmt: FloatFormat) -> int:
    """C = (bias << M) - ((1 << M) >> l(M)); fp32: 0x3F780000, bf16: 0x3F78, E4M3: 55."""
    m = fmt.man_bits
    return (fmt.bias << m) - ((1 << m) >> offset_exponent(m))


def lmul(fmt: FloatFormat, a: int, b: int, policy: LMulPolicy = DEFAULT_POLICY,
         env: Env = Env()) -> Rounded:
    """L-Mul of two codes of ``fmt`` under ``policy`` (``env`` rounds variant A only)."""
    if not isinstance(fmt, FloatFormat) or not fmt.signed:
        raise FormatError(f"L-Mul needs a signed float format, not {fmt.name}")
    sign = ((a ^ b) & fmt.sign_bit)
    mask = fmt.mag_mask
    if policy.specials is LMulSpecials.WRAP:
        if policy.variant is not LMulVariant.BIT_ADD:
            raise FormatError("the 'wrap' specials policy is defined for the bit-add variant only")
        r = ((a & mask) + (b & mask) - lmul_constant(fmt)) & mask
        return Rounded(sign | r, Flags.NONE)

    x, y = unpack(fmt, a), unpack(fmt, b)
    s = x.sign ^ y.sign
    ovf_env = Env(overflow=policy.overflow)
    if x.is_nan or y.is_nan:
        return nan_result(fmt, ovf_env, x, y)
    if x.is_inf or y.is_inf:
        if x.is_zero or y.is_zero:
            return nan_result(fmt, ovf_env, x, y, invalid=True)
        return inf_result(fmt, s, ovf_env)
    subnormal = any(o.kind is Kind.FINITE and (o.value.mant >> fmt.man_bits) == 0 for o in (x, y))
    if x.is_zero or y.is_zero or subnormal:
        flags = Flags.INEXACT | Flags.UNDERFLOW if subnormal and not (x.is_zero or y.is_zero) else Flags.NONE
        z = zero_result(fmt, s, ovf_env)
        return Rounded(z.code, z.flags | flags)

    m = fmt.man_bits
    if policy.variant is LMulVariant.REAL:
        mx, my = (a & ((1 << m) - 1)), (b & ((1 << m) - 1))
        ex = ((a & mask) >> m) - fmt.bias
        ey = ((b & mask) >> m) - fmt.bias
        l = offset_exponent(m)
        # (1 + mx/2^m + my/2^m + 2^-l) * 2^(ex+ey), scaled to integers by 2^(m+l)
        sig = (1 << (m + l)) + ((mx + my) << l) + (1 << m)
        value = Dyadic(bool(s), sig, ex + ey - m - l)
        renv = Env(env.rounding, policy.overflow, env.tininess, env.random_bits, env.nan_policy)
        return round_to_format(value, fmt, renv)

    if policy.variant is LMulVariant.BIT_ADD:
        r = (a & mask) + (b & mask) - lmul_constant(fmt)
    else:  # normalise and truncate
        mx, my = (a & ((1 << m) - 1)), (b & ((1 << m) - 1))
        field = ((a & mask) >> m) + ((b & mask) >> m) - fmt.bias
        big = (1 << m) + mx + my + ((1 << m) >> offset_exponent(m))
        if big >= (1 << (m + 1)):
            big >>= 1
            field += 1
        r = (field << m) + (big - (1 << m))
    if r < (1 << m):  # result exponent field <= 0: underflow
        z = zero_result(fmt, s, ovf_env)
        return Rounded(z.code, z.flags | Flags.UNDERFLOW | Flags.INEXACT)
    if r > fmt.max_code:
        flags = Flags.OVERFLOW | Flags.INEXACT
        if not overflow_to_special(fmt, policy.overflow):
            return Rounded(sign | fmt.max_code, flags | Flags.SATURATED)
        if policy.overflow is Overflow.NAN:
            return Rounded(fmt.nan_code(s), flags)
        return Rounded(fmt.inf_code(s), flags)
    return Rounded(sign | r, Flags.NONE)
