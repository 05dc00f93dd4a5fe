"""Golden HiFloat4 blocks (arXiv 2602.11287; the public reference quantiser `quant_hifx`).

A block is 64 values: one unsigned E6M2 scale SF, eight level-2 micro-exponent bits (one per 8
elements), sixteen level-3 bits (one per 4 elements) and 64 S1P2 (E1M2, bias 1) elements:
4.5 bits per value. Value of element i: ``e_i * 2^(l2[i//8] + l3[i//4]) * SF``.

Quantisation, each rounding explicit, everything else exact:

1. ``SF = clamp(bf16(amax * bf16(1/7)), 2^-48, 49152)``, then its mantissa rounded to 2 bits
   (RNE, torch.round in the reference) = one RNE rounding into UE6M2;
2. ``rec = bf16(1/SF)`` (RNE);
3. ``l2 = 1`` iff ``max8 * rec >= 4``; ``l3 = 1`` iff ``max4 * rec * 2^-l2 >= 2``;
4. ``e_i = round(x_i * rec * 2^-(l2 + l3))`` into E1M2, saturating at ±1.75 (policy rounding).

The reference computes steps 3-4 in the input dtype (float32); here they are exact (see
docs/formats-hifloat.md). Policies (`HIF4_POLICIES`): ``paper`` rounds elements half away from
zero and makes a block with a NaN or Inf a NaN block (the scale's NaN code); ``cann_scalar``
follows CANN's scalar float→HiFloat4 conversion: RNE, clamp to ±1.75, NaN → +1.75 (amax over the
finite elements, ±Inf → ±1.75).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence, Union

from ..errors import InputError
from ..formats import Overflow, get_format
from ..rounding import Env, Mode, Rounded, Rounding
from .convert import from_value

Value = Union[float, Fraction, int]
HIF4_BLOCK = 64
L2_GROUP = 8
L3_GROUP = 4
E1M2 = get_format("e1m2")
UE6M2 = get_format("ue6m2")
BF16 = get_format("bf16")
SF_MIN = Fraction(2) ** -48
SF_MAX = Fraction(49152)
ELEMENT_MAX_CODE = E1M2.max_code  # +1.75


class HiF4Specials(enum.Enum):
    NAN_BLOCK = "nan_block"  # a NaN or Inf element makes the whole block NaN (paper / reference)
    SATURATE = "saturate"  # NaN -> +1.75, ±Inf -> ±1.75, amax over the finite elements (CANN scalar)


@dataclass(frozen=True)
class HiF4Policy:
    name: str
    element_rounding: Rounding
    specials: HiF4Specials


HIF4_POLICIES: dict[str, HiF4Policy] = {
    "paper": HiF4Policy("paper", Rounding(Mode.RNA), HiF4Specials.NAN_BLOCK),
    "cann_scalar": HiF4Policy("cann_scalar", Rounding(Mode.RNE), HiF4Specials.SATURATE),
}


def hif4_policy(name: str | HiF4Policy) -> HiF4Policy:
    """A named HiFloat4 policy; an unknown name is an InputError."""
    if isinstance(name, HiF4Policy):
        return name
    try:
        return HIF4_POLICIES[name.strip().lower()]
    except KeyError:
        raise InputError(f"unknown HiFloat4 scale policy {name!r} (use one of: {', '.join(HIF4_POLICIES)})") from None


@dataclass(frozen=True)
class HiF4Block:
    scale: int  # UE6M2 code (UE6M2.nan_code() = NaN block)
    l2: tuple[int, ...]  # 8 bits
    l3: tuple[int, ...]  # 16 bits
    codes: tuple[int, ...]  # 64 E1M2 codes


def _bf16(x: Fraction) -> Fraction:
    return BF16.value(from_value(x, BF16).code)


def _classify(v: Value) -> Fraction | str:
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "+inf" if v > 0 else "-inf"
    return Fraction(v)


def _negative(v: Value) -> bool:
    return math.copysign(1.0, v) < 0 if isinstance(v, float) else v < 0


def hif4_scale(amax: Fraction) -> int:
    """The UE6M2 code of SF for a block whose largest magnitude is ``amax``."""
    t = _bf16(amax * _bf16(Fraction(1, 7)))
    t = min(max(t, SF_MIN), SF_MAX)
    return from_value(t, UE6M2, Env(Rounding(Mode.RNE), overflow=Overflow.SATFINITE)).code


def hif4_reciprocal(scale: int) -> Fraction:
    """rec = bf16(1/SF)."""
    return _bf16(1 / Fraction(UE6M2.value(scale)))


def hif4_quantize_block(values: Sequence[Value], policy: str | HiF4Policy = "paper") -> HiF4Block:
    """One block of exactly 64 values."""
    pol = hif4_policy(policy)
    if len(values) != HIF4_BLOCK:
        raise InputError(f"a HiFloat4 block has {HIF4_BLOCK} values, got {len(values)}")
    xs = [_classify(v) for v in values]
    special = [not isinstance(x, Fraction) for x in xs]
    if any(special) and pol.specials is HiF4Specials.NAN_BLOCK:
        return HiF4Block(UE6M2.nan_code(), (0,) * 8, (0,) * 16, (0,) * HIF4_BLOCK)
    mags = [abs(x) if isinstance(x, Fraction) else Fraction(0) for x in xs]
    scale = hif4_scale(max(mags))
    rec = hif4_reciprocal(scale)
    l2 = tuple(int(max(mags[g * 8:(g + 1) * 8]) * rec >= 4) for g in range(8))
    l3 = tuple(int(max(mags[g * 4:(g + 1) * 4]) * rec / 2 ** l2[g // 2] >= 2) for g in range(16))
    env = Env(pol.element_rounding, overflow=Overflow.SATFINITE)
    codes = []
    for i, (v, x) in enumerate(zip(values, xs)):
        if x == "nan":
            codes.append(ELEMENT_MAX_CODE)
        elif isinstance(x, str):
            codes.append(ELEMENT_MAX_CODE | (E1M2.sign_bit if x == "-inf" else 0))
        elif x == 0:
            codes.append(E1M2.zero_code(int(_negative(v))))
        else:
            codes.append(from_value(x * rec / 2 ** (l2[i // 8] + l3[i // 4]), E1M2, env).code)
    return HiF4Block(scale, l2, l3, tuple(codes))


def hif4_quantize(values: Sequence[Value], policy: str | HiF4Policy = "paper") -> list[HiF4Block]:
    """Consecutive blocks of 64; a length that is not a multiple of 64 is an InputError."""
    if len(values) % HIF4_BLOCK:
        raise InputError(f"HiFloat4 needs blocks of {HIF4_BLOCK} values; {len(values)} is not a multiple")
    return [hif4_quantize_block(values[j:j + HIF4_BLOCK], policy) for j in range(0, len(values), HIF4_BLOCK)]


def hif4_block_values(block: HiF4Block) -> list:
    """Exact values of one block (Fractions; float NaN for a NaN block; -0 as Fraction 0)."""
    sf = UE6M2.value(block.scale)
    if not isinstance(sf, Fraction):
        return [math.nan] * HIF4_BLOCK
    return [E1M2.value(c) * 2 ** (block.l2[i // 8] + block.l3[i // 4]) * sf for i, c in enumerate(block.codes)]


def hif4_dequantize(blocks: Sequence[HiF4Block]) -> list:
    return [v for b in blocks for v in hif4_block_values(b)]


def hif4_dot_exact(a: Sequence[HiF4Block], b: Sequence[HiF4Block], out="f32", env: Env = Env()) -> Rounded:
    """Σ over all elements of a_i b_i, exact, one rounding into ``out``; NaN if a block is NaN."""
    out = get_format(out)
    if len(a) != len(b):
        raise InputError(f"HiFloat4 dot needs the same number of blocks ({len(a)} vs {len(b)})")
    total = Fraction(0)
    for ba, bb in zip(a, b):
        va, vb = hif4_block_values(ba), hif4_block_values(bb)
        if not (isinstance(va[0], Fraction) and isinstance(vb[0], Fraction)):
            return from_value(math.nan, out, env)
        total += sum((x * y for x, y in zip(va, vb)), Fraction(0))
    return from_value(total, out, env)


__all__ = ["HIF4_BLOCK", "HiF4Specials", "HiF4Policy", "HIF4_POLICIES", "hif4_policy", "HiF4Block",
           "hif4_scale", "hif4_reciprocal", "hif4_quantize_block", "hif4_quantize", "hif4_block_values",
           "hif4_dequantize", "hif4_dot_exact"]
