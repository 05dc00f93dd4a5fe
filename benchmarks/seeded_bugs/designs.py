"""The seeded RTL bugs: each class is a unit of `rtl` with ONE realistic source change, written as
an Amaranth subclass (or a stage patched while the unit elaborates). The docstring of each class
says which real-world mistake it models; `corpus.ENTRIES` says where it is expected to show."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, unsigned

import rtl.common
import rtl.fp_mul
import rtl.lmul
from fpverify.golden.lmul import offset_exponent
from fpverify.rounding import Mode, Tininess
from rtl.common import FLAG_NX, FLAG_OF, RoundCtl, Unpacked, named
from rtl.fp_add import FPAdder
from rtl.fp_mul import FPMultiplier
from rtl.lmul import LMulUnit

from . import adder as adder_module
from .adder import StagedAdder
from .multiplier import StagedMultiplier
from .rounder import Rounder, rounder_patched

# ---- helpers: a stage replaced while a unit elaborates -----------------------------------------


class WithRounder:
    """Mixin: the unit's round-and-pack stage is ``rounder`` (a `Rounder` subclass)."""

    rounder: Rounder = Rounder()

    def elaborate(self, platform):
        with rounder_patched(self.rounder):
            return super().elaborate(platform)


class WithRoundCtl:
    """Mixin: the rounder's mode decode / decision logic is ``ctl_class`` (a `RoundCtl` subclass)."""

    ctl_class: type = RoundCtl

    def elaborate(self, platform):
        with mock.patch.object(rtl.common, "RoundCtl", self.ctl_class), \
                mock.patch.object(rtl.lmul, "RoundCtl", self.ctl_class):
            return super().elaborate(platform)


@contextmanager
def operand_a_unpack(module, faulty_unpack):
    """While elaborating: ``module``'s unpack of operand ``a`` (prefix ``unpack_a``) is ``faulty_unpack``."""
    real = module.unpack

    def unpack(m, fmt, code, prefix, normalise=True):
        if prefix == "unpack_a":
            return faulty_unpack(real, m, fmt, code, prefix, normalise)
        return real(m, fmt, code, prefix, normalise)

    with mock.patch.object(module, "unpack", unpack):
        yield


# ---- adder: alignment, swap, normalise, exact zero ----------------------------------------------


class AlignStickyMissesLsbAdder(StagedAdder):
    """The alignment sticky OR tree was written over ``small_sig[1:]``: the small operand's LSB,
    once shifted out, is lost (classic off-by-one in the sticky of the shift-out)."""

    def align_sticky(self, small_ext, align_diff, aw):
        x = self.guard_bits
        lost_mask = Cat(*[align_diff > i for i in range(aw)])
        return (small_ext[x + 1:] & lost_mask[x + 1:]).any()


class ExponentOnlySwapAdder(StagedAdder):
    """The operand swap compares exponent fields only: with equal exponents and |b| > |a| the
    cancellation path computes |a| - |b| < 0 and the difference wraps."""

    def swap(self, v):
        return v["fb"] > v["fa"]


class LzcShortTopStageAdder(StagedAdder):
    """The coarsest leading-zero-counter stage tests one bit too few (``x[w-step+1:]``): a sum
    with exactly that many leading zeros but one is shifted too far, losing its leading one."""

    def normalise(self, m, sum_sig):
        w = len(sum_sig)
        nst = (w - 1).bit_length()
        x = sum_sig
        count_bits = []
        for k in reversed(range(nst)):
            step = 1 << k
            top = w - step + 1 if k == nst - 1 else w - step  # the bug: + 1 on the first stage
            zero_top = x[top:] == 0
            x = Mux(zero_top, Cat(Const(0, step), x[:w - step]), x)
            x = named(m, f"norm_s{k}", x, unsigned(w))
            count_bits.append(zero_top)
        return x, named(m, "norm_lz", Cat(*reversed(count_bits)), unsigned(nst))


class RdnZeroSignAdder(StagedAdder):
    """x - x gives +0 in every rounding mode: the IEEE 754 §6.3 exception (-0 when rounding
    toward negative) was forgotten."""

    def zero_sign(self, ctl, eff_sub, big_sign):
        return Mux(eff_sub, 0, big_sign)


class LateSpecialPathAdder(StagedAdder):
    """Pipelined adder whose special-result path (NaN/Inf/exact zero bypass) has one register more
    than the datapath: it captures one cycle late, so a special result shows the previous state."""

    def special_path(self, m, v):
        v = dict(v)
        for name in ("special", "scode", "sflags"):
            r = Signal(Value.cast(v[name]).shape(), name=f"{name}_late")
            m.d.sync += r.eq(v[name])
            v[name] = r
        return v


def _subnormal_exp_from_raw_field(real, m, fmt, code, prefix, normalise):
    """The exponent is taken from the raw field (``field - bias``) without the subnormal fix-up
    ``max(field, 1)``: a subnormal operand is off by one binade."""
    u = real(m, fmt, code, prefix + "_inner", normalise)
    exp = named(m, f"{prefix}_exp", u.exp - (u.field == 0), u.exp.shape())
    sig = named(m, f"{prefix}_sig", u.sig)
    return Unpacked(u.sign, sig, exp, u.cls, u.snan, u.mag, u.field, u.trail)


class SubnormalExpAdder(StagedAdder):
    """Operand a's unpack forgets that a subnormal's exponent is that of field 1 (see
    `_subnormal_exp_from_raw_field`); operand b's unpack is right (two instances, one typo)."""

    def elaborate(self, platform):
        with operand_a_unpack(adder_module, _subnormal_exp_from_raw_field):
            return super().elaborate(platform)


# ---- rounding-mode decode and stochastic rounding ---------------------------------------------


class SwappedUpDownCtl(RoundCtl):
    """The rm decoder swaps RUP (3) and RDN (2)."""

    def _by_rm(self, per_mode):
        swap = {Mode.RUP: Mode.RDN, Mode.RDN: Mode.RUP}
        return super()._by_rm(lambda mode: per_mode(swap.get(mode, mode)))


class RnaAsRneCtl(RoundCtl):
    """The rm decoder maps RNA (4) to RNE: ties go to even instead of away."""

    def _by_rm(self, per_mode):
        return super()._by_rm(lambda mode: per_mode(Mode.RNE if mode is Mode.RNA else mode))


class SwappedUpDownAdder(WithRoundCtl, FPAdder):
    """``rounding=port`` adder whose rounder decodes rm with RUP and RDN swapped."""

    ctl_class = SwappedUpDownCtl

    def __init__(self, fmt, **kw):
        super().__init__(fmt, rounding="port", **kw)


class RnaAsRneAdder(WithRoundCtl, FPAdder):
    """``rounding=port`` adder whose rounder decodes RNA as RNE."""

    ctl_class = RnaAsRneCtl

    def __init__(self, fmt, **kw):
        super().__init__(fmt, rounding="port", **kw)


class SrcExactnessCtl(RoundCtl):
    """SR-C's RNITE(ν 2^N) treats every half as an exact tie: the exactness test ignores the
    bits below the N+1 leading bits of ν (the sticky), so an inexact half rounds to even."""

    def _stochastic_away(self, frac, sticky):
        if self.spec.rounding.mode is not Mode.SR_C:
            return super()._stochastic_away(frac, sticky)
        n = self.spec.nbits
        v, half = frac[1:], frac[0]
        v_rounded = v + (half & v[0])  # the bug: (half & (sticky | v[0]))
        return (v_rounded + self.rbits)[n]


class ShortRandomCtl(RoundCtl):
    """SR-A compares against N-1 random bits: the random source's LSB is tied to 0."""

    def _stochastic_away(self, frac, sticky):
        n = self.spec.nbits
        r = Cat(Const(0, 1), self.rbits[1:])
        return (frac + r)[n]


class SrbMissingHalfCtl(RoundCtl):
    """SR-B's comparison floor(ν 2^(N+1)) + 2R + 1 >= 2^(N+1) loses its + 1."""

    def _stochastic_away(self, frac, sticky):
        n = self.spec.nbits
        return (frac + Cat(Const(0, 1), self.rbits))[n + 1]


class SrcExactnessAdder(WithRoundCtl, FPAdder):
    """SR-C adder with the faulty exactness test (`SrcExactnessCtl`)."""

    ctl_class = SrcExactnessCtl


class ShortRandomMul(WithRoundCtl, FPMultiplier):
    """SR-A multiplier comparing N-1 random bits (`ShortRandomCtl`)."""

    ctl_class = ShortRandomCtl


class SrbMissingHalfMul(WithRoundCtl, FPMultiplier):
    """SR-B multiplier without the + 1 of 2R + 1 (`SrbMissingHalfCtl`)."""

    ctl_class = SrbMissingHalfCtl


# ---- round-and-pack and flags -------------------------------------------------------------------


class OverflowGeRounder(Rounder):
    """Overflow detected with ``>=`` instead of ``>`` at the max-finite boundary: a result of
    exactly max finite is treated as an overflow."""

    def overflow(self, mag, max_code):
        return mag >= max_code


class OverflowFlagBeforeCarryRounder(Rounder):
    """The OVERFLOW flag is computed from the magnitude before the rounding increment: a result
    that overflows only because rounding carries into the exponent gets no OVERFLOW flag."""

    def overflow_flag(self, ovf, mag_unrounded, max_code):
        return mag_unrounded > max_code


class TininessBeforeRounder(Rounder):
    """UNDERFLOW uses tininess before rounding where the unit is specified after rounding."""

    def tininess(self, tininess):
        return Tininess.BEFORE


class InexactBeforeDenormRounder(Rounder):
    """INEXACT is taken from the fraction bits before the subnormal denormalisation shift: bits
    shifted out for a subnormal result do not raise it (nor UNDERFLOW)."""

    def inexact(self, guard, sticky, frac, g, s1, st1):
        return s1[:g].any() | st1


class FitStickyMissesBitRounder(Rounder):
    """The rounder's sticky OR over the bits below its frame skips the highest of them."""

    def fit_sticky(self, norm_sig, w, kw):
        return norm_sig[:w - kw - 1].any() if w > kw + 1 else Const(0, 1)


class CopiedRounderMul(WithRounder, FPMultiplier):
    """No bug: the multiplier with the unmodified `Rounder` copy (checks the copy)."""


class CopiedRounderAdder(WithRounder, FPAdder):
    """No bug: the adder with the unmodified `Rounder` copy (checks the copy)."""


class OverflowGeMul(WithRounder, FPMultiplier):
    """Multiplier with `OverflowGeRounder`."""

    rounder = OverflowGeRounder()


class OverflowFlagBeforeCarryMul(WithRounder, FPMultiplier):
    """Multiplier with `OverflowFlagBeforeCarryRounder`."""

    rounder = OverflowFlagBeforeCarryRounder()


class TininessBeforeMul(WithRounder, FPMultiplier):
    """Multiplier with `TininessBeforeRounder`."""

    rounder = TininessBeforeRounder()


class InexactBeforeDenormMul(WithRounder, FPMultiplier):
    """Multiplier with `InexactBeforeDenormRounder`."""

    rounder = InexactBeforeDenormRounder()


class FitStickyMissesBitMul(WithRounder, FPMultiplier):
    """Multiplier with `FitStickyMissesBitRounder`."""

    rounder = FitStickyMissesBitRounder()


# ---- multiplier: operands, NaN codes, one operand pair, pipelining -------------------------------


def _ones_normalize(real):
    def normalize(m, value, prefix):
        """`rtl.common.normalize` shifting in ones at the bottom, in operand a's normaliser only."""
        if prefix != "unpack_a_nrm":
            return real(m, value, prefix)
        w = len(value)
        nst = (w - 1).bit_length()
        x = value
        count_bits = []
        for k in reversed(range(nst)):
            step = 1 << k
            zero_top = x[w - step:] == 0
            x = Mux(zero_top, Cat(Const((1 << step) - 1, step), x[:w - step]), x)  # the bug: ones
            x = named(m, f"{prefix}_s{k}", x, unsigned(w))
            count_bits.append(zero_top)
        count = Cat(*reversed(count_bits)) if count_bits else Const(0, 1)
        return x, named(m, f"{prefix}_lz", count, unsigned(max(nst, 1)))
    return normalize


class OnesNormaliserMul(FPMultiplier):
    """Operand a's normaliser shifts in ones instead of zeros: a subnormal a's normalised
    significand is wrong in its low bits (normal operands are never shifted)."""

    def elaborate(self, platform):
        with mock.patch.object(rtl.common, "normalize", _ones_normalize(rtl.common.normalize)):
            return super().elaborate(platform)


class SubnormalExpMul(FPMultiplier):
    """Operand a's unpack forgets the subnormal exponent fix-up (see `_subnormal_exp_from_raw_field`)."""

    def elaborate(self, platform):
        with operand_a_unpack(rtl.fp_mul, _subnormal_exp_from_raw_field):
            return super().elaborate(platform)


class NanSignMul(StagedMultiplier):
    """The default NaN takes the product's sign bit (x86 habit) where the spec's canonical NaN
    is positive: visible with an exact NaN encoding only."""

    def nan_code(self, sign):
        return Cat(Const(self._codes.nan, self.out_fmt.width - 1), sign)


class NanQuietBitMul(StagedMultiplier):
    """The default NaN is built with the quiet bit clear (a signalling pattern, LSB set to keep it
    a NaN): visible with an exact NaN encoding only."""

    def nan_code(self, sign):
        quiet = 1 << (self.out_fmt.man_bits - 1)
        return Const((self._codes.nan & ~quiet) | 1, self.out_fmt.width)


class MaxTimesOneEcoMul(FPMultiplier):
    """A hand-written ECO meant for the saturating variant compares full codes: for exactly
    a = +max finite and b = +1.0 it forces OVERFLOW | INEXACT (one operand pair out of 2^2w)."""

    def elaborate(self, platform):
        m = super().elaborate(platform)
        fmt = self.fmt
        one = fmt.bias << fmt.man_bits
        with m.If((self.a == fmt.max_code) & (self.b == one)):
            m.d.comb += self.flags.eq(FLAG_OF | FLAG_NX)
        return m


class LateFlagsMul(FPMultiplier):
    """Pipelined multiplier whose flags output register sits one stage after the result's: the
    flags of a result appear one cycle late."""

    def round_and_pack(self, m: Module, pipe, v: dict) -> None:
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))
        code, flags = rtl.common.round_pack(m, self.out_fmt, ctl, self.overflow, self.tininess, v["sign"],
                                            v["norm_exp"], v["norm_sig"])
        res = pipe.output(dict(result=Mux(v["special"], v["scode"], code),
                               flags=Mux(v["special"], v["sflags"], flags)))
        late = Signal(5, name="flags_late")
        m.d.sync += late.eq(res["flags"])  # the bug: one register too many on the flags path
        m.d.comb += [self.result.eq(res["result"]), self.flags.eq(late)]


# ---- L-Mul --------------------------------------------------------------------------------------


def _paper_rule_constant(fmt):
    """C with l(m) = m for every m (the rule the paper states for m <= 3), so wrong from m = 4."""
    m = fmt.man_bits
    return (fmt.bias << m) - ((1 << m) >> m)


class PaperRuleConstantLMul(LMulUnit):
    """L-Mul (bit-add variant) whose offset constant C uses l(m) = m for every mantissa width."""

    def elaborate(self, platform):
        with mock.patch.object(rtl.lmul, "lmul_constant", _paper_rule_constant):
            return super().elaborate(platform)


class OffsetOffByOneLMul(LMulUnit):
    """L-Mul (variant A) whose offset-exponent table is off by one: 2^-(l+1) instead of 2^-l."""

    def elaborate(self, platform):
        with mock.patch.object(rtl.lmul, "offset_exponent", lambda mb: offset_exponent(mb) + 1):
            return super().elaborate(platform)


class NoInexactLMul(LMulUnit):
    """The L-Mul unit never raises INEXACT (its designer took L-Mul for exact): flushed,
    underflowing and overflowing results lack it."""

    def elaborate(self, platform):
        with mock.patch.object(rtl.lmul, "FLAG_NX", 0):
            return super().elaborate(platform)
