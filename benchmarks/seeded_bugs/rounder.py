"""A copy of `rtl.common.round_pack` whose sub-steps are methods of `Rounder`, so a seeded bug is a
subclass overriding one small method. `Rounder()` itself is the unmodified rounder (the corpus
tests prove a unit built with it equivalent, so every bug is exactly its one override)."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from unittest import mock

from amaranth.hdl import Cat, Const, Module, Mux, Value, signed, unsigned

import rtl.common
import rtl.lmul
from fpverify.formats import FloatFormat, Overflow
from fpverify.rounding import Tininess
from fpverify.semantics import overflow as overflow_rules
from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS
from rtl.common import RoundCtl, by_sign, named, signed_width, special_codes

__all__ = ["Rounder", "rounder_patched"]


def _value_range(v: Value) -> tuple[int, int]:
    shape = Value.cast(v).shape()
    if shape.signed:
        return -(1 << (shape.width - 1)), (1 << (shape.width - 1)) - 1
    return 0, (1 << shape.width) - 1


class Rounder:
    """`rtl.common.round_pack`, step by step (same signals, same names)."""

    def fit_sticky(self, norm_sig: Value, w: int, kw: int) -> Value:
        """OR of the significand bits below the rounder's frame."""
        return norm_sig[:w - kw].any() if w > kw else Const(0, 1)

    def tininess(self, tininess: Tininess) -> Tininess:
        return tininess

    def inexact(self, guard, sticky, frac, g: int, s1, st1) -> Value:
        """Any nonzero bit below the kept precision (after denormalisation)."""
        return guard | sticky | (frac.any() if g > 1 else 0)

    def overflow(self, mag: Value, max_code: int) -> Value:
        return mag > max_code

    def overflow_flag(self, ovf, mag_unrounded, max_code: int) -> Value:
        """The OVERFLOW flag (the rounded magnitude is beyond max finite)."""
        return ovf

    def __call__(self, m: Module, out: FloatFormat, ctl: RoundCtl, overflow: Overflow, tininess: Tininess,
                 sign: Value, norm_exp: Value, norm_sig: Value, norm_sticky: Value | None = None):
        p, mb = out.precision, out.man_bits
        g = ctl.spec.frac_bits
        kw = p + g
        w = len(norm_sig)
        if w >= kw:
            s1 = norm_sig[w - kw:]
            st1 = self.fit_sticky(norm_sig, w, kw)
        else:
            s1 = Cat(Const(0, kw - w), norm_sig)
            st1 = Const(0, 1)
        if norm_sticky is not None:
            st1 = st1 | norm_sticky
        s1 = named(m, stages.round_stage("in_sig"), s1, unsigned(kw))
        st1 = named(m, stages.round_stage("in_sticky"), st1, unsigned(1))

        emin = out.emin
        ew = max(len(norm_exp), signed_width(emin - 1, emin + 1)) + 1
        norm_exp = named(m, stages.round_stage("in_exp"), norm_exp, signed(ew))
        tiny = named(m, stages.ROUND_TINY, norm_exp < emin, unsigned(1))
        deficit = Const(emin, signed(ew)) - norm_exp
        sw = kw.bit_length()
        shift = named(m, stages.round_stage("shift"),
                      Mux(tiny, Mux(deficit > kw, kw, deficit[:sw]), 0), unsigned(sw))
        shifted = s1 >> shift
        lost_mask = Cat(*[shift > i for i in range(kw)])
        lost = (s1 & lost_mask).any()
        frac = shifted[:g]
        kept = named(m, stages.round_stage("kept"), shifted[g:], unsigned(p))
        guard = named(m, stages.ROUND_GUARD, frac[-1], unsigned(1))
        sticky = named(m, stages.ROUND_STICKY, st1 | lost | (frac[:-1].any() if g > 1 else 0), unsigned(1))

        e_q = named(m, stages.ROUND_EXP, Mux(tiny, Const(emin, signed(ew)), norm_exp), signed(ew))
        _, hi = _value_range(norm_exp)
        bw = max(hi + out.bias, 1).bit_length() + 1
        base = named(m, stages.round_stage("base"), (e_q + (out.bias - 1))[:bw], unsigned(bw))
        lsb = kept[0] if mb else base[0] ^ kept[0]
        up = named(m, stages.ROUND_UP, ctl.away(sign, frac, st1 | lost, lsb), unsigned(1))
        rsig = named(m, stages.ROUND_SIG, kept + up, unsigned(p + 1))
        mag = named(m, stages.round_stage("mag"), (base.shift_left(mb) if mb else base) + rsig, unsigned(bw + mb + 2))
        mag_unrounded = (base.shift_left(mb) if mb else base) + kept
        inexact = self.inexact(guard, sticky, frac, g, s1, st1)

        if self.tininess(tininess) is Tininess.BEFORE:
            tiny_flag = tiny
        else:
            all_ones = s1[g:].all()
            lsb_u = Const(1 if mb else 0, 1)
            up_u = ctl.away(sign, s1[:g], st1, lsb_u)
            carries = (norm_exp == emin - 1) & all_ones & up_u
            tiny_flag = tiny & ~carries
        underflow = tiny_flag & inexact

        ovf = named(m, stages.ROUND_OVERFLOW, self.overflow(mag, out.max_code), unsigned(1))
        ovf_flag = self.overflow_flag(ovf, mag_unrounded, out.max_code)
        codes = special_codes(out, overflow, nan_reachable=False)
        wo = out.width
        to_max = ctl.rounds_to_max(overflow, sign)
        big = by_sign(sign, tuple(overflow_rules.overflow_code(out, overflow, s, False)[0] for s in (0, 1)), wo)
        ovf_code = Mux(to_max, by_sign(sign, codes.max_signed, wo), big)
        zero_res = mag == 0
        sign_out = sign & (~zero_res if not out.has_neg_zero else 1)
        normal_code = Cat(mag[:wo - 1], sign_out)
        result = named(m, stages.PACK_RESULT, Mux(ovf, ovf_code, normal_code), unsigned(wo))
        flags = named(m, stages.PACK_FLAGS,
                      Cat(inexact | ovf_flag, underflow & ~ovf, ovf_flag, Const(0, 2)), unsigned(IEEE_FLAG_BITS))
        return result, flags


@contextmanager
def rounder_patched(rounder: Rounder):
    """While elaborating: every unit's round-and-pack stage is ``rounder``."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(rtl.common, "round_pack", rounder))
        stack.enter_context(mock.patch.object(rtl.lmul, "round_pack", rounder))
        yield
