"""Golden block formats (formats.md §5): OCP MX / MXINT8 and NVFP4, exact rationals throughout.

Every step is either exact (rationals, powers of two) or one explicit rounding through the golden
kernel (`from_value` / golden fp32 ops), so each policy below is a precise definition:

* `MXPolicy`: scale rule (OCP_FLOOR, CEIL, EVEN, RCEIL, TOSA), all-zero block, shared-exponent
  clamp (clip or NaN scale), NaN/Inf in the block, element rounding, MXINT8 -2 allowed.
* `NVFP4Policy`: the fp32 op order before the UE4M3 cast, element rounding (RNE or SR with R).
* Dot products: `mx_dot_exact` (Σ X_A X_B P_A P_B exactly, one rounding, P3109 style) and
  `mx_dot_tosa` (fp32, sequential per block, then × fp32(scale_A·scale_B), then accumulate).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence, Union

from ..formats import FloatFormat, Format, FormatError, IntFormat, Overflow, get_format
from ..rounding import Env, Flags, Mode, Rounded, Rounding, round_to_format
from .convert import from_value
from .real import exact

Value = Union[float, Fraction, int]
E8M0_NAN = 0xFF
F32 = get_format("f32")
FLT_MAX = Fraction(F32.value(F32.max_code))


class ScaleRule(enum.Enum):
    OCP_FLOOR = "ocp_floor"  # 2^(floor(log2 amax) - emax_elem)                    (OCP §6.3)
    CEIL = "ceil"  # 2^(ceil(log2 amax) - emax_elem)                               (torchao)
    EVEN = "even"  # 2^(floor(log2(RNE_P_elem(amax))) - emax_elem)                  (torchao)
    RCEIL = "rceil"  # X = RUP_pow2(fp32(amax / max_elem)); elements RNE(fp32(d * fp32(1/X)))  (cuBLAS)
    TOSA = "tosa"  # out_max = max + ulp/2; E4M3: ceil(log2(amax/out_max)), else floor(...) + 1


class ZeroBlock(enum.Enum):
    MIN_SCALE = "min_scale"  # X = 2^-127 (gfloat, TOSA)
    FP32_MIN_NORMAL = "fp32_min_normal"  # amax floored at 2^-126 before the rule


class ExpOverflow(enum.Enum):
    CLIP = "clip"  # shared exponent clamped to 127 (gfloat, TOSA)
    NAN = "nan"  # NaN scale (microxcaling)


class NanInBlock(enum.Enum):
    NAN_SCALE = "nan_scale"  # any NaN/Inf element makes the scale NaN (TOSA)
    IGNORE = "ignore"  # amax over the finite elements; NaN/Inf elements convert elementwise


@dataclass(frozen=True)
class MXPolicy:
    scale_rule: ScaleRule = ScaleRule.OCP_FLOOR
    zero_block: ZeroBlock = ZeroBlock.MIN_SCALE
    exp_overflow: ExpOverflow = ExpOverflow.CLIP
    nan_in_block: NanInBlock = NanInBlock.NAN_SCALE
    element_rounding: Rounding = Rounding(Mode.RNE)  # RNA = microxcaling round="nearest"
    mxint8_allow_neg2: bool = True
    block_size: int = 32


@dataclass(frozen=True)
class MXBlock:
    scale: int  # E8M0 code (0xFF = NaN)
    codes: tuple[int, ...]


def element_format(elem: Format | str, policy: MXPolicy = MXPolicy()) -> Format:
    """The element format, with the MXINT8 -2 knob applied."""
    fmt = get_format(elem)
    if isinstance(fmt, IntFormat) and not policy.mxint8_allow_neg2 and not fmt.symmetric:
        fmt = IntFormat(fmt.name + "_sym", fmt.bits, fmt.scale_exp, symmetric=True)
    return fmt


def max_elem(fmt: Format) -> Fraction:
    return Fraction(fmt.max_value)


def emax_elem(fmt: Format) -> int:
    """floor(log2(max finite element)): E4M3 8, E5M2 15, E2M3 2, E3M2 4, E2M1 2, MXINT8 0."""
    return ilog2(max_elem(fmt))


def ilog2(x: Fraction) -> int:
    """floor(log2 x) for a positive rational, exactly."""
    x = Fraction(x)
    n, d = x.numerator, x.denominator
    e = n.bit_length() - d.bit_length()
    if (n << max(-e, 0)) < (d << max(e, 0)):
        e -= 1
    return e


def is_pow2(x: Fraction) -> bool:
    x = Fraction(x)
    return x.numerator & (x.numerator - 1) == 0 and x.denominator & (x.denominator - 1) == 0


def _exact(v: Value) -> Fraction | None:
    """Exact value, or None for NaN/Inf."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return Fraction(v)


def _f32(x: Fraction) -> Fraction:
    """x rounded once to fp32 (RNE, IEEE overflow to Inf raises: callers clamp first)."""
    r = from_value(x, F32, Env())
    v = F32.value(r.code)
    if not isinstance(v, Fraction):
        raise OverflowError("fp32 overflow")
    return v


def _f32_or_inf(x: Fraction) -> Fraction | float:
    r = from_value(x, F32, Env())
    return F32.value(r.code)


def mx_scale_exponent(values: Sequence[Value], elem: Format, policy: MXPolicy = MXPolicy()) -> int | None:
    """The shared exponent (unclamped) of one block, or None for a NaN scale."""
    xs = [_exact(v) for v in values]
    if any(x is None for x in xs) and policy.nan_in_block is NanInBlock.NAN_SCALE:
        return None
    amax = max((abs(x) for x in xs if x is not None), default=Fraction(0))
    if amax == 0:
        if policy.zero_block is ZeroBlock.MIN_SCALE:
            return -127
        amax = Fraction(2) ** -126
    elif policy.zero_block is ZeroBlock.FP32_MIN_NORMAL:
        amax = max(amax, Fraction(2) ** -126)
    rule = policy.scale_rule
    em = emax_elem(elem)
    if rule is ScaleRule.OCP_FLOOR:
        return ilog2(amax) - em
    if rule is ScaleRule.CEIL:
        return ilog2(amax) + (0 if is_pow2(amax) else 1) - em
    if rule is ScaleRule.EVEN:
        if not isinstance(elem, FloatFormat):
            raise FormatError("the EVEN scale rule needs a float element format")
        p = elem.precision
        r = round_to_format(exact(amax), _unbounded(p), Env())
        return ilog2(Fraction(_unbounded(p).value(r.code))) - em
    if rule is ScaleRule.RCEIL:
        x = _f32_or_inf(_f32(amax) / max_elem(elem))
        if not isinstance(x, Fraction):
            return 128
        if x == 0:
            return -127
        return ilog2(x) + (0 if is_pow2(x) else 1)
    if rule is ScaleRule.TOSA:
        ulp = _ulp(elem, max_elem(elem))
        q = amax / (max_elem(elem) + ulp / 2)
        if isinstance(elem, FloatFormat) and (elem.exp_bits, elem.man_bits) == (4, 3):
            return ilog2(q) + (0 if is_pow2(q) else 1)
        return ilog2(q) + 1
    raise ValueError(f"unknown scale rule {rule}")


def _ulp(fmt: Format, v: Fraction) -> Fraction:
    if isinstance(fmt, IntFormat):
        return Fraction(2) ** fmt.scale_exp
    return Fraction(2) ** (ilog2(v) - fmt.man_bits)


_UNBOUNDED: dict[int, FloatFormat] = {}


def _unbounded(p: int) -> FloatFormat:
    """A float format with precision p and an exponent range wide enough for any fp32/fp64 value."""
    if p not in _UNBOUNDED:
        _UNBOUNDED[p] = FloatFormat(f"p{p}_wide", 14, p - 1, (1 << 13) - 1)
    return _UNBOUNDED[p]


def mx_quantize_block(values: Sequence[Value], elem: Format | str, policy: MXPolicy = MXPolicy()) -> MXBlock:
    """Quantize one block (len <= block size) to (E8M0 scale code, element codes)."""
    fmt = element_format(elem, policy)
    e = mx_scale_exponent(values, fmt, policy)
    if e is not None and e > 127 and policy.exp_overflow is ExpOverflow.NAN:
        e = None
    if e is None:
        scale = E8M0_NAN
        e = 0
    else:
        e = max(-127, min(127, e))
        scale = e + 127
    env = Env(policy.element_rounding, overflow=Overflow.SATFINITE)
    codes = []
    for v in values:
        x = _exact(v)
        if x is None or x == 0:  # NaN/Inf, and zeros with their sign (-0 stays -0 where it exists)
            codes.append(from_value(float(v), fmt, env).code)
        elif policy.scale_rule is ScaleRule.RCEIL:
            inv = _f32(Fraction(2) ** -e)
            codes.append(from_value(_f32_or_inf(_f32(x) * inv), fmt, env).code)
        else:
            codes.append(from_value(x / Fraction(2) ** e, fmt, env).code)
    return MXBlock(scale, tuple(codes))


def mx_quantize(values: Sequence[Value], elem: Format | str, policy: MXPolicy = MXPolicy()) -> list[MXBlock]:
    k = policy.block_size
    return [mx_quantize_block(values[i:i + k], elem, policy) for i in range(0, len(values), k)]


def mx_block_values(block: MXBlock, elem: Format | str, policy: MXPolicy = MXPolicy()) -> list:
    """Exact decoded values X·P_i (Fraction), NaN (float) for a NaN scale or NaN element."""
    fmt = element_format(elem, policy)
    if block.scale == E8M0_NAN:
        return [math.nan] * len(block.codes)
    x = Fraction(2) ** (block.scale - 127)
    out = []
    for c in block.codes:
        v = fmt.value(c)
        out.append(v * x if isinstance(v, Fraction) else v)
    return out


def mx_dequantize(blocks: Sequence[MXBlock], elem: Format | str, policy: MXPolicy = MXPolicy()) -> list:
    return [v for b in blocks for v in mx_block_values(b, elem, policy)]


def _nan_or_inf(vals) -> bool:
    return any(not isinstance(v, Fraction) for v in vals)


def mx_dot_exact(a: Sequence[MXBlock], b: Sequence[MXBlock], elem_a: Format | str, elem_b: Format | str | None = None,
                 out: Format | str = "f32", env: Env = Env(), policy: MXPolicy = MXPolicy()) -> Rounded:
    """DotGeneral = Σ_j X(A_j) X(B_j) Σ_i P_i(A_j) P_i(B_j), exact, then one rounding into ``out``."""
    out = get_format(out)
    elem_b = elem_b or elem_a
    total = Fraction(0)
    for ba, bb in zip(a, b, strict=True):
        va, vb = mx_block_values(ba, elem_a, policy), mx_block_values(bb, elem_b, policy)
        if _nan_or_inf(va) or _nan_or_inf(vb):
            return from_value(math.nan, out, env)
        total += sum((x * y for x, y in zip(va, vb, strict=True)), Fraction(0))
    return from_value(total, out, env)


def mx_dot_tosa(a: Sequence[MXBlock], b: Sequence[MXBlock], elem_a: Format | str, elem_b: Format | str | None = None,
                policy: MXPolicy = MXPolicy()) -> int:
    """TOSA MATMUL_T_BLOCK_SCALED order in fp32 (RNE): per block Σ sequentially, × fp32(sA·sB), accumulate.

    Returns the fp32 code.
    """
    from .add import add
    from .mul import mul

    elem_b = elem_b or elem_a
    fa, fb = element_format(elem_a, policy), element_format(elem_b, policy)
    acc = 0
    for ba, bb in zip(a, b, strict=True):
        if ba.scale == E8M0_NAN or bb.scale == E8M0_NAN:
            return F32.nan_code()
        block_acc = 0
        for ca, cb in zip(ba.codes, bb.codes, strict=True):
            xa = _to_f32_code(fa, ca)
            xb = _to_f32_code(fb, cb)
            prod = mul(F32, xa, xb).code
            block_acc = add(F32, block_acc, prod).code
        scale = from_value(Fraction(2) ** (ba.scale + bb.scale - 254), F32).code
        block_acc = mul(F32, block_acc, scale).code
        acc = add(F32, acc, block_acc).code
    return acc


def mx_dot_tosa_rounded(a: Sequence[MXBlock], b: Sequence[MXBlock], elem_a: Format | str,
                        elem_b: Format | str | None = None, policy: MXPolicy = MXPolicy(),
                        trace: dict[str, int] | None = None) -> Rounded:
    """`mx_dot_tosa` with its flags: the same fp32 code, and the OR of the IEEE flags of every fp32
    operation of the TOSA order (docs/rtl.md "MXDotTOSA").

    The operations: each element converted to fp32 (exact), the k products, the k adds into the
    block accumulator (from +0), the scale product fp32(2^(sA-127)) * fp32(2^(sB-127)) (an E8M0 NaN
    is a quiet fp32 NaN), the scale multiply and the add into the accumulator (from +0). The order
    always runs to the end (a NaN scale is an operand like any other), so e.g. Inf*0 in a block
    with a NaN scale still raises INVALID. ``trace`` (one block pair): filled with the fp32 code
    after each step, keyed by the RTL's stage names (``tosa_prod{i}``, ``tosa_blk{i}``,
    ``tosa_scale``, ``tosa_scaled``, ``result``), for localisation.
    """
    from .add import add
    from .mul import mul

    elem_b = elem_b or elem_a
    fa, fb = element_format(elem_a, policy), element_format(elem_b, policy)
    flags = Flags.NONE

    def op(r: Rounded, name: str | None = None) -> int:
        nonlocal flags
        flags |= r.flags
        if trace is not None and name is not None:
            trace[name] = r.code
        return r.code

    acc = F32.zero_code(0)
    for ba, bb in zip(a, b, strict=True):
        block_acc = F32.zero_code(0)
        for i, (ca, cb) in enumerate(zip(ba.codes, bb.codes, strict=True)):
            prod = op(mul(F32, _to_f32_code(fa, ca), _to_f32_code(fb, cb)), f"tosa_prod{i}")
            block_acc = op(add(F32, block_acc, prod), f"tosa_blk{i}")
        scale = op(mul(F32, _e8m0_to_f32_code(ba.scale), _e8m0_to_f32_code(bb.scale)), "tosa_scale")
        block_acc = op(mul(F32, block_acc, scale), "tosa_scaled")
        acc = op(add(F32, acc, block_acc), "result")
    return Rounded(acc, flags)


def _e8m0_to_f32_code(scale: int) -> int:
    """An E8M0 code as fp32 (exact: 2^-127 is an fp32 subnormal); 0xFF is the fp32 NaN."""
    if scale == E8M0_NAN:
        return F32.nan_code()
    return from_value(Fraction(2) ** (scale - 127), F32).code


def _to_f32_code(fmt: Format, code: int) -> int:
    v = fmt.value(code)
    return from_value(v if isinstance(v, Fraction) else float(v), F32).code


# ---- NVFP4 --------------------------------------------------------------------------------


class NVFP4Order(enum.Enum):
    TE = "te"  # amax_block * (S_enc * fp32(1/6))        (current TransformerEngine)
    TE_OLD = "te_old"  # (amax_block / 6) * S_enc           (older TE versions)


@dataclass(frozen=True)
class NVFP4Policy:
    order: NVFP4Order = NVFP4Order.TE
    element_rounding: Rounding = Rounding(Mode.RNE)
    block_size: int = 16


@dataclass(frozen=True)
class NVFP4Tensor:
    s_enc: Fraction  # fp32 values
    s_dec: Fraction
    scales: tuple[int, ...]  # UE4M3 codes, one per block
    codes: tuple[int, ...]  # E2M1 codes


E2M1 = get_format("e2m1fn")
UE4M3 = get_format("ue4m3")


def _fp32_op(x) -> Fraction | float:
    """One fp32 RNE rounding of an exact value (Inf/NaN pass through as floats)."""
    if isinstance(x, float):
        return x
    return _f32_or_inf(x)


def _fmin(x, m: Fraction):
    if isinstance(x, float):
        return x if math.isnan(x) else (m if x > 0 else x)
    return min(x, m)


def nvfp4_tensor_scale(amax_tensor: Fraction) -> tuple[Fraction, Fraction]:
    """(S_enc, S_dec) in fp32: S_enc = min(2688 / amax, FLT_MAX), 1 if amax = 0."""
    if amax_tensor == 0:
        s_enc = Fraction(1)
    else:
        q = _fp32_op(Fraction(2688) / amax_tensor)
        s_enc = _fmin(q, FLT_MAX)
        if s_enc == 0:
            s_enc = Fraction(1)
    return s_enc, _fp32_op(1 / s_enc)


def nvfp4_quantize(values: Sequence[Value], policy: NVFP4Policy = NVFP4Policy(),
                   random_bits: Sequence[int] | None = None) -> NVFP4Tensor:
    """NVFP4 per formats.md §5.2 with fp32 arithmetic (values must be finite fp32 numbers)."""
    xs = [_exact(v) for v in values]
    if any(x is None for x in xs):
        raise ValueError("NVFP4 quantization of NaN/Inf is not defined here")
    for x in xs:
        if _f32(x) != x:
            raise ValueError(f"{x} is not an fp32 value")
    s_enc, s_dec = nvfp4_tensor_scale(max((abs(x) for x in xs), default=Fraction(0)))
    k = policy.block_size
    sixth = _fp32_op(Fraction(1, 6))
    scales, codes = [], []
    sat = Env(Rounding(Mode.RNE), overflow=Overflow.SATFINITE)
    for j in range(0, len(xs), k):
        blk = xs[j:j + k]
        amax = max(abs(x) for x in blk)
        if policy.order is NVFP4Order.TE:
            t = _fp32_op(amax * _fp32_op(s_enc * sixth))
        else:
            t = _fp32_op(_fp32_op(amax / 6) * s_enc)
        t = _fmin(t, FLT_MAX)
        sb = from_value(t, UE4M3, sat).code
        sbv = UE4M3.value(sb)
        denom = _fp32_op(sbv * s_dec)
        enc = _fmin(_fp32_op(1 / denom) if denom != 0 else math.inf, FLT_MAX)
        scales.append(sb)
        for i, x in enumerate(blk):
            r = random_bits[j + i] if random_bits is not None else 0
            env = Env(policy.element_rounding, overflow=Overflow.SATFINITE, random_bits=r)
            codes.append(from_value(_fp32_op(x * enc), E2M1, env).code)
    return NVFP4Tensor(s_enc, s_dec, tuple(scales), tuple(codes))


def nvfp4_dequantize(t: NVFP4Tensor, policy: NVFP4Policy = NVFP4Policy()) -> list:
    """x̂_i = fp32(fp32(q_i · s_b) · S_dec), exact fp32 values (Fraction)."""
    k = policy.block_size
    out = []
    for i, c in enumerate(t.codes):
        sb = UE4M3.value(t.scales[i // k])
        out.append(_fp32_op(_fp32_op(E2M1.value(c) * sb) * t.s_dec))
    return out


def nvfp4_dot_exact(a: NVFP4Tensor, b: NVFP4Tensor, out: Format | str = "f32", env: Env = Env(),
                    policy: NVFP4Policy = NVFP4Policy()) -> Rounded:
    """S_dec^a S_dec^b Σ_b s_b^a s_b^b Σ_k q^a q^b, exact, one rounding."""
    k = policy.block_size
    total = Fraction(0)
    for j, (sa, sb) in enumerate(zip(a.scales, b.scales, strict=True)):
        qa = a.codes[j * k:(j + 1) * k]
        qb = b.codes[j * k:(j + 1) * k]
        inner = sum((E2M1.value(x) * E2M1.value(y) for x, y in zip(qa, qb, strict=True)), Fraction(0))
        va, vb = UE4M3.value(sa), UE4M3.value(sb)
        if not (isinstance(va, Fraction) and isinstance(vb, Fraction)):
            return from_value(math.nan, get_format(out), env)
        total += va * vb * inner
    return from_value(total * a.s_dec * b.s_dec, get_format(out), env)


# HiFloat4 blocks live next door (one module per block family); re-exported here
from .hifloat4 import (HIF4_BLOCK, HIF4_POLICIES, HiF4Block, HiF4Policy, HiF4Specials,  # noqa: E402
                       hif4_dequantize, hif4_dot_exact, hif4_policy, hif4_quantize, hif4_quantize_block)

__all__ = [
    "HIF4_BLOCK", "HIF4_POLICIES", "HiF4Block", "HiF4Policy", "HiF4Specials", "hif4_dequantize",
    "hif4_dot_exact", "hif4_policy", "hif4_quantize", "hif4_quantize_block",
    "ScaleRule", "ZeroBlock", "ExpOverflow", "NanInBlock", "MXPolicy", "MXBlock", "element_format",
    "emax_elem", "max_elem", "mx_scale_exponent", "mx_quantize_block", "mx_quantize", "mx_block_values",
    "mx_dequantize", "mx_dot_exact", "mx_dot_tosa", "mx_dot_tosa_rounded", "NVFP4Order", "NVFP4Policy", "NVFP4Tensor",
    "nvfp4_tensor_scale", "nvfp4_quantize", "nvfp4_dequantize", "nvfp4_dot_exact", "ilog2", "E8M0_NAN",
    "from_value", "F32",
]
