"""FPAdder: a + b (or a - b with ``sub``), rounded once (golden `fpverify.golden.add`/`sub`).

Stages: unpack (raw significands: a subnormal keeps its leading zeros and the exponent emin,
as in the reference, so no input leading-zero counters) -> swap so that ``|big| >= |small|`` -> align the small
significand into ``X`` guard bits plus ONE sticky bit (a bounded shifter: shift amounts beyond the
datapath width all collapse to "everything is sticky") -> one adder/subtractor -> leading-zero
normalise -> `round_pack`.

Why the bounded alignment is exact enough: with ``X = G + 2`` extra bits (G = bits the rounder
inspects below the kept precision; 1 for the deterministic modes) and the sticky bit jammed into
the LSB, a sticky bit can only be set when the exponent difference exceeds ``X``; then at most one
bit cancels, so every bit the rounder reads is exact and the jammed LSB only tells "inexact".
With a wider output format ``X`` grows by ``P_out - P_in``.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, signed, unsigned

from fpverify.rounding import Mode
from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS

from .common import (
    BinaryFPUnit, control_ports, FLAG_NV, Pipeline, RoundCtl, as_value, by_sign, exp_range, named, normalize,
    signed_width, unpack,
)

__all__ = ["FPAdder"]


class FPAdder(BinaryFPUnit):
    """Adder/subtractor for any signed registry float format; ``sub`` = 1 computes a - b.

    Parameters as `rtl.fp_mul.FPMultiplier`.
    """

    op = "add"

    has_sub = True

    @property
    def guard_bits(self) -> int:
        """X: alignment bits below the input significand (the sticky bit is the lowest)."""
        spec = self.rounding_spec
        return max(self.out_fmt.precision - self.fmt.precision, 0) + spec.frac_bits + 2

    def elaborate(self, platform):
        m = Module()
        fmt, out = self.fmt, self.out_fmt
        p = fmt.precision
        wo = out.width
        codes = self._codes
        x = self.guard_bits
        aw = p + x  # aligned significand width
        pipe = Pipeline(m, self.latency, 3)
        ctl_ports = control_ports(self)

        # ---- unpack (b's sign flipped for subtraction)
        ua = unpack(m, fmt, self.a, stages.unpack_prefix("a"), normalise=False)
        ub = unpack(m, fmt, self.b, stages.unpack_prefix("b"), normalise=False)
        sb_eff = named(m, stages.unpack_prefix("b") + "_sign_eff", ub.sign ^ self.sub, unsigned(1))
        v = pipe.cut(0, dict(sa=ua.sign, sb=sb_eff, siga=ua.sig, sigb=ub.sig, ea=ua.exp, eb=ub.exp,
                             ca=ua.cls, cb=ub.cls, na=ua.snan, nb=ub.snan, maga=ua.mag, magb=ub.mag,
                             **ctl_ports))
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))

        # ---- swap, align, add
        swap = named(m, "add_swap", v["magb"] > v["maga"], unsigned(1))
        big_sign = named(m, "add_big_sign", Mux(swap, v["sb"], v["sa"]), unsigned(1))
        big_sig = named(m, "add_big_sig", Mux(swap, v["sigb"], v["siga"]), unsigned(p))
        big_exp = named(m, "add_big_exp", Mux(swap, v["eb"], v["ea"]), v["ea"].shape())
        small_sig = named(m, "add_small_sig", Mux(swap, v["siga"], v["sigb"]), unsigned(p))
        small_exp = Mux(swap, v["ea"], v["eb"])
        eff_sub = named(m, "add_eff_sub", v["sa"] ^ v["sb"], unsigned(1))

        kw = aw.bit_length()
        d_raw = big_exp - small_exp  # >= 0 whenever small is finite and nonzero
        align_diff = named(m, "align_diff", Mux(d_raw > aw, aw, d_raw[:kw]), unsigned(kw))
        small_ext = Cat(Const(0, x), small_sig)
        align_sig = named(m, "align_sig", small_ext >> align_diff, unsigned(aw))
        lost_mask = Cat(*[align_diff > i for i in range(aw)])
        align_sticky = named(m, stages.ALIGN_STICKY, (small_ext & lost_mask).any(), unsigned(1))
        jammed = Cat(align_sig[0] | align_sticky, align_sig[1:], Const(0, 1))  # aw + 1 bits
        big_ext = Cat(Const(0, x), big_sig, Const(0, 1))
        addend = Mux(eff_sub, ~jammed, jammed)
        sum_sig = named(m, "sum_sig", (big_ext + addend + eff_sub)[:aw + 1], unsigned(aw + 1))
        sum_zero = named(m, "sum_zero", sum_sig == 0, unsigned(1))
        # exact zero: like-signed operands keep their sign, otherwise +0 (-0 when rounding down)
        zero_sign = Mux(eff_sub, as_value(ctl.is_mode(Mode.RDN)), big_sign)

        nan_a, nan_b = v["ca"] == 3, v["cb"] == 3
        inf_a, inf_b = v["ca"] == 2, v["cb"] == 2
        inf_inf = inf_a & inf_b & eff_sub
        to_nan = nan_a | nan_b | inf_inf
        invalid = inf_inf | v["na"] | v["nb"]
        inf_sign = Mux(inf_a, v["sa"], v["sb"])
        special = named(m, "special", to_nan | inf_a | inf_b | sum_zero, unsigned(1))
        special_code = named(m, "special_code",
                             Mux(to_nan, Const(codes.nan, wo),
                                 Mux(inf_a | inf_b, by_sign(inf_sign, codes.inf, wo),
                                     by_sign(zero_sign, codes.zero, wo))),
                             unsigned(wo))
        special_flags = named(m, "special_flags",
                              Mux(to_nan, Mux(invalid, FLAG_NV, 0) | codes.nan_flags, 0), unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(1, dict(sign=big_sign, sum_sig=sum_sig, big_exp=big_exp, special=special,
                             scode=special_code, sflags=special_flags, **{k: v[k] for k in ctl_ports}))

        # ---- normalise: leading one of the sum to the top
        nsig, lz = normalize(m, v["sum_sig"], "norm")
        norm_sig = named(m, stages.NORM_SIG, nsig, unsigned(aw + 1))
        lo_e, hi_e = exp_range(fmt)
        ew = signed_width(lo_e + 1 - (1 << len(lz)), hi_e + 1)
        norm_exp = named(m, stages.NORM_EXP, v["big_exp"] + 1 - lz, signed(ew))
        v = pipe.cut(2, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"], **{k: v[k] for k in ctl_ports}))

        # ---- round and pack
        self.round_and_pack(m, pipe, v)
        return m
